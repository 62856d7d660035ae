// The monitoring resources a scenario account may hold (SimAccount.MetricFilters, MetricAlarms, SnsTopics): CloudWatch
// Logs metric filters, CloudWatch metric alarms and SNS topics, in the API's own member names. Unset members take
// AWS's defaults.

export interface SimMetricTransformation {
  MetricName: string;
  MetricNamespace: string;
  /** Default "1". */
  MetricValue?: string;
  DefaultValue?: number;
  Unit?: string;
}

/** One metric filter of a log group in one region. */
export interface SimMetricFilter {
  Region: string;
  LogGroupName: string;
  FilterName: string;
  FilterPattern: string;
  MetricTransformations: SimMetricTransformation[];
  /** ISO-8601; default 2024-01-01T00:00:00Z. */
  CreationTime?: string;
  ApplyOnTransformedLogs?: boolean;
}

export interface SimDimension {
  Name: string;
  Value: string;
}

/** One MetricDataQuery of a metric-math alarm. */
export interface SimMetricDataQuery {
  Id: string;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions?: SimDimension[] }; Period: number; Stat: string };
}

/** One metric alarm in one region. The ARN is derived: arn:aws:cloudwatch:<Region>:<owner>:alarm:<AlarmName>. */
export interface SimMetricAlarm {
  Region: string;
  AlarmName: string;
  /** A single-metric alarm names its metric; a metric-math alarm gives Metrics instead. */
  MetricName?: string;
  Namespace?: string;
  /** Default Sum for a single-metric alarm. */
  Statistic?: string;
  Dimensions?: SimDimension[];
  Metrics?: SimMetricDataQuery[];
  /** Default GreaterThanOrEqualToThreshold. */
  ComparisonOperator?: string;
  /** Default 1. */
  Threshold?: number;
  /** Default 1. */
  EvaluationPeriods?: number;
  /** Default true (PutMetricAlarm's default). */
  ActionsEnabled?: boolean;
  AlarmActions?: string[];
  OKActions?: string[];
  InsufficientDataActions?: string[];
  /** Default INSUFFICIENT_DATA. */
  StateValue?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
}

export interface SimSubscription {
  /** email, https, sqs, lambda, ... */
  Protocol: string;
  Endpoint: string;
  /** Default true; false lists the subscription as PendingConfirmation. */
  Confirmed?: boolean;
}

/** One SNS topic in one region. The ARN is derived: arn:aws:sns:<Region>:<owner>:<Name>. */
export interface SimSnsTopic {
  Region: string;
  Name: string;
  /** Server-side encryption's key; absent: not encrypted (GetTopicAttributes leaves the attribute out). */
  KmsMasterKeyId?: string;
  Subscriptions?: SimSubscription[];
}

export const alarmArnOf = (accountId: string, alarm: SimMetricAlarm): string => `arn:aws:cloudwatch:${alarm.Region}:${accountId}:alarm:${alarm.AlarmName}`;
export const topicArnOf = (accountId: string, topic: SimSnsTopic): string => `arn:aws:sns:${topic.Region}:${accountId}:${topic.Name}`;
