// The CloudWatch Logs metric filters, alarms and SNS topics of the demo and generated organizations: for the log
// group their organization trail delivers to, some of CIS's monitoring chains complete and some broken at one link each
// (README, Cyscale's asset fields and named checks: AWSMonitoring). Fixed data: nothing here draws from a seed.
import type { SimAccount, SimMetricAlarm, SimMetricFilter, SimSnsTopic } from '../scenario.js';

const NAMESPACE = 'CISBenchmark';

/** One CIS recommendation's filter, as an administrator writes it, and where its chain breaks (if it does). */
interface Recommendation {
  name: string;
  pattern: string;
  breaks?: 'pattern' | 'noAlarm' | 'actionsDisabled' | 'unconfirmedTopic';
}

const RECOMMENDATIONS: readonly Recommendation[] = [
  { name: 'root-usage', pattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }' },
  { name: 'unauthorized-api-calls', pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }' },
  { name: 'console-signin-without-mfa', pattern: '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }' },
  // Two of the sixteen IAM policy events only: CIS's pattern names them all.
  { name: 'iam-policy-changes', pattern: '{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) }', breaks: 'pattern' },
  {
    name: 'cloudtrail-changes',
    pattern:
      '{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }',
    breaks: 'noAlarm',
  },
  {
    name: 'security-group-changes',
    pattern:
      '{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }',
    breaks: 'actionsDisabled',
  },
  {
    name: 'nacl-changes',
    pattern:
      '{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }',
    breaks: 'unconfirmedTopic',
  },
];

/**
 * The monitoring of one log group in `region` of `accountId`: a filter per recommendation, an alarm on each filter's
 * metric notifying `cis-alarms` (an encrypted topic with a confirmed subscriber), and `cis-alarms-pending` (not
 * encrypted, its one subscription unconfirmed) for the chain that breaks there.
 */
export function monitoringOf(accountId: string, region: string, logGroupName: string): Pick<SimAccount, 'MetricFilters' | 'MetricAlarms' | 'SnsTopics'> {
  const topic = (name: string) => `arn:aws:sns:${region}:${accountId}:${name}`;
  const metricFilters: SimMetricFilter[] = RECOMMENDATIONS.map(({ name, pattern }) => ({
    Region: region,
    LogGroupName: logGroupName,
    FilterName: name,
    FilterPattern: pattern,
    MetricTransformations: [{ MetricName: name, MetricNamespace: NAMESPACE, MetricValue: '1' }],
    CreationTime: '2024-03-01T09:00:00Z',
  }));
  const metricAlarms: SimMetricAlarm[] = RECOMMENDATIONS.filter(({ breaks }) => breaks !== 'noAlarm').map(({ name, breaks }) => ({
    Region: region,
    AlarmName: `cis-${name}`,
    MetricName: name,
    Namespace: NAMESPACE,
    Statistic: 'Sum',
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
    EvaluationPeriods: 1,
    ActionsEnabled: breaks !== 'actionsDisabled',
    AlarmActions: [topic(breaks === 'unconfirmedTopic' ? 'cis-alarms-pending' : 'cis-alarms')],
    StateValue: 'OK',
  }));
  const snsTopics: SimSnsTopic[] = [
    {
      Region: region,
      Name: 'cis-alarms',
      KmsMasterKeyId: 'alias/aws/sns',
      Subscriptions: [
        { Protocol: 'email', Endpoint: 'security-oncall@example.com' },
        { Protocol: 'https', Endpoint: 'https://hooks.example.com/cis', Confirmed: false },
      ],
    },
    { Region: region, Name: 'cis-alarms-pending', Subscriptions: [{ Protocol: 'email', Endpoint: 'nobody-confirmed@example.com', Confirmed: false }] },
  ];
  return { MetricFilters: metricFilters, MetricAlarms: metricAlarms, SnsTopics: snsTopics };
}
