// A CloudWatch Logs metric filter as the inventory stores it (DescribeMetricFilters). Metric filters have no ARN of
// their own: the inventory makes one from the log group's ARN and the filter's name (metricFilterArn).
import type { CollectedAsset } from './asset.js';

export const METRIC_FILTER_ASSET_TYPE = 'MetricFilter';

/** One MetricTransformation: the metric the filter publishes to when a log event matches. */
export interface MetricTransformation {
  metricName: string;
  metricNamespace: string;
  metricValue: string;
  /** Published when no event matches; null when the filter sets none (AWS then publishes nothing). */
  defaultValue: number | null;
  /** The unit of the metric; "" when the filter sets none. */
  unit: string;
}

export interface MetricFilterRecord extends CollectedAsset {
  filterName: string;
  logGroupName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
  /** When the filter was created (ISO-8601); null when AWS did not say. */
  creationTime: string | null;
  applyOnTransformedLogs: boolean;
}

/**
 * The identity the inventory gives a metric filter, under its log group's ARN:
 * `arn:aws:logs:<region>:<account>:log-group:<logGroupName>:metric-filter:<filterName>`.
 */
export function metricFilterArn(region: string, accountId: string, logGroupName: string, filterName: string): string {
  return `arn:aws:logs:${region}:${accountId}:log-group:${logGroupName}:metric-filter:${filterName}`;
}

/** A log group named by a trail's CloudWatchLogsLogGroupArn: its account, region and name (a trailing `:*` is no part of the name). */
export interface LogGroupRef {
  accountId: string;
  region: string;
  logGroupName: string;
}

/** Reads `arn:aws:logs:<region>:<account>:log-group:<name>[:*]`; undefined for anything else. */
export function parseLogGroupArn(arn: string): LogGroupRef | undefined {
  const match = /^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:(.+?)(?::\*)?$/.exec(arn);
  if (!match) return undefined;
  return { region: match[1]!, accountId: match[2]!, logGroupName: match[3]! };
}
