// The demo organization that `inventory demo` syncs: three accounts, five trails, one of each case the
// CIS "CloudTrail logs are encrypted at rest using KMS CMKs" control has to judge. All data is invented.

import { DEFAULT_REGIONS, type Scenario } from '../scenario.js';

export const DEMO_MANAGEMENT_ACCOUNT_ID = '111111111111';
export const DEMO_WORKLOADS_ACCOUNT_ID = '222222222222';
export const DEMO_SECURITY_ACCOUNT_ID = '333333333333';
/** The fixed instant the demo's start and stop times count back from. */
const DEMO_ANCHOR = Date.UTC(2026, 10, 1);

/** The role each member account holds for the inventory, trusting the management account (as AWS Organizations sets up). */
export const DEMO_MEMBER_ROLE = 'InventoryReader';

export const DEMO_ACCOUNT_IDS = [DEMO_MANAGEMENT_ACCOUNT_ID, DEMO_WORKLOADS_ACCOUNT_ID, DEMO_SECURITY_ACCOUNT_ID] as const;

/** Static credentials per demo account: the simulator tells accounts apart by access key id. */
export interface DemoCredentials {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export const DEMO_CREDENTIALS: readonly DemoCredentials[] = [
  { accountId: DEMO_MANAGEMENT_ACCOUNT_ID, accessKeyId: 'AKIADEMO111111111111', secretAccessKey: 'demo/Management+Secret/11111111111111111' },
  { accountId: DEMO_WORKLOADS_ACCOUNT_ID, accessKeyId: 'AKIADEMO222222222222', secretAccessKey: 'demo/Workloads+Secret/222222222222222222' },
  { accountId: DEMO_SECURITY_ACCOUNT_ID, accessKeyId: 'AKIADEMO333333333333', secretAccessKey: 'demo/Security+Secret/3333333333333333333' },
];

export function demoCredentials(accountId: string): DemoCredentials {
  const credentials = DEMO_CREDENTIALS.find((entry) => entry.accountId === accountId);
  if (credentials === undefined) throw new Error(`no demo account ${accountId}`);
  return credentials;
}

/**
 * A fresh copy of the demo organization (tests may mutate it). Status times are relative to `now`,
 * so a freshly started demo shows trails that delivered logs minutes ago.
 */
export function demoScenario(now: Date = new Date()): Scenario {
  const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
  // Logging was started and stopped at fixed instants: a re-run of the demo must not look like a changed trail.
  const daysBeforeAnchor = (days: number) => new Date(DEMO_ANCHOR - days * 86_400_000).toISOString();
  const secret = (accountId: string) => demoCredentials(accountId).secretAccessKey;
  const accessKey = (accountId: string) => demoCredentials(accountId).accessKeyId;

  return {
    organization: { managementAccountId: DEMO_MANAGEMENT_ACCOUNT_ID },
    accounts: [
      {
        Id: DEMO_MANAGEMENT_ACCOUNT_ID,
        Name: 'acme-management',
        AccessKeyId: accessKey(DEMO_MANAGEMENT_ACCOUNT_ID),
        SecretAccessKey: secret(DEMO_MANAGEMENT_ACCOUNT_ID),
        CallerArn: `arn:aws:sts::${DEMO_MANAGEMENT_ACCOUNT_ID}:assumed-role/InventoryReader/inventory-demo`,
        Trails: [
          {
            // Encrypted organization trail: appears in every region of every member account.
            Name: 'acme-org-trail',
            HomeRegion: 'us-east-1',
            S3BucketName: 'acme-org-cloudtrail-logs-111111111111',
            S3KeyPrefix: 'o-7k2m9x4q1z',
            SnsTopicName: 'acme-org-trail-deliveries',
            SnsTopicARN: 'arn:aws:sns:us-east-1:111111111111:acme-org-trail-deliveries',
            IncludeGlobalServiceEvents: true,
            IsMultiRegionTrail: true,
            IsOrganizationTrail: true,
            LogFileValidationEnabled: true,
            CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:111111111111:log-group:aws-cloudtrail-logs-acme-org:*',
            CloudWatchLogsRoleArn: 'arn:aws:iam::111111111111:role/CloudTrailRoleForCloudWatchLogs_acme-org',
            KmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/6f1d2c3b-8a4e-4f0b-9c7d-2e5a1b3c4d5e',
            IsLogging: true,
            Status: {
              StartLoggingTime: daysBeforeAnchor(412),
              LatestDeliveryTime: minutesAgo(4),
              LatestNotificationTime: minutesAgo(4),
              LatestCloudWatchLogsDeliveryTime: minutesAgo(2),
              LatestDigestDeliveryTime: minutesAgo(37),
            },
            Tags: { Owner: 'security-team', Environment: 'production', CostCenter: 'SEC-0042' },
          },
        ],
      },
      {
        Id: DEMO_WORKLOADS_ACCOUNT_ID,
        Name: 'acme-workloads',
        AccessKeyId: accessKey(DEMO_WORKLOADS_ACCOUNT_ID),
        SecretAccessKey: secret(DEMO_WORKLOADS_ACCOUNT_ID),
        Roles: [{ Name: DEMO_MEMBER_ROLE, TrustedAccountIds: [DEMO_MANAGEMENT_ACCOUNT_ID] }],
        Trails: [
          {
            // Unencrypted multi-region trail homed outside us-east-1: a shadow in 16 other regions.
            Name: 'workloads-main-trail',
            HomeRegion: 'us-west-2',
            S3BucketName: 'acme-workloads-cloudtrail-222222222222',
            IncludeGlobalServiceEvents: true,
            IsMultiRegionTrail: true,
            LogFileValidationEnabled: true,
            IsLogging: true,
            Status: {
              StartLoggingTime: daysBeforeAnchor(230),
              LatestDeliveryTime: minutesAgo(6),
              LatestDigestDeliveryTime: minutesAgo(52),
            },
            Tags: { Team: 'platform', Environment: 'production' },
          },
          {
            // Unencrypted single-region trail that someone switched off.
            Name: 'eu-legacy-audit',
            HomeRegion: 'eu-west-1',
            S3BucketName: 'acme-eu-legacy-audit-logs',
            S3KeyPrefix: 'legacy',
            IncludeGlobalServiceEvents: false,
            IsMultiRegionTrail: false,
            LogFileValidationEnabled: false,
            IsLogging: false,
            Status: {
              StartLoggingTime: daysBeforeAnchor(1210),
              StopLoggingTime: daysBeforeAnchor(19),
              LatestDeliveryTime: daysBeforeAnchor(19),
            },
          },
        ],
      },
      {
        Id: DEMO_SECURITY_ACCOUNT_ID,
        Name: 'acme-security',
        AccessKeyId: accessKey(DEMO_SECURITY_ACCOUNT_ID),
        SecretAccessKey: secret(DEMO_SECURITY_ACCOUNT_ID),
        Roles: [{ Name: DEMO_MEMBER_ROLE, TrustedAccountIds: [DEMO_MANAGEMENT_ACCOUNT_ID] }],
        EnabledRegions: [...DEFAULT_REGIONS, 'ap-east-1'],
        Trails: [
          {
            // Encrypted multi-region trail with Insights and advanced event selectors.
            Name: 'security-insights-trail',
            HomeRegion: 'eu-central-1',
            S3BucketName: 'acme-security-cloudtrail-333333333333',
            S3KeyPrefix: 'insights',
            IncludeGlobalServiceEvents: true,
            IsMultiRegionTrail: true,
            LogFileValidationEnabled: true,
            KmsKeyId: 'arn:aws:kms:eu-central-1:333333333333:key/0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b',
            IsLogging: true,
            Status: {
              StartLoggingTime: daysBeforeAnchor(95),
              LatestDeliveryTime: minutesAgo(3),
              LatestDigestDeliveryTime: minutesAgo(41),
            },
            InsightSelectors: [{ InsightType: 'ApiCallRateInsight' }, { InsightType: 'ApiErrorRateInsight' }],
            AdvancedEventSelectors: [
              { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
              {
                Name: 'Writes to the sensitive-data bucket',
                FieldSelectors: [
                  { Field: 'eventCategory', Equals: ['Data'] },
                  { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
                  { Field: 'readOnly', Equals: ['false'] },
                  { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::acme-sensitive-data/'] },
                ],
              },
            ],
            Tags: { Owner: 'security-team', DataClassification: 'restricted' },
          },
          {
            // Unencrypted single-region trail recording data events with basic selectors.
            Name: 'app-data-events',
            HomeRegion: 'us-east-1',
            S3BucketName: 'acme-app-data-events-333333333333',
            IncludeGlobalServiceEvents: false,
            IsMultiRegionTrail: false,
            LogFileValidationEnabled: true,
            IsLogging: true,
            Status: {
              StartLoggingTime: daysBeforeAnchor(40),
              LatestDeliveryTime: minutesAgo(9),
              LatestDigestDeliveryTime: minutesAgo(58),
            },
            EventSelectors: [
              {
                ReadWriteType: 'WriteOnly',
                IncludeManagementEvents: false,
                DataResources: [
                  { Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::acme-app-uploads/'] },
                  { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda:us-east-1:333333333333:function:acme-app-processor'] },
                ],
              },
            ],
            Tags: { Application: 'acme-app', Environment: 'staging' },
          },
        ],
      },
    ],
  };
}
