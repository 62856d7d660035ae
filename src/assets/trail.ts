// CloudTrail trails (DescribeTrails, GetTrailStatus, GetEventSelectors, GetInsightSelectors, ListTags): one asset per
// trail ARN, whatever regions and accounts it is seen from.
import { configurationOf, mergeTrailViews, type TrailRecord } from '../model/trail.js';
import type { AssetField, AssetTypeDefinition, JsonShape, SqlExpressions } from './definition.js';

const field = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField => ({
  field: name,
  column,
  kind,
  nullable: false,
  history: true,
  ...extra,
});

/** A GetTrailStatus value: NULL when the call failed, and not history (status, not configuration). */
const status = (name: string, column: string, kind: AssetField['kind'], volatile = false): AssetField =>
  field(name, column, kind, { nullable: true, history: name === 'isLogging', volatile });

/**
 * Whether one event selector records every management event, read and write, of every source (what CIS asks of the
 * multi-region trail each account needs): a basic selector with IncludeManagementEvents, ReadWriteType All and no
 * excluded sources, or an advanced selector that selects eventCategory = Management and nothing narrower. NULL when
 * GetEventSelectors failed. Read from the stored selectors, so it can never disagree with them.
 */
const recordsAllManagementEvents = (d: SqlExpressions): string => `CASE WHEN trails.event_selectors IS NULL THEN NULL ELSE (
    EXISTS (SELECT 1 FROM ${d.jsonElements('trails.event_selectors', 'selector')}
             WHERE ${d.jsonIsTrue('selector.value', ['includeManagementEvents'])}
               AND ${d.jsonText('selector.value', ['readWriteType'])} = 'All'
               AND ${d.jsonArrayLength('selector.value', ['excludeManagementEventSources'])} = 0)
    OR EXISTS (SELECT 1 FROM ${d.jsonElements(`coalesce(trails.advanced_event_selectors, ${d.emptyJsonArray})`, 'selector')}
             WHERE ${d.jsonArrayLength('selector.value', ['fieldSelectors'])} = 1
               AND ${d.jsonText('selector.value', ['fieldSelectors', 0, 'field'])} = 'eventCategory'
               AND ${d.jsonValue('selector.value', ['fieldSelectors', 0, 'equals'])} = ${d.jsonStringArray(['Management'])})) END`;

/** `type EventSelector` (schema/trail.graphql), as stored: filterable as `eventSelectors_SOME: {...}`. */
const EVENT_SELECTOR: JsonShape = {
  readWriteType: 'string',
  includeManagementEvents: 'boolean',
  dataResources: [{ type: 'string', values: ['string'] }],
  excludeManagementEventSources: ['string'],
};

/** `type AdvancedEventSelector`, as stored. */
const ADVANCED_EVENT_SELECTOR: JsonShape = {
  name: 'string',
  fieldSelectors: [
    {
      field: 'string',
      equals: ['string'],
      startsWith: ['string'],
      endsWith: ['string'],
      notEquals: ['string'],
      notStartsWith: ['string'],
      notEndsWith: ['string'],
    },
  ],
};

export const TRAIL: AssetTypeDefinition<TrailRecord> = {
  name: 'Trail',
  plural: 'trails',
  table: 'trails',
  description: 'A CloudTrail trail, once per ARN: its home region and owner account, and every scope that lists it.',
  internalAssetType: 'Trail',
  assetCategory: 'Logging',
  scope: 'regional',
  collector: 'aws.cloudtrail.trails',
  iamActions: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetInsightSelectors', 'cloudtrail:ListTags'],
  fields: [
    field('s3BucketName', 's3_bucket_name', 'string'),
    field('s3KeyPrefix', 's3_key_prefix', 'string'),
    field('snsTopicName', 'sns_topic_name', 'string'),
    field('snsTopicARN', 'sns_topic_arn', 'string'),
    field('includeGlobalServiceEvents', 'include_global_service_events', 'boolean'),
    field('isMultiRegionTrail', 'is_multi_region_trail', 'boolean'),
    field('homeRegion', 'home_region', 'string'),
    field('logFileValidationEnabled', 'log_file_validation_enabled', 'boolean'),
    field('cloudWatchLogsLogGroupArn', 'cloud_watch_logs_log_group_arn', 'string'),
    field('cloudWatchLogsRoleArn', 'cloud_watch_logs_role_arn', 'string'),
    field('kmsKeyID', 'kms_key_id', 'string'),
    field('hasCustomEventSelectors', 'has_custom_event_selectors', 'boolean'),
    field('hasInsightSelectors', 'has_insight_selectors', 'boolean'),
    field('isOrganizationTrail', 'is_organization_trail', 'boolean'),

    status('isLogging', 'is_logging', 'boolean'),
    status('latestDeliveryError', 'latest_delivery_error', 'string'),
    status('latestNotificationError', 'latest_notification_error', 'string'),
    status('latestCloudWatchLogsDeliveryError', 'latest_cloud_watch_logs_delivery_error', 'string'),
    status('latestDigestDeliveryError', 'latest_digest_delivery_error', 'string'),
    status('latestDeliveryTime', 'latest_delivery_time', 'datetime', true),
    status('latestNotificationTime', 'latest_notification_time', 'datetime', true),
    status('startLoggingTime', 'start_logging_time', 'datetime'),
    status('stopLoggingTime', 'stop_logging_time', 'datetime'),
    status('latestCloudWatchLogsDeliveryTime', 'latest_cloud_watch_logs_delivery_time', 'datetime', true),
    status('latestDigestDeliveryTime', 'latest_digest_delivery_time', 'datetime', true),

    field('eventSelectors', 'event_selectors', 'json', { nullable: true, shape: [EVENT_SELECTOR] }),
    field('advancedEventSelectors', 'advanced_event_selectors', 'json', { nullable: true, shape: [ADVANCED_EVENT_SELECTOR] }),
    field('insightSelectors', 'insight_selectors', 'json', { nullable: true, shape: [{ insightType: 'string' }] }),
    field('recordsAllManagementEvents', 'records_all_management_events', 'boolean', {
      nullable: true,
      history: false,
      computed: recordsAllManagementEvents,
    }),
  ],
  // CloudTrail's quotas per trail (CloudTrail User Guide, "Quotas in AWS CloudTrail", and the API reference).
  rowLists: {
    service: 'CloudTrail',
    quotas: {
      'Trail.eventSelectors': { most: 5, why: '5 event selectors per trail' },
      'EventSelector.dataResources': { most: 250, why: '250 data resources across all event selectors of a trail' },
      'Trail.advancedEventSelectors': { most: 500, why: '500 values across all conditions of all advanced event selectors of a trail' },
      'AdvancedEventSelector.fieldSelectors': { most: 500, why: 'each condition holds at least one of those 500 values' },
      'Trail.insightSelectors': { most: 2, why: 'two insight types: ApiCallRateInsight, ApiErrorRateInsight' },
      'Trail.collectionErrors': { most: 4, why: 'one per per-trail call: GetTrailStatus, GetEventSelectors, GetInsightSelectors, ListTags' },
    },
  },
  // The controls' remediations name a trail's log bucket <log_bucket_name>.
  placeholderAliases: { log_bucket_name: 's3_bucket_name' },
  // Filled in by the KMS key type: a trail's kmsKeyID is the key's ARN (DescribeTrails gives the full ARN).
  relations: [],
  accountListNote:
    'every trail a sync of the account listed in one of its regions (its own\n' +
    'trails and the organization trails it sees), by ARN. As a filter, `trails_SOME` and `trails_NONE` take a TrailWhere,\n' +
    'e.g. accounts without a logging multi-region trail: `accounts(where: {trails_NONE: {isMultiRegionTrail: true, isLogging: true}})`.',
  mergeViews: mergeTrailViews,
  // The status response (GetTrailStatus in raw) changes with every delivery: not configuration.
  configuration: configurationOf,
};
