// The trails table, field by field: which column feeds each API field, and how its values are typed.
// The where compiler, the row mapper and the writer all read this one list.
import { COLLECTOR_BY_ASSET_TYPE } from '../assets/registry.js';
import { SQLITE_DIALECT, type Dialect } from './dialect.js';
import type { ColumnKind } from './where.js';

export interface TrailColumn {
  /** The API field (camelCase, as in schema/trail.graphql). */
  field: string;
  /** The SQL column, constant, or expression over the trails row: what filters and sorts compare. */
  sql: string;
  /** The name of the value in a result row: the column itself, or the alias a computed expression is selected as. */
  name: string;
  kind: ColumnKind;
  /** True when NULL can occur (an attribute that could not be collected, or deletedAt). */
  nullable: boolean;
}

const column = (field: string, sql: string, kind: ColumnKind, nullable = false): TrailColumn => ({ field, sql, name: sql, kind, nullable });
const computed = (field: string, sql: string, alias: string, kind: ColumnKind, nullable = false): TrailColumn => ({ field, sql: `(${sql})`, name: alias, kind, nullable });

/** A constant such as 'Trail': never read from a row. */
export const isConstant = (c: TrailColumn): boolean => c.sql.startsWith("'");

/** A value computed in SQL (selected under an alias), not a stored column. */
export const isComputed = (c: TrailColumn): boolean => !isConstant(c) && c.sql !== c.name;

const TRAILS_COLLECTOR = `'${COLLECTOR_BY_ASSET_TYPE.Trail!.replaceAll("'", "''")}'`;

/**
 * A live trail was last seen by the latest successful sync of any scope that lists it (a region since disabled, and so
 * skipped, lists nothing). Unchanged trails are not rewritten, so this is read from the scopes rather than stored; a
 * deleted trail keeps the time stored when it was deleted, and a trail no scope lists now the time it was written.
 * CROSS JOIN keeps SQLite's join order: from the trail's few sightings to their scopes, never the reverse.
 */
const LAST_SEEN_AT = `CASE WHEN trails.deleted_at IS NULL THEN coalesce(
    (SELECT max(CASE WHEN state.last_status = 'skipped' THEN NULL ELSE state.last_success_at END)
       FROM trail_sightings sighting CROSS JOIN sync_scope_state state
      WHERE sighting.trail_arn = trails.arn
        AND state.collector = ${TRAILS_COLLECTOR} AND state.account_id = sighting.account_id AND state.region = sighting.region),
    trails.last_seen_at) ELSE trails.last_seen_at END`;

/**
 * Whether one event selector records every management event, read and write, of every source (what CIS asks of the
 * multi-region trail each account needs): a basic selector with IncludeManagementEvents, ReadWriteType All and no
 * excluded sources, or an advanced selector that selects eventCategory = Management and nothing narrower. NULL when
 * GetEventSelectors failed. Read from the stored selectors, so it can never disagree with them.
 */
const recordsAllManagementEvents = (d: Dialect): string => `CASE WHEN trails.event_selectors IS NULL THEN NULL ELSE (
    EXISTS (SELECT 1 FROM ${d.jsonElements('trails.event_selectors', 'selector')}
             WHERE ${d.jsonIsTrue('selector.value', ['includeManagementEvents'])}
               AND ${d.jsonText('selector.value', ['readWriteType'])} = 'All'
               AND ${d.jsonArrayLength('selector.value', ['excludeManagementEventSources'])} = 0)
    OR EXISTS (SELECT 1 FROM ${d.jsonElements(`coalesce(trails.advanced_event_selectors, ${d.emptyJsonArray})`, 'selector')}
             WHERE ${d.jsonArrayLength('selector.value', ['fieldSelectors'])} = 1
               AND ${d.jsonText('selector.value', ['fieldSelectors', 0, 'field'])} = 'eventCategory'
               AND ${d.jsonValue('selector.value', ['fieldSelectors', 0, 'equals'])} = ${d.jsonStringArray(['Management'])})) END`;

/** The trails table's fields, in the SQL of one dialect. */
export function trailColumns(d: Dialect): readonly TrailColumn[] {
  return [
    column('id', 'arn', 'string'),
    column('arn', 'arn', 'string'),
    column('name', 'name', 'string'),
    column('assetType', d.textConstant('Trail'), 'string'),
    column('provider', d.textConstant('aws'), 'string'),
    column('accountId', 'account_id', 'string'),
    column('region', 'region', 'string'),
    column('firstSeenAt', 'first_seen_at', 'datetime'),
    computed('lastSeenAt', LAST_SEEN_AT, 'last_seen', 'datetime'),
    column('deletedAt', 'deleted_at', 'datetime', true),

    column('s3BucketName', 's3_bucket_name', 'string'),
    column('s3KeyPrefix', 's3_key_prefix', 'string'),
    column('snsTopicName', 'sns_topic_name', 'string'),
    column('snsTopicARN', 'sns_topic_arn', 'string'),
    column('includeGlobalServiceEvents', 'include_global_service_events', 'boolean'),
    column('isMultiRegionTrail', 'is_multi_region_trail', 'boolean'),
    column('homeRegion', 'home_region', 'string'),
    column('logFileValidationEnabled', 'log_file_validation_enabled', 'boolean'),
    column('cloudWatchLogsLogGroupArn', 'cloud_watch_logs_log_group_arn', 'string'),
    column('cloudWatchLogsRoleArn', 'cloud_watch_logs_role_arn', 'string'),
    column('kmsKeyID', 'kms_key_id', 'string'),
    column('hasCustomEventSelectors', 'has_custom_event_selectors', 'boolean'),
    column('hasInsightSelectors', 'has_insight_selectors', 'boolean'),
    column('isOrganizationTrail', 'is_organization_trail', 'boolean'),

    column('isLogging', 'is_logging', 'boolean', true),
    column('latestDeliveryError', 'latest_delivery_error', 'string', true),
    column('latestNotificationError', 'latest_notification_error', 'string', true),
    column('latestCloudWatchLogsDeliveryError', 'latest_cloud_watch_logs_delivery_error', 'string', true),
    column('latestDigestDeliveryError', 'latest_digest_delivery_error', 'string', true),
    column('latestDeliveryTime', 'latest_delivery_time', 'datetime', true),
    column('latestNotificationTime', 'latest_notification_time', 'datetime', true),
    column('startLoggingTime', 'start_logging_time', 'datetime', true),
    column('stopLoggingTime', 'stop_logging_time', 'datetime', true),
    column('latestCloudWatchLogsDeliveryTime', 'latest_cloud_watch_logs_delivery_time', 'datetime', true),
    column('latestDigestDeliveryTime', 'latest_digest_delivery_time', 'datetime', true),

    column('eventSelectors', 'event_selectors', 'json', true),
    column('advancedEventSelectors', 'advanced_event_selectors', 'json', true),
    column('insightSelectors', 'insight_selectors', 'json', true),
    computed('recordsAllManagementEvents', recordsAllManagementEvents(d), 'records_all_management_events', 'boolean', true),
    column('tagsKnown', 'tags_known', 'boolean'),
    column('collectionErrors', 'collection_errors', 'json'),
    column('raw', 'raw', 'json'),
  ];
}

/** The catalog as a dialect's store uses it: the columns, by field, those a sync writes, and the full select list. */
export interface TrailCatalog {
  columns: readonly TrailColumn[];
  byField: ReadonlyMap<string, TrailColumn>;
  content: readonly TrailColumn[];
  allValues: string;
}

export function trailCatalog(d: Dialect): TrailCatalog {
  const columns = trailColumns(d);
  return {
    columns,
    byField: new Map(columns.map((c) => [c.field, c])),
    // The columns a sync writes from a TrailRecord (everything but the constants, the id alias and bookkeeping).
    content: columns.filter(
      (c) => !isConstant(c) && !isComputed(c) && !['id', 'firstSeenAt', 'lastSeenAt', 'deletedAt', 'tagsKnown'].includes(c.field),
    ),
    // Every value a trail row maps from: all stored columns, and the computed ones under their aliases.
    allValues: ['trails.*', ...columns.filter(isComputed).map((c) => `${c.sql} AS ${c.name}`)].join(', '),
  };
}

const SQLITE_CATALOG = trailCatalog(SQLITE_DIALECT);

export const TRAIL_COLUMNS: readonly TrailColumn[] = SQLITE_CATALOG.columns;

export const TRAIL_COLUMNS_BY_FIELD: ReadonlyMap<string, TrailColumn> = SQLITE_CATALOG.byField;

/** The columns a sync writes from a TrailRecord (everything but the constants, the id alias and bookkeeping). */
export const TRAIL_CONTENT_COLUMNS: readonly TrailColumn[] = SQLITE_CATALOG.content;

/** Every value a trail row maps from: all stored columns, and the computed ones under their aliases. */
export const ALL_TRAIL_VALUES = SQLITE_CATALOG.allValues;
