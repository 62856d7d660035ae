// The monitoring collectors (metric filters, metric alarms, SNS topics) against the simulator through the real SDK:
// what they record, how they page, and what they record when AWS says no.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRIC_ALARMS_COLLECTOR, metricAlarmsCollector } from '../../../../collectors/aws/cloudwatch/alarms.js';
import { METRIC_FILTERS_COLLECTOR, metricFiltersCollector } from '../../../../collectors/aws/logs/metric-filters.js';
import { SNS_TOPICS_COLLECTOR } from '../../../../collectors/aws/sns/topics.js';
import type { Collector } from '../../../../collectors/collector.js';
import type { CollectedAsset } from '../../../../src/model/asset.js';
import type { ScopeResult } from '../../../../src/model/scope.js';
import { startSimulator, type Scenario, type SimAccount, type Simulator } from '../../../../src/simulator/index.js';
import { stubAwsEnv } from '../../../support/aws.js';
import { clientsFor, metricAlarm, metricFilter, snsTopic } from '../../../support/monitoring.js';
import { simAccount } from '../../../support/scenarios.js';

const OWNER = '123456789012';
const TOPIC = `arn:aws:sns:us-east-1:${OWNER}:security-alerts`;

let sim: Simulator | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await sim?.close();
  sim = undefined;
});

async function collect<R extends CollectedAsset>(collector: Collector<R>, scenario: Scenario, regions = ['us-east-1'], maxAttempts = 1): Promise<ScopeResult<R>[]> {
  sim ??= await startSimulator(scenario);
  stubAwsEnv(sim);
  const account = scenario.accounts[0]!;
  const made: { destroy(): void }[] = [];
  try {
    return await collector.collect({ accountId: account.Id, regions, clients: clientsFor(account, made, maxAttempts) });
  } finally {
    for (const client of made) client.destroy();
  }
}

const callsOf = (service: string, operation: string) => sim!.calls.filter((c) => c.service === service && c.operation === operation);

function account(extra: Partial<SimAccount>): Scenario {
  return { accounts: [simAccount(OWNER, [], extra)] };
}

describe('the metric filter collector', () => {
  const filters = [
    metricFilter('root-usage', 'CloudTrail/logs', '{ $.userIdentity.type = "Root" }', 'RootUsage', { CreationTime: '2025-03-01T10:00:00Z' }),
    metricFilter('console-no-mfa', 'CloudTrail/logs', '{ $.eventName = "ConsoleLogin" }', 'NoMfa', {
      MetricTransformations: [{ MetricName: 'NoMfa', MetricNamespace: 'CIS', MetricValue: '$.count', DefaultValue: 0, Unit: 'Count' }],
    }),
    metricFilter('errors', 'app/logs', 'ERROR', 'AppErrors'),
    metricFilter('elsewhere', 'CloudTrail/logs', '', 'Elsewhere', { Region: 'eu-west-1' }),
  ];

  it('records every filter of the region with the identity the inventory makes, paging through them', async () => {
    const scopes = await collect(metricFiltersCollector(2), account({ MetricFilters: filters }), ['us-east-1', 'eu-west-1']);
    expect(scopes.map((s) => [s.region, s.status, s.assets.map((a) => a.name)])).toEqual([
      ['us-east-1', 'ok', ['console-no-mfa', 'root-usage', 'errors']],
      ['eu-west-1', 'ok', ['elsewhere']],
    ]);
    expect(callsOf('logs', 'DescribeMetricFilters').filter((c) => c.region === 'us-east-1')).toHaveLength(2);
    const [noMfa, root] = scopes[0]!.assets;
    expect(root).toMatchObject({
      arn: `arn:aws:logs:us-east-1:${OWNER}:log-group:CloudTrail/logs:metric-filter:root-usage`,
      filterName: 'root-usage',
      logGroupName: 'CloudTrail/logs',
      filterPattern: '{ $.userIdentity.type = "Root" }',
      metricTransformations: [{ metricName: 'RootUsage', metricNamespace: 'CISBenchmark', metricValue: '1', defaultValue: null, unit: '' }],
      creationTime: '2025-03-01T10:00:00.000Z',
      applyOnTransformedLogs: false,
      collectionErrors: [],
    });
    expect(noMfa!.metricTransformations).toEqual([{ metricName: 'NoMfa', metricNamespace: 'CIS', metricValue: '$.count', defaultValue: 0, unit: 'Count' }]);
  });

  it('fails only the region whose DescribeMetricFilters is denied, with AWS’s code', async () => {
    const scenario = account({ MetricFilters: filters });
    scenario.faults = [{ kind: 'accessDenied', service: 'logs', region: 'eu-west-1', operation: 'DescribeMetricFilters' }];
    const scopes = await collect(METRIC_FILTERS_COLLECTOR, scenario, ['us-east-1', 'eu-west-1']);
    expect(scopes.map((s) => [s.region, s.status, s.error?.code])).toEqual([
      ['us-east-1', 'ok', undefined],
      ['eu-west-1', 'failed', 'AccessDeniedException'],
    ]);
    expect(scopes[1]!.error!.message).toContain('logs:DescribeMetricFilters');
  });
});

describe('the metric alarm collector', () => {
  const alarms = [
    metricAlarm('root-usage', 'RootUsage', [TOPIC], { Threshold: 1.5, EvaluationPeriods: 2, Dimensions: [{ Name: 'Trail', Value: 'main' }] }),
    metricAlarm('silenced', 'RootUsage', [TOPIC], { ActionsEnabled: false, StateValue: 'ALARM' }),
    {
      Region: 'us-east-1',
      AlarmName: 'math',
      Metrics: [
        { Id: 'e1', Expression: 'm1 * 2', Label: 'doubled', ReturnData: true },
        { Id: 'm1', ReturnData: false, MetricStat: { Metric: { MetricName: 'NoMfa', Namespace: 'CIS' }, Period: 300, Stat: 'Sum' } },
      ],
      AlarmActions: [TOPIC],
      OKActions: ['arn:aws:sns:us-east-1:123456789012:ok'],
    },
  ];

  it('records every metric alarm with its metric or its queries, paging through them', async () => {
    const scopes = await collect(metricAlarmsCollector(1), account({ MetricAlarms: alarms }));
    expect(scopes[0]!.status).toBe('ok');
    expect(callsOf('cloudwatch', 'DescribeAlarms')).toHaveLength(3);
    const byName = new Map(scopes[0]!.assets.map((a) => [a.alarmName, a]));
    expect([...byName.keys()]).toEqual(['math', 'root-usage', 'silenced']);
    expect(byName.get('root-usage')).toMatchObject({
      arn: `arn:aws:cloudwatch:us-east-1:${OWNER}:alarm:root-usage`,
      alarmArn: `arn:aws:cloudwatch:us-east-1:${OWNER}:alarm:root-usage`,
      metricName: 'RootUsage',
      namespace: 'CISBenchmark',
      statistic: 'Sum',
      dimensions: [{ name: 'Trail', value: 'main' }],
      metrics: [],
      threshold: 1.5,
      evaluationPeriods: 2,
      actionsEnabled: true,
      alarmActions: [TOPIC],
      okActions: [],
      stateValue: 'INSUFFICIENT_DATA',
    });
    expect(byName.get('silenced')).toMatchObject({ actionsEnabled: false, stateValue: 'ALARM' });
    expect(byName.get('math')).toMatchObject({
      metricName: '',
      namespace: '',
      statistic: '',
      metrics: [
        { id: 'e1', expression: 'm1 * 2', label: 'doubled', returnData: true, metricName: '', namespace: '', stat: '', period: null, accountId: '' },
        { id: 'm1', expression: '', label: '', returnData: false, metricName: 'NoMfa', namespace: 'CIS', stat: 'Sum', period: 300, accountId: '' },
      ],
      okActions: ['arn:aws:sns:us-east-1:123456789012:ok'],
    });
    // The SDK speaks JSON 1.0 with query compatibility, and asks for metric alarms alone.
    expect(callsOf('cloudwatch', 'DescribeAlarms')[0]!.params).toMatchObject({ AlarmTypes: ['MetricAlarm'], MaxRecords: 1 });
  });

  it('fails the region whose DescribeAlarms is denied with the query-protocol code AccessDenied', async () => {
    const scenario = account({ MetricAlarms: alarms });
    scenario.faults = [{ kind: 'accessDenied', service: 'cloudwatch', operation: 'DescribeAlarms' }];
    const [scope] = await collect(METRIC_ALARMS_COLLECTOR, scenario);
    expect(scope).toMatchObject({ status: 'failed', error: { code: 'AccessDenied' } });
    expect(scope!.error!.message).toContain('cloudwatch:DescribeAlarms');
  });

  it('retries a throttled DescribeAlarms (query code Throttling) and then records the region', async () => {
    const scenario = account({ MetricAlarms: alarms });
    scenario.faults = [{ kind: 'throttle', service: 'cloudwatch', operation: 'DescribeAlarms', times: 1 }];
    const [scope] = await collect(METRIC_ALARMS_COLLECTOR, scenario, ['us-east-1'], 3);
    expect(scope).toMatchObject({ status: 'ok' });
    expect(scope!.assets).toHaveLength(3);
    expect(callsOf('cloudwatch', 'DescribeAlarms').map((c) => c.errorCode)).toEqual(['ThrottlingException', undefined]);
  });
});

describe('the SNS topic collector', () => {
  const topics = [
    snsTopic('security-alerts', {
      KmsMasterKeyId: 'alias/aws/sns',
      Subscriptions: [
        { Protocol: 'email', Endpoint: 'soc@example.com' },
        { Protocol: 'https', Endpoint: 'https://hooks.example.com/x', Confirmed: false },
      ],
    }),
    snsTopic('unconfirmed', { Subscriptions: [{ Protocol: 'email', Endpoint: 'nobody@example.com', Confirmed: false }] }),
    snsTopic('quiet', { Subscriptions: [] }),
  ];

  it('records each topic with its attributes and subscriptions', async () => {
    const [scope] = await collect(SNS_TOPICS_COLLECTOR, account({ SnsTopics: topics }));
    expect(scope!.status).toBe('ok');
    const byName = new Map(scope!.assets.map((t) => [t.topicName, t]));
    expect([...byName.keys()]).toEqual(['quiet', 'security-alerts', 'unconfirmed']);
    const alerts = byName.get('security-alerts')!;
    expect(alerts).toMatchObject({ arn: TOPIC, topicArn: TOPIC, kmsMasterKeyId: 'alias/aws/sns', confirmedSubscriptionCount: 1, collectionErrors: [] });
    expect(alerts.subscriptions).toEqual([
      { subscriptionArn: expect.stringMatching(new RegExp(`^${TOPIC}:[0-9a-f-]{36}$`)), protocol: 'email', endpoint: 'soc@example.com', owner: OWNER, confirmed: true },
      { subscriptionArn: 'PendingConfirmation', protocol: 'https', endpoint: 'https://hooks.example.com/x', owner: OWNER, confirmed: false },
    ]);
    expect(alerts.hasSNSTopicAttribute).toContainEqual({ key: 'KmsMasterKeyId', value: 'alias/aws/sns' });
    expect(byName.get('quiet')).toMatchObject({ kmsMasterKeyId: '', confirmedSubscriptionCount: 0, subscriptions: [] });
    expect(byName.get('quiet')!.hasSNSTopicAttribute!.map((a) => a.key)).not.toContain('KmsMasterKeyId');
  });

  it('pages through more than 100 topics and subscriptions, as SNS answers 100 a page', async () => {
    const many = Array.from({ length: 150 }, (_, i) => snsTopic(`t${String(i).padStart(3, '0')}`, { Subscriptions: [] }));
    many[0]!.Subscriptions = Array.from({ length: 205 }, (_, i) => ({ Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${OWNER}:q${i}` }));
    const [scope] = await collect(SNS_TOPICS_COLLECTOR, account({ SnsTopics: many }));
    expect(scope!.assets).toHaveLength(150);
    expect(scope!.assets.find((t) => t.topicName === 't000')!.subscriptions).toHaveLength(205);
    expect(callsOf('sns', 'ListTopics')).toHaveLength(2);
    expect(callsOf('sns', 'ListSubscriptionsByTopic').filter((c) => c.params.TopicArn === `arn:aws:sns:us-east-1:${OWNER}:t000`)).toHaveLength(3);
  });

  it('leaves exactly what a denied per-topic call feeds unknown, with SNS’s AuthorizationError (the SDK’s AuthorizationErrorException) recorded on the topic', async () => {
    const scenario = account({ SnsTopics: topics });
    scenario.faults = [
      { kind: 'accessDenied', service: 'sns', operation: 'GetTopicAttributes', resource: TOPIC },
      { kind: 'accessDenied', service: 'sns', operation: 'ListSubscriptionsByTopic', resource: `arn:aws:sns:us-east-1:${OWNER}:quiet` },
    ];
    const [scope] = await collect(SNS_TOPICS_COLLECTOR, scenario);
    const byName = new Map(scope!.assets.map((t) => [t.topicName, t]));
    expect(byName.get('security-alerts')).toMatchObject({ kmsMasterKeyId: null, hasSNSTopicAttribute: null, confirmedSubscriptionCount: null });
    expect(byName.get('security-alerts')!.subscriptions).toHaveLength(2);
    expect(byName.get('security-alerts')!.collectionErrors).toEqual([
      { operation: 'GetTopicAttributes', code: 'AuthorizationErrorException', message: expect.stringContaining('SNS:GetTopicAttributes') },
    ]);
    expect(byName.get('quiet')).toMatchObject({
      kmsMasterKeyId: '',
      subscriptions: null,
      collectionErrors: [{ operation: 'ListSubscriptionsByTopic', code: 'AuthorizationErrorException' }],
    });
    expect(byName.get('unconfirmed')!.collectionErrors).toEqual([]);
  });

  it('fails the region whose ListTopics is denied', async () => {
    const scenario = account({ SnsTopics: topics });
    scenario.faults = [{ kind: 'accessDenied', service: 'sns', operation: 'ListTopics', region: 'us-east-1' }];
    const scopes = await collect(SNS_TOPICS_COLLECTOR, scenario, ['us-east-1', 'us-west-2']);
    expect(scopes.map((s) => [s.region, s.status, s.error?.code])).toEqual([
      ['us-east-1', 'failed', 'AuthorizationErrorException'],
      ['us-west-2', 'ok', undefined],
    ]);
  });
});
