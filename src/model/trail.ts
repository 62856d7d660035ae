// A CloudTrail trail as the inventory stores it: one record per ARN, whatever regions and accounts it is seen from.
import type { CollectionError, Tag } from './asset.js';

export const TRAIL_ASSET_TYPE = 'Trail';

export interface DataResource {
  type: string;
  values: string[];
}

export interface EventSelector {
  readWriteType: string;
  includeManagementEvents: boolean;
  dataResources: DataResource[];
  excludeManagementEventSources: string[];
}

export interface FieldSelector {
  field: string;
  equals: string[];
  startsWith: string[];
  endsWith: string[];
  notEquals: string[];
  notStartsWith: string[];
  notEndsWith: string[];
}

export interface AdvancedEventSelector {
  name: string;
  fieldSelectors: FieldSelector[];
}

export interface InsightSelector {
  insightType: string;
}

/**
 * Strings AWS leaves out are '' (DESCRIBE fields, and status strings when status is known).
 * `null` means the call that feeds the attribute failed: the value is unknown, and collectionErrors says why.
 */
export interface TrailRecord {
  arn: string;
  name: string;
  accountId: string;
  region: string;

  s3BucketName: string;
  s3KeyPrefix: string;
  snsTopicName: string;
  snsTopicARN: string;
  includeGlobalServiceEvents: boolean;
  isMultiRegionTrail: boolean;
  homeRegion: string;
  logFileValidationEnabled: boolean;
  cloudWatchLogsLogGroupArn: string;
  cloudWatchLogsRoleArn: string;
  kmsKeyID: string;
  hasCustomEventSelectors: boolean;
  hasInsightSelectors: boolean;
  isOrganizationTrail: boolean;

  isLogging: boolean | null;
  latestDeliveryError: string | null;
  latestNotificationError: string | null;
  latestCloudWatchLogsDeliveryError: string | null;
  latestDigestDeliveryError: string | null;
  latestDeliveryTime: string | null;
  latestNotificationTime: string | null;
  startLoggingTime: string | null;
  stopLoggingTime: string | null;
  latestCloudWatchLogsDeliveryTime: string | null;
  latestDigestDeliveryTime: string | null;

  eventSelectors: EventSelector[] | null;
  advancedEventSelectors: AdvancedEventSelector[] | null;
  insightSelectors: InsightSelector[] | null;

  /** null when the tags could not be read (e.g. another account's organization trail). */
  tags: Tag[] | null;
  collectionErrors: CollectionError[];
  /** The API responses the record was built from, keyed by operation. */
  raw: Record<string, unknown>;
}

/** A stored trail, as the API serves it. */
export interface StoredTrail extends Omit<TrailRecord, 'tags'> {
  id: string;
  /** Computed from the stored selectors (src/store/trail-columns.ts); null when they could not be read. */
  recordsAllManagementEvents: boolean | null;
  assetType: typeof TRAIL_ASSET_TYPE;
  provider: 'aws';
  firstSeenAt: string;
  lastSeenAt: string;
  deletedAt: string | null;
  tagsKnown: boolean;
}

/** Attributes that come from one per-trail call each: the call's failure leaves exactly these unknown. */
const DETAIL_GROUPS: readonly { operation: string; fields: readonly (keyof TrailRecord)[]; known: (t: TrailRecord) => boolean }[] = [
  {
    operation: 'GetTrailStatus',
    fields: [
      'isLogging',
      'latestDeliveryError',
      'latestNotificationError',
      'latestCloudWatchLogsDeliveryError',
      'latestDigestDeliveryError',
      'latestDeliveryTime',
      'latestNotificationTime',
      'startLoggingTime',
      'stopLoggingTime',
      'latestCloudWatchLogsDeliveryTime',
      'latestDigestDeliveryTime',
    ],
    known: (t) => t.isLogging !== null,
  },
  { operation: 'GetEventSelectors', fields: ['eventSelectors', 'advancedEventSelectors'], known: (t) => t.eventSelectors !== null },
  { operation: 'GetInsightSelectors', fields: ['insightSelectors'], known: (t) => t.insightSelectors !== null },
  { operation: 'ListTags', fields: ['tags'], known: (t) => t.tags !== null },
];

/**
 * Two views of one trail: what the inventory knew (`earlier`) and another account's view of it (`later`, e.g. a
 * member account's view of an organization trail). The later view wins, except that an attribute it could not
 * read keeps the earlier known value.
 */
export function mergeTrailViews(earlier: TrailRecord, later: TrailRecord): TrailRecord {
  const merged: TrailRecord = { ...later, raw: { ...later.raw }, collectionErrors: [...later.collectionErrors] };
  for (const group of DETAIL_GROUPS) {
    if (group.known(later) || !group.known(earlier)) continue;
    for (const field of group.fields) (merged as unknown as Record<string, unknown>)[field] = earlier[field];
    if (group.operation in earlier.raw) merged.raw[group.operation] = earlier.raw[group.operation];
    else delete merged.raw[group.operation];
    merged.collectionErrors = merged.collectionErrors.filter((e) => e.operation !== group.operation);
  }
  return merged;
}

/** Status times that advance with every log delivery: they are state, not configuration. */
const VOLATILE_FIELDS = ['latestDeliveryTime', 'latestNotificationTime', 'latestCloudWatchLogsDeliveryTime', 'latestDigestDeliveryTime'] as const;

/** The record without what changes on its own every few minutes, so that a changed configuration can be told apart. */
export function configurationOf(record: TrailRecord): object {
  const { GetTrailStatus: _status, ...raw } = record.raw;
  const configuration: Record<string, unknown> = { ...record, raw };
  for (const field of VOLATILE_FIELDS) delete configuration[field];
  return configuration;
}

/**
 * The fields whose changes the trail history records: every field but the raw responses, the collection errors and
 * the GetTrailStatus times and errors, which change on their own. Tags are one field, a list in key order.
 */
export const HISTORY_FIELDS: readonly (keyof TrailRecord)[] = [
  'arn',
  'name',
  'accountId',
  'region',
  's3BucketName',
  's3KeyPrefix',
  'snsTopicName',
  'snsTopicARN',
  'includeGlobalServiceEvents',
  'isMultiRegionTrail',
  'homeRegion',
  'logFileValidationEnabled',
  'cloudWatchLogsLogGroupArn',
  'cloudWatchLogsRoleArn',
  'kmsKeyID',
  'hasCustomEventSelectors',
  'hasInsightSelectors',
  'isOrganizationTrail',
  'isLogging',
  'eventSelectors',
  'advancedEventSelectors',
  'insightSelectors',
  'tags',
];

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/**
 * The history fields whose value differs between two versions of a trail. A value that could not be collected
 * (null) on either side is not a change: an unknown is never reported as the configuration moving.
 */
export function trailFieldChanges(before: TrailRecord, after: TrailRecord): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of HISTORY_FIELDS) {
    const from = historyValue(before, field);
    const to = historyValue(after, field);
    // A value that could not be read (null) is recorded too, so that true, then unknown, then false is never lost.
    if (sameJson(from, to)) continue;
    changes.push({ field, from, to });
  }
  return changes;
}

/** A field's value as the history stores it: tags sorted by key, anything missing as null. */
function historyValue(record: TrailRecord, field: keyof TrailRecord): unknown {
  const value = record[field];
  if (value === undefined || value === null) return null;
  if (field === 'tags') {
    return [...(value as Tag[])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((t) => ({ key: t.key, value: t.value }));
  }
  return value;
}

/** Equal as JSON, whatever the key order of objects. */
export function sameJson(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** JSON with object keys sorted, so the same content always gives the same text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
