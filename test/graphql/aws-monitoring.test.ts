// AWSMonitoring(filterPattern:) (schema/named-checks.graphql) on a simulated organization synced by the real collectors:
// an account whose trail → log group → metric filter → alarm → SNS topic → subscriber chain is complete for the pattern
// is not returned; one broken at any link, or whose link the inventory could not read, is. The patterns are those of
// Cyscale's library, run verbatim, also as its stored checks through the control engine. On both stores.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCyscaleCatalog } from '../../src/controls/cyscale.js';
import { evaluateControls } from '../../src/controls/evaluate.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { demoScenario, startSimulator, type Scenario, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import type { InventoryStore } from '../../src/store/store.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, stubAwsEnv } from '../support/aws.js';
import { metricAlarm, metricFilter, snsTopic } from '../support/monitoring.js';
import { withoutChainInScenario } from '../support/scenario-verdicts.js';
import { simAccount, simTrail } from '../support/scenarios.js';
import { openTempStore, type TempStore } from '../support/store.js';

const LIBRARY = join(import.meta.dirname, '..', 'fixtures', 'cyscale');
const api = createInventoryApi();

/** The filterPattern argument of a library query, as its JSON file holds the query. */
const libraryQuery = (slug: string): string => (JSON.parse(readFileSync(join(LIBRARY, 'queries', `${slug}.json`), 'utf8')) as { query: string }).query;
const ROOT_QUERY = 'aws-monitoring-3-a-log-metric-filter-and-alarm-exist-for-usage-of-root-account';
const ORGANIZATIONS_QUERY = 'aws-1-3-0-monitoring-15-a-log-metric-filter-and-alarm-exist-for-aws-organizations-changes';
const UNAUTHORIZED_QUERY = 'aws-monitoring-1-a-log-metric-filter-and-alarm-exist-for-unauthorized-api-calls';

// The patterns CIS gives, as an administrator writes them into a metric filter.
const ROOT_PATTERN = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }';
const ORGANIZATIONS_PATTERN =
  '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }';
const UNAUTHORIZED_PATTERN = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }';

const REGION = 'us-east-1';
const MANAGEMENT = '200000000001';
const COMPLETE = '200000000002';
const MATH_ALARM = '200000000003';
const CROSS_ACCOUNT_TOPIC = '200000000004';
const NO_LOG_GROUP = '200000000005';
const SINGLE_REGION = '200000000006';
const PATTERN_MISSES = '200000000007';
const OTHER_LOG_GROUP = '200000000008';
const NO_ALARM = '200000000009';
const OTHER_NAMESPACE = '200000000010';
const ACTIONS_DISABLED = '200000000011';
const UNCONFIRMED = '200000000012';
const TOPIC_NOT_HELD = '200000000013';
const FILTERS_DENIED = '200000000014';
const SUBSCRIPTIONS_DENIED = '200000000015';
const ALARMS_DENIED = '200000000016';
const NOT_SYNCED = '299999999999';

const GROUP = 'cloudtrail/main';
const topicArn = (account: string, name = 'alerts') => `arn:aws:sns:${REGION}:${account}:${name}`;

/** An account whose own multi-region trail delivers to GROUP, with the chain `monitoring` gives it. */
function monitored(id: string, monitoring: Partial<SimAccount> = {}, trail: Parameters<typeof simTrail>[2] = {}): SimAccount {
  return simAccount(
    id,
    [
      simTrail('main', REGION, {
        IsMultiRegionTrail: true,
        CloudWatchLogsLogGroupArn: `arn:aws:logs:${REGION}:${id}:log-group:${GROUP}:*`,
        CloudWatchLogsRoleArn: `arn:aws:iam::${id}:role/CloudTrailToLogs`,
        ...trail,
      }),
    ],
    { EnabledRegions: [REGION], ...monitoring },
  );
}

/** The complete chain for the root-usage pattern in `id`. */
const chain = (id: string, topic = topicArn(id)): Partial<SimAccount> => ({
  MetricFilters: [metricFilter('root-usage', GROUP, ROOT_PATTERN, 'RootUsage')],
  MetricAlarms: [metricAlarm('root-usage', 'RootUsage', [topic])],
  SnsTopics: topic.includes(`:${id}:`) ? [snsTopic('alerts')] : [],
});

function scenario(): Scenario {
  const management = simAccount(
    MANAGEMENT,
    [
      simTrail('organization', REGION, {
        IsMultiRegionTrail: true,
        IsOrganizationTrail: true,
        CloudWatchLogsLogGroupArn: `arn:aws:logs:${REGION}:${MANAGEMENT}:log-group:organization-trail`,
      }),
    ],
    {
      EnabledRegions: [REGION],
      // The organization trail's group has the organizations-changes chain alone: members pass that pattern through it.
      MetricFilters: [metricFilter('organizations', 'organization-trail', ORGANIZATIONS_PATTERN, 'OrganizationsChanges')],
      MetricAlarms: [metricAlarm('organizations', 'OrganizationsChanges', [topicArn(MANAGEMENT, 'org-alerts')])],
      SnsTopics: [snsTopic('org-alerts')],
    },
  );
  const accounts = [
    management,
    monitored(COMPLETE, {
      ...chain(COMPLETE),
      // Also a pattern that no library pattern matches: the unauthorized-calls check finds no chain here.
      MetricFilters: [
        ...chain(COMPLETE).MetricFilters!,
        metricFilter('unauthorized', GROUP, '{ $.errorCode = "AccessDenied" }', 'Unauthorized', {
          MetricTransformations: [{ MetricName: 'Unauthorized', MetricNamespace: 'CISBenchmark', MetricValue: '1', DefaultValue: 0.5 }],
        }),
      ],
      MetricAlarms: [...chain(COMPLETE).MetricAlarms!, metricAlarm('unauthorized', 'Unauthorized', [topicArn(COMPLETE)])],
    }),
    monitored(MATH_ALARM, {
      ...chain(MATH_ALARM),
      MetricAlarms: [
        {
          Region: REGION,
          AlarmName: 'root-usage-math',
          Metrics: [
            { Id: 'e1', Expression: 'FILL(m1, 0)', ReturnData: true },
            { Id: 'm1', ReturnData: false, MetricStat: { Metric: { MetricName: 'RootUsage', Namespace: 'CISBenchmark' }, Period: 300, Stat: 'Sum' } },
          ],
          AlarmActions: [topicArn(MATH_ALARM)],
        },
      ],
    }),
    monitored(CROSS_ACCOUNT_TOPIC, chain(CROSS_ACCOUNT_TOPIC, topicArn(COMPLETE))),
    monitored(NO_LOG_GROUP, chain(NO_LOG_GROUP), { CloudWatchLogsLogGroupArn: undefined }),
    monitored(SINGLE_REGION, chain(SINGLE_REGION), { IsMultiRegionTrail: false }),
    monitored(PATTERN_MISSES, { ...chain(PATTERN_MISSES), MetricFilters: [metricFilter('root-usage', GROUP, '{ $.userIdentity.type = "Root" }', 'RootUsage')] }),
    monitored(OTHER_LOG_GROUP, { ...chain(OTHER_LOG_GROUP), MetricFilters: [metricFilter('root-usage', 'another/group', ROOT_PATTERN, 'RootUsage')] }),
    monitored(NO_ALARM, { ...chain(NO_ALARM), MetricAlarms: [] }),
    monitored(OTHER_NAMESPACE, {
      ...chain(OTHER_NAMESPACE),
      MetricAlarms: [metricAlarm('root-usage', 'RootUsage', [topicArn(OTHER_NAMESPACE)], { Namespace: 'Other' })],
    }),
    monitored(ACTIONS_DISABLED, {
      ...chain(ACTIONS_DISABLED),
      MetricAlarms: [metricAlarm('root-usage', 'RootUsage', [topicArn(ACTIONS_DISABLED)], { ActionsEnabled: false })],
    }),
    monitored(UNCONFIRMED, {
      ...chain(UNCONFIRMED),
      SnsTopics: [snsTopic('alerts', { Subscriptions: [{ Protocol: 'email', Endpoint: 'x@example.com', Confirmed: false }] })],
    }),
    monitored(TOPIC_NOT_HELD, chain(TOPIC_NOT_HELD, topicArn(NOT_SYNCED))),
    monitored(FILTERS_DENIED, chain(FILTERS_DENIED)),
    monitored(SUBSCRIPTIONS_DENIED, chain(SUBSCRIPTIONS_DENIED)),
    monitored(ALARMS_DENIED, chain(ALARMS_DENIED)),
  ];
  return {
    organization: { managementAccountId: MANAGEMENT },
    accounts,
    faults: [
      { kind: 'accessDenied', service: 'logs', accountId: FILTERS_DENIED, operation: 'DescribeMetricFilters' },
      { kind: 'accessDenied', service: 'cloudwatch', accountId: ALARMS_DENIED, operation: 'DescribeAlarms' },
      { kind: 'accessDenied', service: 'sns', accountId: SUBSCRIPTIONS_DENIED, operation: 'ListSubscriptionsByTopic' },
    ],
  };
}

/** What a broken chain, or an unreadable link, returns: every account but those with a complete chain. */
const ALL = [
  MANAGEMENT,
  COMPLETE,
  MATH_ALARM,
  CROSS_ACCOUNT_TOPIC,
  NO_LOG_GROUP,
  SINGLE_REGION,
  PATTERN_MISSES,
  OTHER_LOG_GROUP,
  NO_ALARM,
  OTHER_NAMESPACE,
  ACTIONS_DISABLED,
  UNCONFIRMED,
  TOPIC_NOT_HELD,
  FILTERS_DENIED,
  SUBSCRIPTIONS_DENIED,
  ALARMS_DENIED,
].sort();
const without = (...passing: string[]) => ALL.filter((id) => !passing.includes(id));

describe('AWSMonitoring: the accounts without a trail → log group → metric filter → alarm → topic → subscriber chain', () => {
  let sim: Simulator;
  let temp: TempStore;
  let store: InventoryStore;

  beforeAll(async () => {
    sim = await startSimulator(scenario());
    stubAwsEnv(sim);
    temp = await openTempStore();
    store = temp.store;
    await syncInventory(store, { accounts: accountTargets(sim.scenario), regions: [REGION], log: silentLogger });
  });
  afterAll(async () => {
    await sim.close();
    await temp.cleanup();
  });

  async function monitoringGaps(query: string): Promise<string[]> {
    const result = await runQuery(api, store, `{ ${query} }`);
    expect(result.errors).toBeUndefined();
    return ((result.data as { AWSMonitoring: { accountId: string }[] }).AWSMonitoring ?? []).map((a) => a.accountId);
  }

  it('returns every account broken at a link, or whose link could not be read, for the library’s root-usage query verbatim', async () => {
    expect(await monitoringGaps(libraryQuery(ROOT_QUERY))).toEqual(without(COMPLETE, MATH_ALARM, CROSS_ACCOUNT_TOPIC));
  });

  it('lets an organization trail’s chain serve every member account that sees the trail', async () => {
    expect(await monitoringGaps(libraryQuery(ORGANIZATIONS_QUERY))).toEqual([]);
  });

  it('finds no chain where no filter pattern matches the whole expression', async () => {
    expect(await monitoringGaps(libraryQuery(UNAUTHORIZED_QUERY))).toEqual(ALL);
  });

  it('runs the library’s patterns as the store’s filterPattern_MATCHES: whole-text RE2, with \\&, \\|, \\$ and ["]? meant alike on both engines', async () => {
    const patternOf = (slug: string) => JSON.parse(`"${/filterPattern: "((?:[^"\\]|\\.)*)"/.exec(libraryQuery(slug))![1]!}"`) as string;
    const matching = async (pattern: string) => {
      const { data, errors } = await runQuery(api, store, 'query ($p: String!) { metricFilters(where: {filterPattern_MATCHES: $p}) { accountId } }', { p: pattern });
      expect(errors).toBeUndefined();
      return [...new Set((data as { metricFilters: { accountId: string }[] }).metricFilters.map((f) => f.accountId))].sort();
    };
    // Every account whose DescribeMetricFilters was answered holds the CIS root-usage filter but one, which holds a shorter one.
    expect(await matching(patternOf(ROOT_QUERY))).toEqual(without(MANAGEMENT, PATTERN_MISSES, FILTERS_DENIED));
    expect(await matching(patternOf(ORGANIZATIONS_QUERY))).toEqual([MANAGEMENT]);
    expect(await matching(patternOf(UNAUTHORIZED_QUERY))).toEqual([]);
    const { matchPattern } = await import('../../src/store/regex.js');
    expect(matchPattern(patternOf(UNAUTHORIZED_QUERY)).matches(UNAUTHORIZED_PATTERN)).toBe(true);
    expect(matchPattern(patternOf(UNAUTHORIZED_QUERY)).matches('{ $.errorCode = "AccessDenied" }')).toBe(false);
  });

  it('filters into a filter’s metric transformations, its default value (a JSON number) compared as a number on both engines', async () => {
    const names = async (where: string) => {
      const { data, errors } = await runQuery(api, store, `{ metricFilters(where: ${where}) { accountId name } }`);
      expect(errors, where).toBeUndefined();
      return (data as { metricFilters: { accountId: string; name: string }[] }).metricFilters.map((f) => `${f.accountId}/${f.name}`);
    };
    const unauthorized = `${COMPLETE}/unauthorized`;
    expect(await names('{metricTransformations_SOME: {defaultValue_GT: 0.25}}')).toEqual([unauthorized]);
    expect(await names('{metricTransformations_SOME: {defaultValue: 0.5}}')).toEqual([unauthorized]);
    expect(await names('{metricTransformations_SOME: {defaultValue_IN: [2, 0.5]}}')).toEqual([unauthorized]);
    expect(await names('{metricTransformations_SOME: {defaultValue_LT: 0.5}}')).toEqual([]);
    // Every other filter sets no default value (null): never equal, so NOT holds for each.
    const all = await names('{}');
    expect(await names('{NOT: {metricTransformations_SOME: {defaultValue: 0.5}}}')).toEqual(all.filter((n) => n !== unauthorized));
    // All but the organization trail’s filter and the unauthorized-calls one publish to RootUsage.
    expect(await names(`{metricTransformations_SOME: {metricName: "RootUsage", metricNamespace: "CISBenchmark"}}`)).toHaveLength(all.length - 2);
  });

  it('pages like any list of accounts', async () => {
    const page = await runQuery(api, store, `{ AWSMonitoring(filterPattern: ".*Root.*", limit: 2, offset: 1) { accountId } }`);
    expect(page.errors).toBeUndefined();
    expect((page.data as { AWSMonitoring: { accountId: string }[] }).AWSMonitoring.map((a) => a.accountId)).toEqual(
      without(COMPLETE, MATH_ALARM, CROSS_ACCOUNT_TOPIC).slice(1, 3),
    );
  });

  it('runs every monitoring rule of the library as a stored check: FAIL naming exactly the accounts without the chain', async () => {
    const catalog = loadCyscaleCatalog(api, LIBRARY);
    const monitoring = catalog.controls.filter((control) => /^aws-(1-3-0-)?monitoring-/.test(control.id));
    expect(monitoring).toHaveLength(15);
    for (const control of monitoring) expect(control.notEvaluated, control.id).toEqual([]);
    const verdicts = await evaluateControls(api, store, monitoring);
    const failing = new Map(verdicts.map((v) => [v.controlId, [...new Set(v.failingAssets.map((a) => a.accountId))].sort()]));
    expect(failing.get('aws-monitoring-3')).toEqual(without(COMPLETE, MATH_ALARM, CROSS_ACCOUNT_TOPIC));
    expect(failing.get('aws-1-3-0-monitoring-15')).toEqual([]);
    expect(failing.get('aws-monitoring-1')).toEqual(ALL);
    for (const verdict of verdicts) expect(verdict.verdict, verdict.controlId).not.toBe('PASS');
  });
});

// ---- The demo organization: every library monitoring check's failing accounts, worked out from the scenario itself ----

describe('AWSMonitoring on the demo organization, every library monitoring check', () => {
  let sim: Simulator;
  let temp: TempStore;
  const demo = demoScenario(new Date('2026-11-01T00:00:00Z'));

  beforeAll(async () => {
    sim = await startSimulator(demo);
    stubAwsEnv(sim);
    temp = await openTempStore();
    for (const account of demo.accounts) {
      await syncInventory(temp.store, {
        accounts: [{ label: account.Id, credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey } }],
        regions: ['us-east-1'],
        log: silentLogger,
      });
    }
  });
  afterAll(async () => {
    await sim.close();
    await temp.cleanup();
  });

  it('fails exactly the accounts the scenario’s own data has no chain for: some checks pass, some fail', async () => {
    const slugs = readdirSync(join(LIBRARY, 'queries'))
      .filter((file) => /^aws-(1-3-0-)?monitoring-/.test(file))
      .map((file) => file.replace(/\.json$/, ''));
    expect(slugs).toHaveLength(15);
    const outcomes = new Set<string>();
    for (const slug of slugs) {
      const query = libraryQuery(slug);
      const pattern = JSON.parse(`"${/filterPattern: "((?:[^"\\]|\\.)*)"/.exec(query)![1]!}"`) as string;
      const result = await runQuery(api, temp.store, `{ ${query} }`);
      expect(result.errors, slug).toBeUndefined();
      const found = (result.data as { AWSMonitoring: { accountId: string }[] }).AWSMonitoring.map((a) => a.accountId);
      const expected = withoutChainInScenario(demo, pattern);
      expect(found, slug).toEqual(expected);
      outcomes.add(expected.length === 0 ? 'pass' : 'fail');
    }
    expect([...outcomes].sort()).toEqual(['fail', 'pass']);
  });
});
