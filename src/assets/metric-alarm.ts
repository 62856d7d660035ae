// CloudWatch metric alarms (DescribeAlarms, AlarmTypes MetricAlarm): one asset per alarm ARN, listed in every region.
import type { MetricAlarmRecord } from '../model/metric-alarm.js';
import type { AssetField, AssetTypeDefinition, JsonShape } from './definition.js';

const field = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField => ({
  field: name,
  column,
  kind,
  nullable: false,
  history: true,
  ...extra,
});

/** `type AlarmMetricQuery` (schema/metric-alarm.graphql), as stored: `metrics_SOME: {metricName: "RootLogins"}`. */
const ALARM_METRIC_QUERY: JsonShape = {
  id: 'string',
  expression: 'string',
  label: 'string',
  returnData: 'boolean',
  metricName: 'string',
  namespace: 'string',
  stat: 'string',
  period: 'integer',
  accountId: 'string',
};

export const METRIC_ALARM: AssetTypeDefinition<MetricAlarmRecord> = {
  name: 'MetricAlarm',
  plural: 'metricAlarms',
  table: 'metric_alarms',
  description: 'A CloudWatch metric alarm: the metric or metric math it watches, its threshold, state and actions.',
  internalAssetType: 'CloudWatchAlarm',
  assetCategory: 'Logging',
  scope: 'regional',
  // The organization trail's chain serves every member account from the management account.
  servesOtherAccounts: true,
  collector: 'aws.cloudwatch.alarms',
  iamActions: ['cloudwatch:DescribeAlarms'],
  fields: [
    field('alarmArn', 'alarm_arn', 'string'),
    field('alarmName', 'alarm_name', 'string'),
    field('metricName', 'metric_name', 'string'),
    field('namespace', 'namespace', 'string'),
    field('statistic', 'statistic', 'string'),
    field('extendedStatistic', 'extended_statistic', 'string'),
    field('dimensions', 'dimensions', 'json', { shape: [{ name: 'string', value: 'string' }] }),
    field('metrics', 'metrics', 'json', { shape: [ALARM_METRIC_QUERY] }),
    field('comparisonOperator', 'comparison_operator', 'string'),
    // A double, which no filter kind types: read whole.
    field('threshold', 'threshold', 'json', { nullable: true }),
    field('evaluationPeriods', 'evaluation_periods', 'integer'),
    field('actionsEnabled', 'actions_enabled', 'boolean'),
    field('alarmActions', 'alarm_actions', 'json', { shape: ['string'] }),
    field('okActions', 'ok_actions', 'json', { shape: ['string'] }),
    field('insufficientDataActions', 'insufficient_data_actions', 'json', { shape: ['string'] }),
    // The alarm's state changes on its own, with the metric: not configuration.
    field('stateValue', 'state_value', 'string', { history: false, volatile: true }),
  ],
  rowLists: {
    service: 'CloudWatch',
    quotas: {
      'MetricAlarm.collectionErrors': { most: 1, why: 'none in fact: an alarm is read by its region’s listing alone, which fails the region, never one alarm' },
      'MetricAlarm.dimensions': { most: 30, why: 'a metric has at most 30 dimensions' },
      'MetricAlarm.metrics': { most: 20, why: 'PutMetricAlarm takes at most 20 metric data queries' },
    },
  },
  relations: [],
};
