// A CloudWatch metric alarm as the inventory stores it (DescribeAlarms, AlarmTypes MetricAlarm): one record per alarm ARN.
import type { CollectedAsset } from './asset.js';

export const METRIC_ALARM_ASSET_TYPE = 'MetricAlarm';

export interface MetricDimension {
  name: string;
  value: string;
}

/**
 * One MetricDataQuery of a metric-math alarm, flattened: the query's own members and, for a query of a metric
 * (MetricStat), that metric's name, namespace, statistic and period. Strings AWS leaves out are "".
 */
export interface AlarmMetricQuery {
  id: string;
  expression: string;
  label: string;
  /** Whether the query's result is the alarm's value (AWS's default when left out: true). */
  returnData: boolean;
  metricName: string;
  namespace: string;
  stat: string;
  /** Seconds; null when the query sets none. */
  period: number | null;
  accountId: string;
}

export interface MetricAlarmRecord extends CollectedAsset {
  alarmArn: string;
  alarmName: string;
  /** The metric of a single-metric alarm; "" for a metric-math alarm (see metrics). */
  metricName: string;
  namespace: string;
  /** SampleCount, Average, Sum, Minimum or Maximum; "" when the alarm uses an extended statistic or metric math. */
  statistic: string;
  extendedStatistic: string;
  dimensions: MetricDimension[];
  metrics: AlarmMetricQuery[];
  comparisonOperator: string;
  /** The static threshold; null for an alarm that compares with an anomaly detection band (ThresholdMetricId). */
  threshold: number | null;
  evaluationPeriods: number;
  actionsEnabled: boolean;
  alarmActions: string[];
  okActions: string[];
  insufficientDataActions: string[];
  /** OK, ALARM or INSUFFICIENT_DATA. */
  stateValue: string;
}
