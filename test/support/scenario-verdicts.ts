// What the library's account, bucket, VPC and recorder checks must find, worked out from a simulated scenario's own data (never
// from the inventory): shared by the tests that run those checks on different scenarios.
import { DEFAULT_REGIONS, type Scenario, type SimAccount, type SimBucket, type SimSnsTopic, type SimTrail, type SimVpc } from '../../src/simulator/index.js';

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
 * AWSMonitoring(filterPattern:): the accounts without a complete chain for `pattern` (a whole-text match, or a
 * matcher for a pattern JavaScript cannot read, such as RE2's `(?s)`): a counting
 * trail → its CloudWatch Logs group → a metric filter there whose pattern matches → an alarm with actions on one of the
 * filter's metrics → a topic of the scenario among its actions → a confirmed subscription.
 */
export function withoutChainInScenario(scenario: Scenario, pattern: string | ((filterPattern: string) => boolean)): string[] {
  const matches = typeof pattern === 'string' ? new RegExp(`^(?:${pattern})$`) : { test: pattern };
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

// ---- Buckets, as S3 holds them: the rules read the policy as compact text (README, S3 buckets: as KmsKey.policyDocument),
// the ACL's grants, the Block Public Access S3 applies (each setting on at the bucket or the account), logging,
// the trails that write to the bucket and those whose data-event selectors log it.

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const BLOCK_SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/** One bucket with what it is judged against: its account, and the whole scenario (trails of every account). */
export interface BucketInScenario {
  bucket: SimBucket;
  account: SimAccount;
  scenario: Scenario;
}

/** The policy as compact JSON, as GetBucketPolicy's text is stored; "" without a policy. */
export const policyText = ({ bucket }: BucketInScenario): string => (bucket.Policy === undefined ? '' : JSON.stringify(JSON.parse(bucket.Policy)));
/** Each of the four settings on at the bucket or at the account: what S3 enforces. */
export const publicAccessBlocked = ({ bucket, account }: BucketInScenario): boolean =>
  BLOCK_SETTINGS.every((setting) => bucket.PublicAccessBlock?.[setting] === true || account.PublicAccessBlock?.[setting] === true);
/** An ACL grant to everyone or to every AWS user, with one of `permissions`. */
export const groupGrant = ({ bucket }: BucketInScenario, permissions: readonly string[]): boolean =>
  (bucket.Grants ?? []).some((g) => g.Type === 'Group' && [ALL_USERS, AUTHENTICATED_USERS].includes(g.URI ?? '') && permissions.includes(g.Permission));
/** A trail of any account delivers its log files to the bucket. */
export const cloudTrailBucket = ({ bucket, scenario }: BucketInScenario): boolean => scenario.accounts.some((a) => a.Trails.some((t) => t.S3BucketName === bucket.Name));

/**
 * The read/write types of the data-event selectors that log the bucket's object events (README, S3 buckets, "Object-level
 * logging"): a basic AWS::S3::Object resource naming the bucket (`arn:aws:s3:::<name>/` and any prefix under it) or every
 * bucket (`arn:aws:s3`, `arn:aws:s3:::`); an advanced selector of Data on AWS::S3::Object, without resources.ARN, or
 * whose StartsWith begins the bucket's object ARNs or one of them, or whose Equals names one of its objects. A value
 * covering many buckets logs those of the accounts the trail logs (its own; each member's for an organization trail); a
 * single-region trail logs its home region's buckets alone.
 */
export function selectorsLogging(b: BucketInScenario, { loggingTrailsOnly = false } = {}): string[] {
  const objects = `arn:aws:s3:::${b.bucket.Name}/`;
  const found: string[] = [];
  for (const owner of b.scenario.accounts) {
    for (const trail of owner.Trails) {
      if (!trail.IsMultiRegionTrail && trail.HomeRegion !== b.bucket.Region) continue;
      // The shipped controls count a logging trail alone (a stopped one records nothing); Cyscale's rules read the selectors.
      if (loggingTrailsOnly && !trail.IsLogging) continue;
      const logsAccount = owner.Id === b.account.Id || (trail.IsOrganizationTrail === true && b.scenario.organization !== undefined);
      const namesBucket = (value: string) => value.startsWith(objects);
      const coversMany = (value: string) => value.length < objects.length && objects.startsWith(value) && logsAccount;
      for (const selector of trail.EventSelectors ?? []) {
        const values = (selector.DataResources ?? []).filter((r) => r.Type === 'AWS::S3::Object').flatMap((r) => r.Values);
        if (values.some((v) => namesBucket(v) || coversMany(v))) found.push(selector.ReadWriteType ?? 'All');
      }
      for (const selector of trail.AdvancedEventSelectors ?? []) {
        const fieldOf = (name: string) => selector.FieldSelectors.find((f) => f.Field === name);
        if (!fieldOf('eventCategory')?.Equals?.includes('Data') || !fieldOf('resources.type')?.Equals?.includes('AWS::S3::Object')) continue;
        const arn = fieldOf('resources.ARN');
        const covers = arn === undefined ? logsAccount : (arn.StartsWith ?? []).some((v) => namesBucket(v) || coversMany(v)) || (arn.Equals ?? []).some(namesBucket);
        if (!covers) continue;
        const readOnly = fieldOf('readOnly')?.Equals?.[0];
        found.push(readOnly === 'true' ? 'ReadOnly' : readOnly === 'false' ? 'WriteOnly' : 'All');
      }
    }
  }
  return found;
}
