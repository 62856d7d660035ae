// Real recorded CloudWatch Logs, CloudWatch and SNS responses (test/fixtures/aws/README.md, "CloudWatch Logs,
// CloudWatch and SNS"), replayed by the simulator to the real SDK: the collectors read them as AWS wrote them, and the
// chain they make (console sign-in without MFA → alarm → topic → sqs subscriber) satisfies the library's check for it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi, runQuery } from '../../../../src/graphql/execute.js';
import { silentLogger } from '../../../../src/log.js';
import { startSimulator, type Scenario, type Simulator } from '../../../../src/simulator/index.js';
import type { InventoryStore } from '../../../../src/store/store.js';
import { syncInventory } from '../../../../src/sync/sync.js';
import { accountTargets, stubAwsEnv } from '../../../support/aws.js';
import { CUSTODIAN_ACCOUNT_ID, recordedResponse } from '../../../support/recorded.js';
import { simAccount, simTrail } from '../../../support/scenarios.js';
import { openTempStore, type TempStore } from '../../../support/store.js';

const LIBRARY = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'cyscale', 'queries');
const libraryQuery = (slug: string): string => (JSON.parse(readFileSync(join(LIBRARY, `${slug}.json`), 'utf8')) as { query: string }).query;
const FOLDER = 'test_cloudtrail_success_log_metric_filter';
const TOPIC = `arn:aws:sns:us-east-1:${CUSTODIAN_ACCOUNT_ID}:mfa-notification-topic`;
const api = createInventoryApi();

/** The recorded account: its trail and topic simulated (no recording of them), its filters, alarms and subscriptions replayed. */
function recordedScenario(): Scenario {
  return {
    accounts: [
      simAccount(
        CUSTODIAN_ACCOUNT_ID,
        [
          simTrail('main', 'us-east-1', {
            IsMultiRegionTrail: true,
            CloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${CUSTODIAN_ACCOUNT_ID}:log-group:cloudtrail-test-group:*`,
          }),
        ],
        { EnabledRegions: ['us-east-1'], SnsTopics: [{ Region: 'us-east-1', Name: 'mfa-notification-topic', Subscriptions: [] }] },
      ),
    ],
    recorded: [
      recordedResponse(`${FOLDER}/logs.DescribeMetricFilters_1`),
      recordedResponse(`${FOLDER}/cloudwatch.DescribeAlarms_1`),
      recordedResponse(`${FOLDER}/sns.ListSubscriptionsByTopic_1`),
    ],
  };
}

describe('recorded monitoring responses, replayed', () => {
  let sim: Simulator;
  let temp: TempStore;
  let store: InventoryStore;
  beforeAll(async () => {
    sim = await startSimulator(recordedScenario());
    stubAwsEnv(sim);
    temp = await openTempStore();
    store = temp.store;
    await syncInventory(store, { accounts: accountTargets(sim.scenario), regions: ['us-east-1'], log: silentLogger });
  });
  afterAll(async () => {
    await sim.close();
    await temp.cleanup();
  });

  async function query(text: string): Promise<Record<string, any>> {
    const result = await runQuery(api, store, text);
    expect(result.errors).toBeUndefined();
    return result.data as Record<string, any>;
  }

  it('collects the recorded filter, alarm and subscription as AWS wrote them', async () => {
    const data = await query(`{
      metricFilters { arn filterName logGroupName filterPattern creationTime metricTransformations { metricName metricNamespace metricValue defaultValue unit } }
      metricAlarms { arn alarmName metricName namespace statistic threshold evaluationPeriods actionsEnabled alarmActions okActions comparisonOperator stateValue }
      snsTopics { arn subscriptions { subscriptionArn protocol endpoint owner confirmed } collectionErrors { operation } }
    }`);
    expect(data.metricFilters).toEqual([
      {
        arn: `arn:aws:logs:us-east-1:${CUSTODIAN_ACCOUNT_ID}:log-group:cloudtrail-test-group:metric-filter:test-filter-name`,
        filterName: 'test-filter-name',
        logGroupName: 'cloudtrail-test-group',
        filterPattern: '{ ($.eventName = ConsoleLogin) && ($.additionalEventData.MFAUsed != Yes) }',
        creationTime: '2022-11-17T15:58:53.634Z',
        metricTransformations: [
          { metricName: 'no_mfa_console_signin_metric_1', metricNamespace: 'ImportantMetrics', metricValue: '1', defaultValue: null, unit: 'None' },
        ],
      },
    ]);
    expect(data.metricAlarms).toEqual([
      {
        arn: `arn:aws:cloudwatch:us-east-1:${CUSTODIAN_ACCOUNT_ID}:alarm:NoMFAConsoleLoginAlarm`,
        alarmName: 'NoMFAConsoleLoginAlarm',
        metricName: 'no_mfa_console_signin_metric_1',
        namespace: 'ImportantMetrics',
        statistic: 'Sum',
        threshold: 0,
        evaluationPeriods: 1,
        actionsEnabled: true,
        alarmActions: [TOPIC],
        okActions: [],
        comparisonOperator: 'GreaterThanThreshold',
        stateValue: 'INSUFFICIENT_DATA',
      },
    ]);
    expect(data.snsTopics).toEqual([
      {
        arn: TOPIC,
        subscriptions: [
          {
            subscriptionArn: `${TOPIC}:6f96faa1-569f-47b4-be60-69037dbd7a36`,
            protocol: 'sqs',
            endpoint: `arn:aws:sqs:us-east-1:${CUSTODIAN_ACCOUNT_ID}:mfa-sqs-topic`,
            owner: CUSTODIAN_ACCOUNT_ID,
            confirmed: true,
          },
        ],
        collectionErrors: [],
      },
    ]);
  });

  it('makes the chain the library’s console-sign-in-without-MFA check asks for, and no other', async () => {
    const gaps = async (slug: string) => (await query(`{ ${libraryQuery(slug)} }`)).AWSMonitoring.map((a: { accountId: string }) => a.accountId);
    expect(await gaps('aws-monitoring-2-a-log-metric-filter-and-alarm-exist-for-management-console-sign-in-without-mfa')).toEqual([]);
    expect(await gaps('aws-monitoring-3-a-log-metric-filter-and-alarm-exist-for-usage-of-root-account')).toEqual([CUSTODIAN_ACCOUNT_ID]);
  });
});
