// CloudTrail trails: DescribeTrails in every region, then the per-trail calls once per trail, in its home region.
//
// Table of contents: the collector (TRAILS) · collectTrails · the per-trail calls · record building.
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetInsightSelectorsCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  type GetEventSelectorsCommandOutput,
  type GetInsightSelectorsResponse,
  type GetTrailStatusCommandOutput,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { TRAIL } from '../../../src/assets/trail.js';
import type { CollectionError, Tag } from '../../../src/model/asset.js';
import { parseArn } from '../../../src/model/arn.js';
import type { TrailRecord } from '../../../src/model/trail.js';
import type { ScopeResult, ScopeStatus, ScopeError } from '../../../src/model/scope.js';
import type { Collector, CollectorRun } from '../../collector.js';
import { describeAwsError } from '../errors.js';

export const TRAILS_COLLECTOR = TRAIL.collector;

/** ListTags accepts at most this many ARNs per call (CloudTrail API reference, ResourceIdList). */
export const LIST_TAGS_MAX_ARNS = 20;

/** The trail collector: a regional type, listed in every region to sync; its IAM actions are TRAIL.iamActions. */
export const TRAILS: Collector<TrailRecord> = {
  definition: TRAIL,
  collect: (run) => collectTrails({ accountId: run.accountId, regions: run.regions, cloudTrail: (region) => run.clients.client(CloudTrailClient, region, 'cloudtrail') }),
};

export interface TrailCollection {
  /** The account whose credentials the clients carry. */
  accountId: CollectorRun['accountId'];
  regions: readonly string[];
  /** A CloudTrail client for a region; called for the regions to sync and for trails' home regions. */
  cloudTrail(region: string): CloudTrailClient;
}

/**
 * One result per region: the trails visible there (home, shadow and organization trails), or why the region failed.
 * Every call starts at once; the clients' own limits (src/sync/limits.ts) decide how many are in flight.
 */
export async function collectTrails(collection: TrailCollection): Promise<ScopeResult<TrailRecord>[]> {
  const described = await Promise.all(collection.regions.map((region) => describeRegion(collection, region)));

  // A multi-region or organization trail appears in many regions; its details are fetched once, in its home region.
  const distinct = new Map<string, Trail>();
  for (const region of described) for (const trail of region.trails) distinct.set(trail.TrailARN!, trail);
  const records = await buildRecords(collection, [...distinct.values()]);

  // The caller's trails homed in a region that failed: their detail calls went there too, so what they could not read
  // is not news about the trail (the failed region already says the inventory is incomplete).
  const failed = new Set(described.filter((region) => region.status === 'failed').map((region) => region.region));
  const homedInFailedRegion = [...distinct.keys()].filter((arn) => {
    const parsed = parseArn(arn);
    return parsed.accountId === collection.accountId && failed.has(parsed.region);
  });

  return described.map((region) => ({
    assetType: TRAIL.name,
    accountId: collection.accountId,
    region: region.region,
    status: region.status,
    ...(region.error ? { error: region.error } : {}),
    assets: region.trails.map((trail) => records.get(trail.TrailARN!)!),
    ...(homedInFailedRegion.length ? { keepStoredDetailsOf: homedInFailedRegion } : {}),
  }));
}

interface DescribedRegion {
  region: string;
  status: ScopeStatus;
  error?: ScopeError;
  trails: Trail[];
}

/**
 * DescribeTrails in one region. Any error fails the region, UnrecognizedClientException included: the caller only
 * asks for regions that are enabled (or not known to be disabled), where that code means the credentials were refused.
 */
async function describeRegion(collection: TrailCollection, region: string): Promise<DescribedRegion> {
  try {
    // includeShadowTrails defaults to true: multi-region and organization trails are listed in every region they cover.
    const { trailList = [] } = await collection.cloudTrail(region).send(new DescribeTrailsCommand({}));
    for (const trail of trailList) {
      // Everything downstream is keyed by the ARN and reads owner and home region from it.
      if (!trail.TrailARN || !isTrailArn(trail.TrailARN)) {
        throw new Error(`DescribeTrails in ${region} returned a trail without a valid TrailARN (${trail.Name ?? 'unnamed'}: ${trail.TrailARN ?? 'none'})`);
      }
    }
    return { region, status: 'ok', trails: trailList };
  } catch (error) {
    return { region, status: 'failed', error: describeAwsError(error), trails: [] };
  }
}

function isTrailArn(arn: string): boolean {
  try {
    const parsed = parseArn(arn);
    return parsed.service === 'cloudtrail' && /^\d{12}$/.test(parsed.accountId) && parsed.region !== '' && parsed.resource.startsWith('trail/');
  } catch {
    return false;
  }
}

const DETAIL_OPERATIONS = ['GetTrailStatus', 'GetEventSelectors', 'GetInsightSelectors', 'ListTags'];

/** The per-trail calls, each in the trail's home region; a failed call leaves its attributes unknown and is recorded. */
async function buildRecords(collection: TrailCollection, trails: Trail[]): Promise<Map<string, TrailRecord>> {
  const owned = trails.filter((trail) => parseArn(trail.TrailARN!).accountId === collection.accountId);
  // Started now, awaited per trail: tags are listed alongside the per-trail calls.
  const tags = listTags(collection, owned);

  const records = await Promise.all(
    trails.map(async (trail) => {
      const arn = trail.TrailARN!;
      const client = collection.cloudTrail(parseArn(arn).region);
      const errors: CollectionError[] = [];
      const attempt = async <T>(operation: string, call: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await call();
        } catch (error) {
          errors.push({ operation, ...describeAwsError(error) });
          return undefined;
        }
      };
      // The ARN, not the name: a shadow trail and another account's organization trail are only found by ARN.
      const [status, selectors, insights, tagResult] = await Promise.all([
        attempt('GetTrailStatus', () => client.send(new GetTrailStatusCommand({ Name: arn }))),
        attempt('GetEventSelectors', () => client.send(new GetEventSelectorsCommand({ TrailName: arn }))),
        // A trail without insight selectors has none to read: that is known, not unknown.
        trail.HasInsightSelectors ? attempt('GetInsightSelectors', () => client.send(new GetInsightSelectorsCommand({ TrailName: arn }))) : { InsightSelectors: [] },
        tags.then((byArn) => byArn.get(arn) ?? notOwnedTags(arn)),
      ]);
      if ('error' in tagResult) errors.push(tagResult.error);
      // Calls finish in any order; the record lists their errors in a fixed one, so the same outcome stores the same.
      errors.sort((a, b) => DETAIL_OPERATIONS.indexOf(a.operation) - DETAIL_OPERATIONS.indexOf(b.operation));
      return toTrailRecord(trail, { status, selectors, insights, tags: 'tags' in tagResult ? tagResult.tags : null, errors });
    }),
  );
  return new Map(records.map((record) => [record.arn, record]));
}

type TagResult = { tags: Tag[] } | { error: CollectionError };

/** Tags in key order: the same tags always make the same record, whatever order AWS lists them in. */
function byKey(tags: Tag[]): Tag[] {
  return tags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function notOwnedTags(arn: string): TagResult {
  const owner = parseArn(arn).accountId;
  return { error: { operation: 'ListTags', code: 'NotOwner', message: `tags of a trail owned by account ${owner} can only be read by that account` } };
}

/** ListTags works only in a trail's home region and for the caller's own trails, at most 20 ARNs a call. */
async function listTags(collection: TrailCollection, owned: Trail[]): Promise<Map<string, TagResult>> {
  const byHomeRegion = new Map<string, string[]>();
  for (const trail of owned) {
    const region = parseArn(trail.TrailARN!).region;
    const arns = byHomeRegion.get(region) ?? [];
    arns.push(trail.TrailARN!);
    byHomeRegion.set(region, arns);
  }
  const results = new Map<string, TagResult>();
  const batches: { region: string; arns: string[] }[] = [];
  for (const [region, arns] of byHomeRegion) {
    for (let i = 0; i < arns.length; i += LIST_TAGS_MAX_ARNS) batches.push({ region, arns: arns.slice(i, i + LIST_TAGS_MAX_ARNS) });
  }
  await Promise.all(
    batches.map(async ({ region, arns }) => {
      try {
        const { ResourceTagList = [] } = await collection.cloudTrail(region).send(new ListTagsCommand({ ResourceIdList: arns }));
        for (const arn of arns) {
          const entry = ResourceTagList.find((r) => r.ResourceId === arn);
          results.set(
            arn,
            entry
              ? { tags: byKey((entry.TagsList ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' }))) }
              : { error: { operation: 'ListTags', code: 'MissingFromResponse', message: 'ListTags answered without this trail' } },
          );
        }
      } catch (error) {
        for (const arn of arns) results.set(arn, { error: { operation: 'ListTags', ...describeAwsError(error) } });
      }
    }),
  );
  return results;
}

interface TrailDetails {
  status: GetTrailStatusCommandOutput | undefined;
  selectors: GetEventSelectorsCommandOutput | undefined;
  insights: Pick<GetInsightSelectorsResponse, 'InsightSelectors'> | undefined;
  tags: Tag[] | null;
  errors: CollectionError[];
}

const iso = (time: Date | undefined): string | null => (time ? time.toISOString() : null);

/** The empty-string rule (README, Querying): a string AWS leaves out is '', so `kmsKeyID: ""` finds unencrypted trails. */
const text = (value: string | undefined): string => value ?? '';

/** The SDK's bookkeeping is not part of what AWS said about the trail. */
function withoutMetadata<T extends object>(output: T | undefined): Omit<T, '$metadata'> | undefined {
  if (!output) return undefined;
  const { $metadata: _ignored, ...rest } = output as T & { $metadata?: unknown };
  return rest;
}

export function toTrailRecord(trail: Trail, details: TrailDetails): TrailRecord {
  const arn = parseArn(trail.TrailARN!);
  const { status, selectors, insights } = details;
  const raw: Record<string, unknown> = { DescribeTrails: trail };
  if (status) raw.GetTrailStatus = withoutMetadata(status);
  if (selectors) raw.GetEventSelectors = withoutMetadata(selectors);
  if (insights && trail.HasInsightSelectors) raw.GetInsightSelectors = withoutMetadata(insights);
  if (details.tags) raw.ListTags = details.tags;

  return {
    arn: trail.TrailARN!,
    name: text(trail.Name),
    accountId: arn.accountId,
    region: arn.region,

    s3BucketName: text(trail.S3BucketName),
    s3KeyPrefix: text(trail.S3KeyPrefix),
    snsTopicName: text(trail.SnsTopicName),
    snsTopicARN: text(trail.SnsTopicARN),
    // Trails older than a flag lack it; AWS treats the absent flag as off.
    includeGlobalServiceEvents: trail.IncludeGlobalServiceEvents ?? false,
    isMultiRegionTrail: trail.IsMultiRegionTrail ?? false,
    homeRegion: trail.HomeRegion ?? arn.region,
    logFileValidationEnabled: trail.LogFileValidationEnabled ?? false,
    cloudWatchLogsLogGroupArn: text(trail.CloudWatchLogsLogGroupArn),
    cloudWatchLogsRoleArn: text(trail.CloudWatchLogsRoleArn),
    kmsKeyID: text(trail.KmsKeyId),
    hasCustomEventSelectors: trail.HasCustomEventSelectors ?? false,
    hasInsightSelectors: trail.HasInsightSelectors ?? false,
    isOrganizationTrail: trail.IsOrganizationTrail ?? false,

    isLogging: status ? (status.IsLogging ?? false) : null,
    latestDeliveryError: status ? text(status.LatestDeliveryError) : null,
    latestNotificationError: status ? text(status.LatestNotificationError) : null,
    latestCloudWatchLogsDeliveryError: status ? text(status.LatestCloudWatchLogsDeliveryError) : null,
    latestDigestDeliveryError: status ? text(status.LatestDigestDeliveryError) : null,
    latestDeliveryTime: iso(status?.LatestDeliveryTime),
    latestNotificationTime: iso(status?.LatestNotificationTime),
    startLoggingTime: iso(status?.StartLoggingTime),
    stopLoggingTime: iso(status?.StopLoggingTime),
    latestCloudWatchLogsDeliveryTime: iso(status?.LatestCloudWatchLogsDeliveryTime),
    latestDigestDeliveryTime: iso(status?.LatestDigestDeliveryTime),

    eventSelectors: selectors
      ? (selectors.EventSelectors ?? []).map((s) => ({
          readWriteType: text(s.ReadWriteType),
          includeManagementEvents: s.IncludeManagementEvents ?? false,
          dataResources: (s.DataResources ?? []).map((d) => ({ type: text(d.Type), values: d.Values ?? [] })),
          excludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
        }))
      : null,
    advancedEventSelectors: selectors
      ? (selectors.AdvancedEventSelectors ?? []).map((s) => ({
          name: text(s.Name),
          fieldSelectors: (s.FieldSelectors ?? []).map((f) => ({
            field: text(f.Field),
            equals: f.Equals ?? [],
            startsWith: f.StartsWith ?? [],
            endsWith: f.EndsWith ?? [],
            notEquals: f.NotEquals ?? [],
            notStartsWith: f.NotStartsWith ?? [],
            notEndsWith: f.NotEndsWith ?? [],
          })),
        }))
      : null,
    insightSelectors: insights ? (insights.InsightSelectors ?? []).map((s) => ({ insightType: text(s.InsightType) })) : null,

    tags: details.tags,
    collectionErrors: details.errors,
    raw,
  };
}
