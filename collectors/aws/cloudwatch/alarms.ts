// CloudWatch metric alarms, per region: DescribeAlarms (AlarmTypes MetricAlarm), page by page (NextToken). Only that
// listing is called, so a failure fails the region.
import { CloudWatchClient, paginateDescribeAlarms, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { METRIC_ALARM } from '../../../src/assets/metric-alarm.js';
import type { MetricAlarmRecord } from '../../../src/model/metric-alarm.js';
import type { ScopeResult } from '../../../src/model/scope.js';
import type { Collector, CollectorRun } from '../../collector.js';
import { describeAwsError } from '../errors.js';

/** The largest page DescribeAlarms allows (API reference, MaxRecords: 1 to 100). */
export const ALARMS_PAGE_LIMIT = 100;

export const METRIC_ALARMS_COLLECTOR: Collector<MetricAlarmRecord> = metricAlarmsCollector();

/** The collector, with another page size (tests page through a few alarms). */
export function metricAlarmsCollector(pageSize = ALARMS_PAGE_LIMIT): Collector<MetricAlarmRecord> {
  return { definition: METRIC_ALARM, collect: (run) => Promise.all(run.regions.map((region) => collectRegion(run, region, pageSize))) };
}

async function collectRegion(run: CollectorRun, region: string, pageSize: number): Promise<ScopeResult<MetricAlarmRecord>> {
  const scope = { assetType: METRIC_ALARM.name, accountId: run.accountId, region };
  const cloudwatch = run.clients.client(CloudWatchClient, region, 'monitoring');
  const alarms: MetricAlarm[] = [];
  try {
    // Composite alarms watch other alarms, not metrics: the monitoring chain needs metric alarms alone.
    for await (const page of paginateDescribeAlarms({ client: cloudwatch, pageSize }, { AlarmTypes: ['MetricAlarm'] })) alarms.push(...(page.MetricAlarms ?? []));
  } catch (error) {
    return { ...scope, status: 'failed', error: describeAwsError(error), assets: [] };
  }
  return { ...scope, status: 'ok', assets: alarms.map((alarm) => recordOf(run.accountId, region, alarm)) };
}

export function recordOf(accountId: string, region: string, alarm: MetricAlarm): MetricAlarmRecord {
  const alarmName = alarm.AlarmName ?? '';
  const arn = alarm.AlarmArn ?? `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmName}`;
  // Times that change with the state are left out of raw, so an alarm whose configuration is unchanged writes no row.
  const { StateReason: _reason, StateReasonData: _data, StateUpdatedTimestamp: _updated, StateTransitionedTimestamp: _transitioned, ...stable } = alarm;
  return {
    arn,
    name: alarmName,
    accountId,
    region,
    // Tags are read by ListTagsForResource, which this collector does not call: none are known.
    tags: null,
    collectionErrors: [],
    raw: { DescribeAlarms: stable },
    alarmArn: arn,
    alarmName,
    metricName: alarm.MetricName ?? '',
    namespace: alarm.Namespace ?? '',
    statistic: alarm.Statistic ?? '',
    extendedStatistic: alarm.ExtendedStatistic ?? '',
    dimensions: (alarm.Dimensions ?? []).map((dimension) => ({ name: dimension.Name ?? '', value: dimension.Value ?? '' })),
    metrics: (alarm.Metrics ?? []).map((query) => ({
      id: query.Id ?? '',
      expression: query.Expression ?? '',
      label: query.Label ?? '',
      returnData: query.ReturnData ?? true,
      metricName: query.MetricStat?.Metric?.MetricName ?? '',
      namespace: query.MetricStat?.Metric?.Namespace ?? '',
      stat: query.MetricStat?.Stat ?? '',
      period: query.MetricStat?.Period ?? query.Period ?? null,
      accountId: query.AccountId ?? '',
    })),
    comparisonOperator: alarm.ComparisonOperator ?? '',
    threshold: alarm.Threshold ?? null,
    evaluationPeriods: alarm.EvaluationPeriods ?? 0,
    actionsEnabled: alarm.ActionsEnabled ?? false,
    alarmActions: alarm.AlarmActions ?? [],
    okActions: alarm.OKActions ?? [],
    insufficientDataActions: alarm.InsufficientDataActions ?? [],
    stateValue: alarm.StateValue ?? '',
  };
}
