// The monitoring services of the simulator through the real SDK clients: CloudWatch Logs (AWS JSON 1.1), CloudWatch
// (AWS JSON 1.0 with query compatibility: every error also carries its query-protocol code) and SNS (query protocol,
// XML), with AWS's page limits and error codes.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { metricAlarm, metricFilter, snsTopic } from '../support/monitoring.js';
import { simAccount } from '../support/scenarios.js';
import { sigV4Headers } from './sdk-clients.js';

const OWNER = '123456789012';
let sim: Simulator | undefined;
const made: { destroy(): void }[] = [];
afterEach(async () => {
  for (const client of made.splice(0)) client.destroy();
  await sim?.close();
  sim = undefined;
});

function config(account: SimAccount) {
  return { region: 'us-east-1', endpoint: sim!.url, maxAttempts: 1, credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey } };
}

async function start(extra: Partial<SimAccount>): Promise<{ logs: CloudWatchLogsClient; cloudwatch: CloudWatchClient; sns: SNSClient }> {
  const account = simAccount(OWNER, [], extra);
  sim = await startSimulator({ accounts: [account] });
  const clients = { logs: new CloudWatchLogsClient(config(account)), cloudwatch: new CloudWatchClient(config(account)), sns: new SNSClient(config(account)) };
  made.push(clients.logs, clients.cloudwatch, clients.sns);
  return clients;
}

async function errorOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call succeeded');
}

const lastCall = () => sim!.calls.at(-1)!;

describe('CloudWatch Logs DescribeMetricFilters', () => {
  const filters = Array.from({ length: 3 }, (_, i) => metricFilter(`f${i}`, i < 2 ? 'group-a' : 'group-b', `{ $.n = ${i} }`, `M${i}`));

  it('pages with limit 1..50 and an opaque nextToken, and narrows to a log group, a prefix or a metric', async () => {
    const { logs } = await start({ MetricFilters: filters });
    const first = await logs.send(new DescribeMetricFiltersCommand({ limit: 2 }));
    expect(first.metricFilters?.map((f) => f.filterName)).toEqual(['f0', 'f1']);
    const second = await logs.send(new DescribeMetricFiltersCommand({ limit: 2, nextToken: first.nextToken }));
    expect(second.metricFilters?.map((f) => f.filterName)).toEqual(['f2']);
    expect(second.nextToken).toBeUndefined();
    expect(lastCall().responseBody).toContain('"creationTime":1704067200000');
    expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'group-b' }))).metricFilters?.map((f) => f.filterName)).toEqual(['f2']);
    expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'group-a', filterNamePrefix: 'f1' }))).metricFilters).toHaveLength(1);
    expect((await logs.send(new DescribeMetricFiltersCommand({ metricName: 'M0', metricNamespace: 'CISBenchmark' }))).metricFilters).toHaveLength(1);
  });

  it('answers with AWS’s errors', async () => {
    const { logs } = await start({ MetricFilters: filters });
    expect(await errorOf(logs.send(new DescribeMetricFiltersCommand({ limit: 51 })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(logs.send(new DescribeMetricFiltersCommand({ limit: 0 })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(logs.send(new DescribeMetricFiltersCommand({ nextToken: 'made-up' })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(logs.send(new DescribeMetricFiltersCommand({ filterNamePrefix: 'f' })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(logs.send(new DescribeMetricFiltersCommand({ metricName: 'M0' })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'nowhere' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    sim!.scenario.faults = [{ kind: 'accessDenied', service: 'logs', operation: 'DescribeMetricFilters' }];
    expect(await errorOf(logs.send(new DescribeMetricFiltersCommand({})))).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
  });
});

describe('CloudWatch DescribeAlarms over JSON 1.0 with query compatibility', () => {
  const alarms = Array.from({ length: 3 }, (_, i) => metricAlarm(`a${i}`, 'M', [], { StateValue: i === 0 ? 'ALARM' : 'OK' }));

  it('speaks the protocol the SDK sends: the target, content type, query mode, and MaxRecords pages', async () => {
    const { cloudwatch } = await start({ MetricAlarms: alarms });
    const first = await cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
    expect(first.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['a0', 'a1']);
    expect(first.MetricAlarms?.[0]).toMatchObject({ AlarmArn: `arn:aws:cloudwatch:us-east-1:${OWNER}:alarm:a0`, ActionsEnabled: true, Threshold: 1 });
    const rest = await cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: first.NextToken }));
    expect(rest.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['a2']);
    expect((await cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms?.map((a) => a.AlarmName)).toEqual(['a0']);
    expect((await cloudwatch.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }))).MetricAlarms).toEqual([]);
    expect(lastCall()).toMatchObject({ service: 'cloudwatch', operation: 'DescribeAlarms', status: 200 });
  });

  it('answers errors with their shape id, and their query-protocol code in x-amzn-query-error, which the SDK reads', async () => {
    const { cloudwatch } = await start({ MetricAlarms: alarms });
    const badToken = await errorOf(cloudwatch.send(new DescribeAlarmsCommand({ NextToken: 'made-up' })));
    expect(badToken).toMatchObject({ name: 'InvalidNextToken', Code: 'InvalidNextToken', $metadata: { httpStatusCode: 400 } });
    expect(JSON.parse(lastCall().responseBody!)).toEqual({ __type: 'com.amazonaws.cloudwatch#InvalidNextToken', message: expect.any(String) });
    const tooMany = await errorOf(cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 101 })));
    expect(tooMany).toMatchObject({ name: 'ValidationException', Code: 'ValidationError', Type: 'Sender', $metadata: { httpStatusCode: 400 } });
    expect(tooMany.message).toContain("at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100");
    sim!.scenario.faults = [{ kind: 'accessDenied', service: 'cloudwatch', operation: 'DescribeAlarms' }];
    expect(await errorOf(cloudwatch.send(new DescribeAlarmsCommand({})))).toMatchObject({
      name: 'AccessDenied',
      Code: 'AccessDenied',
      Type: 'Sender',
      $metadata: { httpStatusCode: 403 },
    });
  });
});

describe('CloudWatch on the wire', () => {
  const post = async (body: string, extra: Record<string, string>) => {
    const response = await fetch(sim!.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
        ...sigV4Headers(`AKIATEST${OWNER}`, 'us-east-1', 'monitoring'),
        ...extra,
      },
      body,
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
  };

  it('answers in JSON 1.0, and gives the query-protocol code of an error to a client in query mode only', async () => {
    await start({ MetricAlarms: [metricAlarm('a', 'M', [])] });
    const ok = await post('{}', { 'x-amzn-query-mode': 'true' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(ok.json).toMatchObject({ MetricAlarms: [{ AlarmName: 'a' }] });
    const queryMode = await post('{"NextToken":"made-up"}', { 'x-amzn-query-mode': 'true' });
    expect([queryMode.status, queryMode.headers.get('x-amzn-query-error'), queryMode.json.__type]).toEqual([
      400,
      'InvalidNextToken;Sender',
      'com.amazonaws.cloudwatch#InvalidNextToken',
    ]);
    const plain = await post('{"NextToken":"made-up"}', {});
    expect([plain.status, plain.headers.get('x-amzn-query-error'), plain.json.__type]).toEqual([400, null, 'com.amazonaws.cloudwatch#InvalidNextToken']);
  });
});

describe('SNS over the query protocol', () => {
  it('pages ListTopics and ListSubscriptionsByTopic by 100, and reads a topic’s attributes', async () => {
    const topics = Array.from({ length: 101 }, (_, i) => snsTopic(`t${String(i).padStart(3, '0')}`, { Subscriptions: [] }));
    topics[0] = snsTopic('t000', {
      KmsMasterKeyId: 'alias/aws/sns',
      Subscriptions: [
        { Protocol: 'email', Endpoint: 'a@example.com' },
        { Protocol: 'email', Endpoint: 'b@example.com', Confirmed: false },
      ],
    });
    const { sns } = await start({ SnsTopics: topics });
    const first = await sns.send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    const second = await sns.send(new ListTopicsCommand({ NextToken: first.NextToken }));
    expect(second.Topics?.map((t) => t.TopicArn)).toEqual([`arn:aws:sns:us-east-1:${OWNER}:t100`]);
    const arn = `arn:aws:sns:us-east-1:${OWNER}:t000`;
    const attributes = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    expect(attributes.Attributes).toMatchObject({ TopicArn: arn, Owner: OWNER, KmsMasterKeyId: 'alias/aws/sns', SubscriptionsConfirmed: '1', SubscriptionsPending: '1' });
    const subscriptions = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    expect(subscriptions.Subscriptions?.map((s) => [s.Endpoint, s.SubscriptionArn === 'PendingConfirmation'])).toEqual([
      ['a@example.com', false],
      ['b@example.com', true],
    ]);
  });

  it('answers with SNS’s errors: NotFound, InvalidParameter, AuthorizationError', async () => {
    const { sns } = await start({ SnsTopics: [snsTopic('alerts')] });
    expect(await errorOf(sns.send(new GetTopicAttributesCommand({ TopicArn: `arn:aws:sns:us-east-1:${OWNER}:missing` })))).toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    expect(lastCall().errorCode).toBe('NotFound');
    expect(await errorOf(sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: 'not-an-arn' })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(sns.send(new ListTopicsCommand({ NextToken: 'made-up' })))).toMatchObject({ name: 'InvalidParameterException' });
    sim!.scenario.faults = [{ kind: 'accessDenied', service: 'sns', operation: 'ListTopics' }];
    const denied = await errorOf(sns.send(new ListTopicsCommand({})));
    expect(denied).toMatchObject({ name: 'AuthorizationErrorException', $metadata: { httpStatusCode: 403 } });
    expect(lastCall().responseBody).toContain('<Code>AuthorizationError</Code>');
  });
});
