// CloudWatch Logs metric filters (DescribeMetricFilters): one asset per filter, listed in every region. A filter has
// no ARN: its identity is the one the inventory makes under its log group's (src/model/metric-filter.ts).
import type { MetricFilterRecord } from '../model/metric-filter.js';
import type { AssetField, AssetTypeDefinition } from './definition.js';

const field = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField => ({
  field: name,
  column,
  kind,
  nullable: false,
  history: true,
  ...extra,
});

export const METRIC_FILTER: AssetTypeDefinition<MetricFilterRecord> = {
  name: 'MetricFilter',
  plural: 'metricFilters',
  table: 'metric_filters',
  description: 'A CloudWatch Logs metric filter: the pattern it matches in a log group and the metric it publishes to.',
  internalAssetType: 'MetricFilter',
  assetCategory: 'Logging',
  scope: 'regional',
  // The organization trail's chain serves every member account from the management account.
  servesOtherAccounts: true,
  collector: 'aws.logs.metric-filters',
  iamActions: ['logs:DescribeMetricFilters'],
  fields: [
    field('filterName', 'filter_name', 'string'),
    field('logGroupName', 'log_group_name', 'string'),
    field('filterPattern', 'filter_pattern', 'string'),
    field('metricTransformations', 'metric_transformations', 'json', {
      shape: [{ metricName: 'string', metricNamespace: 'string', metricValue: 'string', defaultValue: 'number', unit: 'string' }],
    }),
    field('creationTime', 'creation_time', 'datetime', { nullable: true }),
    field('applyOnTransformedLogs', 'apply_on_transformed_logs', 'boolean'),
  ],
  rowLists: {
    service: 'CloudWatch Logs',
    quotas: {
      'MetricFilter.collectionErrors': { most: 1, why: 'none in fact: a metric filter is read by its region’s listing alone, which fails the region, never one filter' },
      'MetricFilter.metricTransformations': { most: 1, why: 'PutMetricFilter takes exactly one metric transformation per filter' },
    },
  },
  relations: [],
  accountListNote: 'every metric filter a sync of the account listed, by ARN (the one the inventory makes).',
};
