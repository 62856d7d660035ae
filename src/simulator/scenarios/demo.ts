// The demo organization that `inventory demo` syncs: three accounts, five trails, one of each case the
// CIS "CloudTrail logs are encrypted at rest using KMS CMKs" control has to judge, and KMS keys of every kind the
// CIS key rotation control has to judge (the encrypted trails' keys among them, one in another account than its
// trail's). All data is invented.

import { demoBuckets } from '../s3/scenario-buckets.js';
import { writeAwsJson } from '../kms/keys.js';
import { DEFAULT_REGIONS, type Scenario, type SimKmsKey } from '../scenario.js';
import { demoRecorders, demoVpcs } from './demo-vpc-config.js';
import { monitoringOf } from './monitoring.js';

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
        KmsKeys: structuredClone(DEMO_KMS_KEYS[DEMO_MANAGEMENT_ACCOUNT_ID]),
        Vpcs: demoVpcs(DEMO_MANAGEMENT_ACCOUNT_ID, 'management'),
        ConfigurationRecorders: demoRecorders(DEMO_MANAGEMENT_ACCOUNT_ID, 'management'),
        // CIS's monitoring of the organization trail's log group: some chains complete, some broken (scenarios/monitoring.ts).
        ...monitoringOf(DEMO_MANAGEMENT_ACCOUNT_ID, 'us-east-1', 'aws-cloudtrail-logs-acme-org'),
        ...demoBuckets(DEMO_MANAGEMENT_ACCOUNT_ID),
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
        KmsKeys: structuredClone(DEMO_KMS_KEYS[DEMO_WORKLOADS_ACCOUNT_ID]),
        Vpcs: demoVpcs(DEMO_WORKLOADS_ACCOUNT_ID, 'workloads'),
        ConfigurationRecorders: demoRecorders(DEMO_WORKLOADS_ACCOUNT_ID, 'workloads'),
        ...demoBuckets(DEMO_WORKLOADS_ACCOUNT_ID),
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
        KmsKeys: structuredClone(DEMO_KMS_KEYS[DEMO_SECURITY_ACCOUNT_ID]),
        Vpcs: demoVpcs(DEMO_SECURITY_ACCOUNT_ID, 'security'),
        ConfigurationRecorders: demoRecorders(DEMO_SECURITY_ACCOUNT_ID, 'security'),
        ...demoBuckets(DEMO_SECURITY_ACCOUNT_ID),
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
            // Its key is the management account's (a central log key), so the trail's key is in another account.
            KmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b',
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

/** A key policy in AWS's own layout: the account's root, plus the statements given. */
function demoKeyPolicy(accountId: string, ...statements: object[]): string {
  return writeAwsJson({
    Version: '2012-10-17',
    Id: 'key-consolepolicy-3',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
      ...statements,
    ],
  });
}

/** CloudTrail may encrypt logs with the key for trails of the accounts given (the statement CloudTrail's console adds). */
function cloudTrailMayEncrypt(accountIds: string[]): object {
  return {
    Sid: 'Allow CloudTrail to encrypt logs',
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 'kms:GenerateDataKey*',
    Resource: '*',
    Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': accountIds.map((id) => `arn:aws:cloudtrail:*:${id}:trail/*`) } },
  };
}

/**
 * The demo's keys, per account. Customer managed symmetric keys without rotation (enabled and disabled) are what the
 * rotation control fails; the key pending deletion, the asymmetric key and the AWS managed keys it does not judge.
 */
const DEMO_KMS_KEYS: Readonly<Record<string, SimKmsKey[]>> = {
  [DEMO_MANAGEMENT_ACCOUNT_ID]: [
    {
      // acme-org-trail's key: rotated.
      KeyId: '6f1d2c3b-8a4e-4f0b-9c7d-2e5a1b3c4d5e',
      Region: 'us-east-1',
      Description: 'CloudTrail organization trail logs',
      CreationDate: '2025-09-14T08:12:45.318Z',
      RotationEnabled: true,
      Aliases: ['alias/acme-org-trail'],
      Policy: demoKeyPolicy(DEMO_MANAGEMENT_ACCOUNT_ID, cloudTrailMayEncrypt([DEMO_MANAGEMENT_ACCOUNT_ID])),
      Tags: { Owner: 'security-team', Purpose: 'cloudtrail' },
    },
    {
      // security-insights-trail's key, in another account than the trail: not rotated.
      KeyId: '0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b',
      Region: 'eu-central-1',
      Description: 'Central CloudTrail key for the security account',
      CreationDate: '2026-03-02T14:40:09.007Z',
      Aliases: ['alias/central-trail-logs'],
      Policy: demoKeyPolicy(DEMO_MANAGEMENT_ACCOUNT_ID, cloudTrailMayEncrypt([DEMO_SECURITY_ACCOUNT_ID]), {
        Sid: 'Allow the security account to use the key',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${DEMO_SECURITY_ACCOUNT_ID}:root` },
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Resource: '*',
      }),
      Tags: { Owner: 'security-team' },
    },
    {
      KeyId: '9d4c1e07-3b2a-4c5d-8e6f-7a8b9c0d1e2f',
      Region: 'us-east-1',
      KeyManager: 'AWS',
      Description: 'Default key that protects my S3 objects when no other key is defined',
      CreationDate: '2024-05-20T10:00:00Z',
      Aliases: ['alias/aws/s3'],
    },
  ],
  [DEMO_WORKLOADS_ACCOUNT_ID]: [
    {
      KeyId: '2a7f4b1c-5d3e-4f60-a1b2-c3d4e5f60718',
      Region: 'us-west-2',
      Description: 'Application data',
      CreationDate: '2025-11-03T09:30:00Z',
      Aliases: ['alias/app-data'],
      Tags: { Team: 'platform', Environment: 'production' },
    },
    { KeyId: '3b8e5c2d-6e4f-4a71-b2c3-d4e5f6071829', Region: 'us-west-2', Description: 'Old batch jobs', KeyState: 'Disabled', CreationDate: '2023-02-11T16:05:27Z' },
    {
      KeyId: '4c9f6d3e-7f50-4b82-83d4-e5f60718293a',
      Region: 'eu-west-1',
      Description: 'Retired EU audit key',
      KeyState: 'PendingDeletion',
      DeletionDate: '2026-12-01T00:00:00Z',
      CreationDate: '2022-06-30T12:00:00Z',
      Aliases: ['alias/eu-legacy-audit'],
    },
    {
      KeyId: '5d0a7e4f-8061-4c93-94e5-f60718293a4b',
      Region: 'us-west-2',
      Description: 'Release signing',
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      CreationDate: '2025-01-15T11:11:11Z',
      Aliases: ['alias/release-signing'],
    },
    {
      KeyId: '6e1b8f50-9172-4da4-a5f6-0718293a4b5c',
      Region: 'us-west-2',
      KeyManager: 'AWS',
      Description: 'Default key that protects my EBS volumes when no other key is defined',
      CreationDate: '2024-08-08T08:08:08Z',
      Aliases: ['alias/aws/ebs'],
    },
  ],
  [DEMO_SECURITY_ACCOUNT_ID]: [
    {
      // Shared with everyone (Principal "*", no condition): a key policy the permissive-policy queries find.
      KeyId: 'mrk-7f2c9a0b1d3e4f5a6b7c8d9e0f1a2b3c',
      Region: 'eu-central-1',
      Description: 'Shared artifacts (multi-Region)',
      MultiRegion: true,
      CreationDate: '2026-01-20T07:45:00Z',
      RotationEnabled: true,
      Aliases: ['alias/shared-artifacts'],
      Policy: demoKeyPolicy(DEMO_SECURITY_ACCOUNT_ID, { Sid: 'Allow anyone to decrypt', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }),
      Tags: { DataClassification: 'public' },
    },
  ],
};
