// What the library's account, VPC and recorder checks must find, worked out from a simulated scenario's own data (never
// from the inventory): shared by the tests that run those checks on different scenarios.
import { DEFAULT_REGIONS, type Scenario, type SimSnsTopic, type SimTrail, type SimVpc } from '../../src/simulator/index.js';

/** Whether the scenario denies `operation` of `service` to `accountId` in `region` (a fault without region: every region). */
function denied(scenario: Scenario, service: string, operation: string, accountId: string, region: string): boolean {
  return (scenario.faults ?? []).some(
    (f) =>
      f.kind === 'accessDenied' &&
      f.service === service &&
      f.operation === operation &&
      (f.accountId === undefined || f.accountId === accountId) &&
      (f.region === undefined || f.region === region),
  );
}

/**
 * Whether a trail counts for CIS's "multi-region trail" (aws-logging-1) and as the first link of a monitoring chain:
 * multi-region, logging, recording every management event. Without selectors CloudTrail records all management events.
 */
export function countsInScenario(trail: SimTrail): boolean {
  if (!trail.IsMultiRegionTrail || !trail.IsLogging) return false;
  if (trail.AdvancedEventSelectors !== undefined) {
    return trail.AdvancedEventSelectors.some(
      (s) => s.FieldSelectors.length === 1 && s.FieldSelectors[0]!.Field === 'eventCategory' && s.FieldSelectors[0]!.Equals?.join() === 'Management',
    );
  }
  if (trail.EventSelectors === undefined) return true;
  return trail.EventSelectors.some(
    (s) => s.IncludeManagementEvents !== false && (s.ReadWriteType ?? 'All') === 'All' && (s.ExcludeManagementEventSources ?? []).length === 0,
  );
}

/** The organization trails of the scenario, which every member account sees (the management account holds them). */
function organizationTrails(scenario: Scenario): SimTrail[] {
  return scenario.accounts.flatMap((account) => account.Trails.filter((trail) => trail.IsOrganizationTrail));
}

/** aws-logging-1: the accounts with no counting trail, their own or the organization's. */
export function accountsWithoutMultiRegionTrail(scenario: Scenario): string[] {
  const shared = organizationTrails(scenario);
  return scenario.accounts
    .filter((account) => ![...account.Trails, ...shared].some(countsInScenario))
    .map((account) => account.Id)
    .sort();
}

/**
 * AWSMonitoring(filterPattern:): the accounts without a complete chain for `pattern` (a whole-text match): a counting
 * trail → its CloudWatch Logs group → a metric filter there whose pattern matches → an alarm with actions on one of the
 * filter's metrics → a topic of the scenario among its actions → a confirmed subscription.
 */
export function withoutChainInScenario(scenario: Scenario, pattern: string): string[] {
  const matches = new RegExp(`^(?:${pattern})$`);
  const byId = new Map(scenario.accounts.map((a) => [a.Id, a]));
  const shared = organizationTrails(scenario);
  const topics = new Map<string, SimSnsTopic>(
    scenario.accounts.flatMap((a) => (a.SnsTopics ?? []).map((t) => [`arn:aws:sns:${t.Region}:${a.Id}:${t.Name}`, t] as const)),
  );
  const chained = (trail: SimTrail): boolean => {
    const group = /^arn:aws:logs:([^:]+):(\d{12}):log-group:(.+?)(?::\*)?$/.exec(trail.CloudWatchLogsLogGroupArn ?? '');
    if (!group) return false;
    const [, region, owner, name] = group;
    const account = byId.get(owner!);
    const metrics = (account?.MetricFilters ?? [])
      .filter((f) => f.Region === region && f.LogGroupName === name && matches.test(f.FilterPattern))
      .flatMap((f) => f.MetricTransformations);
    return (account?.MetricAlarms ?? []).some(
      (alarm) =>
        alarm.Region === region &&
        alarm.ActionsEnabled !== false &&
        metrics.some(
          (m) =>
            (alarm.MetricName === m.MetricName && alarm.Namespace === m.MetricNamespace) ||
            (alarm.Metrics ?? []).some((q) => q.MetricStat?.Metric.MetricName === m.MetricName && q.MetricStat.Metric.Namespace === m.MetricNamespace),
        ) &&
        (alarm.AlarmActions ?? []).some((action) => (topics.get(action)?.Subscriptions ?? []).some((s) => s.Confirmed !== false)),
    );
  };
  return scenario.accounts
    .filter((account) => ![...account.Trails, ...shared.filter((t) => !account.Trails.includes(t))].some((t) => countsInScenario(t) && chained(t)))
    .map((account) => account.Id)
    .sort();
}

export const vpcArn = (owner: string, vpc: SimVpc): string => `arn:aws:ec2:${vpc.Region}:${owner}:vpc/${vpc.VpcId}`;

/** aws-logging-9: the VPCs without a flow log on the VPC itself (EC2 reports every flow log ACTIVE), or whose flow logs could not be listed. */
export function vpcsWithoutFlowLogs(scenario: Scenario): string[] {
  return scenario.accounts
    .flatMap((a) =>
      (a.Vpcs ?? [])
        .filter((vpc) => (vpc.OwnerId ?? a.Id) === a.Id)
        .filter((vpc) => denied(scenario, 'ec2', 'DescribeFlowLogs', a.Id, vpc.Region) || !(vpc.FlowLogs ?? []).some((f) => (f.ResourceId ?? vpc.VpcId) === vpc.VpcId))
        .map((vpc) => vpcArn(a.Id, vpc)),
    )
    .sort();
}

/** aws-config-recorder-enabled-all-resources: the recorders stopped, not recording every supported type, or not the global types; `account/region/name`. */
export function recordersNotComplete(scenario: Scenario): string[] {
  return scenario.accounts
    .flatMap((a) =>
      (a.ConfigurationRecorders ?? [])
        .filter((r) => !denied(scenario, 'config', 'DescribeConfigurationRecorders', a.Id, r.Region))
        .filter((r) => !r.Recording || r.AllSupported === false || r.IncludeGlobalResourceTypes !== true)
        .map((r) => `${a.Id}/${r.Region}/${r.Name ?? 'default'}`),
    )
    .sort();
}

/**
 * AWSLogging5 (CIS "AWS Config is enabled in all regions"): the accounts with an enabled region holding no recorder
 * that records every supported type and whose last status is not a failure (a region whose recorders could not be read
 * is unknown, so returned), or none of whose counting recorders records the global IAM types.
 */
export function accountsWithoutConfigEverywhere(scenario: Scenario): string[] {
  return scenario.accounts
    .filter((a) => {
      const counting = (region: string) =>
        (a.ConfigurationRecorders ?? []).filter(
          (r) => r.Region === region && r.Recording && r.AllSupported !== false && (r.LastStatus ?? '').toLowerCase() !== 'failure',
        );
      const regions = a.EnabledRegions ?? [...DEFAULT_REGIONS];
      const unknown = (region: string) =>
        denied(scenario, 'config', 'DescribeConfigurationRecorders', a.Id, region) || denied(scenario, 'config', 'DescribeConfigurationRecorderStatus', a.Id, region);
      if (regions.some((region) => unknown(region) || counting(region).length === 0)) return true;
      return !regions.some((region) => counting(region).some((r) => r.IncludeGlobalResourceTypes === true));
    })
    .map((a) => a.Id)
    .sort();
}
