// AWSMonitoring(filterPattern:) (schema/named-checks.graphql; README, Cyscale's asset fields and named checks): the
// accounts without the chain CIS's monitoring recommendations ask for, for one filter pattern: a multi-region, logging
// trail recording all management events → its CloudWatch Logs log group → a metric filter there whose pattern matches
// → a metric alarm in that account and region on the filter's metric, with actions enabled → an SNS topic among the
// alarm's actions, held in the inventory → at least one confirmed subscription. Read from stored data only, through the
// store's lists and filters (the pattern through `filterPattern_MATCHES`, so both engines run it alike); a link the
// inventory could not read (a null, a scope whose latest sync failed) never completes a chain.
import { METRIC_ALARM } from '../assets/metric-alarm.js';
import { METRIC_FILTER } from '../assets/metric-filter.js';
import { SNS_TOPIC } from '../assets/sns-topic.js';
import type { AlarmMetricQuery } from '../model/metric-alarm.js';
import { type MetricTransformation, parseLogGroupArn } from '../model/metric-filter.js';
import type { SnsSubscription } from '../model/sns-topic.js';
import type { StoredTrail } from '../model/trail.js';
import type { InventoryStore, StoredAsset } from '../store/store.js';

const scopeKey = (accountId: string, region: string) => `${accountId}/${region}`;

/** The (account, region) scopes whose latest sync by the collector succeeded: only their stored assets are current. */
async function currentScopes(store: InventoryStore, collector: string): Promise<Set<string>> {
  const states = await store.scopeStates(collector);
  return new Set(states.filter((state) => state.lastStatus === 'ok').map((state) => scopeKey(state.accountId, state.region)));
}

/** A trail that counts, as for AWSLogging1: multi-region, logging and recording every management event (null counts not). */
const countingTrail = (trail: StoredTrail): boolean => trail.isMultiRegionTrail === true && trail.isLogging === true && trail.recordsAllManagementEvents === true;

/** Whether the alarm watches the metric: as its own metric, or as the metric of one of its metric-math queries. */
function watches(alarm: StoredAsset, metric: MetricTransformation): boolean {
  if (alarm.metricName === metric.metricName && alarm.namespace === metric.metricNamespace) return true;
  return ((alarm.metrics as AlarmMetricQuery[] | null) ?? []).some((query) => query.metricName === metric.metricName && query.namespace === metric.metricNamespace);
}

/** The ids of the accounts AWSMonitoring returns for `filterPattern`, sorted. */
export async function accountsWithoutMonitoringChain(store: InventoryStore, filterPattern: string): Promise<string[]> {
  const accounts = await store.findAccounts({ OR: [{ status: 'ok' }, { status: 'failed' }] });
  const reached = accounts.filter((account) => account.status === 'ok').map((account) => account.accountId);
  const [trailsOfAccounts, filters, alarms, filterScopes, alarmScopes, topicScopes] = await Promise.all([
    store.trailsOfAccounts(reached),
    store.findAssetsOfType(METRIC_FILTER.name, { filterPattern_MATCHES: filterPattern }),
    store.findAssetsOfType(METRIC_ALARM.name, { actionsEnabled: true }),
    currentScopes(store, METRIC_FILTER.collector),
    currentScopes(store, METRIC_ALARM.collector),
    currentScopes(store, SNS_TOPIC.collector),
  ]);
  const topicArns = [...new Set(alarms.flatMap((alarm) => (alarm.alarmActions as string[]).filter((action) => action.startsWith('arn:aws:sns:'))))];
  const topics = topicArns.length === 0 ? [] : await store.findAssetsOfType(SNS_TOPIC.name, { arn_IN: topicArns });

  // A topic pages someone when the inventory holds it from a current scope and one of its subscriptions is confirmed.
  const paging = new Set(
    topics
      .filter((topic) => topicScopes.has(scopeKey(topic.accountId, topic.region)))
      .filter((topic) => ((topic.subscriptions as SnsSubscription[] | null) ?? []).some((subscription) => subscription.confirmed))
      .map((topic) => topic.arn),
  );
  const alarmsByScope = group(alarms, (alarm) => scopeKey(alarm.accountId, alarm.region));
  const filtersByLogGroup = group(filters, (filter) => `${scopeKey(filter.accountId, filter.region)}/${String(filter.logGroupName)}`);

  /** Whether the log group named by a trail's ARN completes the chain. */
  const monitored = (logGroupArn: string): boolean => {
    const logGroup = parseLogGroupArn(logGroupArn);
    if (logGroup === undefined) return false;
    const scope = scopeKey(logGroup.accountId, logGroup.region);
    if (!filterScopes.has(scope) || !alarmScopes.has(scope)) return false;
    const metrics = (filtersByLogGroup.get(`${scope}/${logGroup.logGroupName}`) ?? []).flatMap((filter) => filter.metricTransformations as MetricTransformation[]);
    return metrics.some((metric) =>
      (alarmsByScope.get(scope) ?? []).some((alarm) => watches(alarm, metric) && (alarm.alarmActions as string[]).some((action) => paging.has(action))),
    );
  };

  const covered = new Set(reached.filter((_, i) => (trailsOfAccounts[i] ?? []).some((trail) => countingTrail(trail) && monitored(trail.cloudWatchLogsLogGroupArn))));
  return accounts
    .map((account) => account.accountId)
    .filter((accountId) => !covered.has(accountId))
    .sort();
}

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const members = groups.get(k);
    // Appended in place: copying the list for each item would be quadratic in a scope's alarms or filters.
    if (members) members.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
