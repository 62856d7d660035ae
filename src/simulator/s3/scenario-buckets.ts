// The S3 buckets of the demo and generated organizations (src/simulator/README.md, "S3"): every trail's S3BucketName
// names a bucket that exists, in the trail owner's account (the organization trail's in the management account), in
// the trail's home region, so that the trail–key verdicts read the same region as before buckets were collected. Some
// buckets are what CIS and Cyscale's checks ask for, others break them: public ACL or policy, no Block Public Access,
// no access logging, no default encryption, no versioning or MFA delete.
import { mulberry32 } from '../faults.js';
import type { SimAccount } from '../scenario.js';
import type { SimBucket, SimPublicAccessBlock } from './scenario.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const ALL_BLOCKED: SimPublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

/** What CloudTrail's bucket policy holds (CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail"), and the deny of plain HTTP CIS asks for. */
function trailBucketPolicy(bucket: string, accountId: string, denyHttp = true): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AWSCloudTrailAclCheck',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:GetBucketAcl',
          Resource: `arn:aws:s3:::${bucket}`,
        },
        {
          Sid: 'AWSCloudTrailWrite',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `arn:aws:s3:::${bucket}/AWSLogs/${accountId}/*`,
          Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
        },
        ...(denyHttp
          ? [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ]
          : []),
      ],
    },
    null,
    2,
  );
}

/** A bucket every check passes on. */
function compliantBucket(name: string, region: string, accountId: string, creationDate: string, logsTo: string): SimBucket {
  return {
    Name: name,
    Region: region,
    CreationDate: creationDate,
    Policy: trailBucketPolicy(name, accountId),
    PublicAccessBlock: ALL_BLOCKED,
    Logging: { TargetBucket: logsTo, TargetPrefix: `${name}/` },
    Encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: `arn:aws:kms:${region}:${accountId}:alias/s3-logs`, BucketKeyEnabled: true },
    Versioning: { Status: 'Enabled', MFADelete: 'Enabled' },
    Tags: { Purpose: 'cloudtrail-logs' },
  };
}

/**
 * A bucket open to everyone by ACL and policy, without logging, default encryption or versioning: readable by all, or
 * writable by every AWS user (AuthenticatedUsers WRITE).
 */
function publicBucket(name: string, region: string, creationDate: string, legacyEu = false, writable = false): SimBucket {
  return {
    Name: name,
    Region: region,
    ...(legacyEu ? { LocationConstraint: 'EU' as const } : {}),
    CreationDate: creationDate,
    Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${name}/*` }],
    }),
    PolicyIsPublic: true,
    Grants: [writable ? { Type: 'Group', URI: AUTHENTICATED_USERS, Permission: 'WRITE' } : { Type: 'Group', URI: ALL_USERS, Permission: 'READ' }],
  };
}

/** The demo organization's buckets and account-level Block Public Access, by account (src/simulator/scenarios/demo.ts). */
export function demoBuckets(accountId: string): Pick<SimAccount, 'Buckets' | 'PublicAccessBlock'> {
  switch (accountId) {
    case '111111111111':
      return {
        PublicAccessBlock: ALL_BLOCKED,
        Buckets: [
          compliantBucket('acme-org-cloudtrail-logs-111111111111', 'us-east-1', accountId, '2023-02-14T09:00:00Z', 'acme-s3-access-logs-111111111111'),
          {
            Name: 'acme-s3-access-logs-111111111111',
            Region: 'us-east-1',
            CreationDate: '2023-02-14T08:55:00Z',
            PublicAccessBlock: ALL_BLOCKED,
            Encryption: { SSEAlgorithm: 'AES256' },
            Versioning: { Status: 'Enabled' },
          },
        ],
      };
    case '222222222222':
      return {
        Buckets: [
          // Blocked and encrypted, but without access logging or MFA delete.
          {
            Name: 'acme-workloads-cloudtrail-222222222222',
            Region: 'us-west-2',
            CreationDate: '2025-04-17T12:00:00Z',
            Policy: trailBucketPolicy('acme-workloads-cloudtrail-222222222222', accountId),
            PublicAccessBlock: ALL_BLOCKED,
            Encryption: { SSEAlgorithm: 'AES256' },
            Versioning: { Status: 'Enabled', MFADelete: 'Disabled' },
          },
          // Made in eu-west-1 long ago (GetBucketLocation answers EU), and public.
          publicBucket('acme-eu-legacy-audit-logs', 'eu-west-1', '2016-03-02T10:00:00Z', true),
        ],
      };
    case '333333333333':
      return {
        PublicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false },
        Buckets: [
          compliantBucket('acme-security-cloudtrail-333333333333', 'eu-central-1', accountId, '2025-08-29T07:30:00Z', 'acme-security-cloudtrail-333333333333'),
          {
            Name: 'acme-app-data-events-333333333333',
            Region: 'us-east-1',
            CreationDate: '2026-09-22T15:00:00Z',
            Encryption: { SSEAlgorithm: 'AES256' },
            Versioning: { Status: 'Suspended' },
          },
          // Logged by the security trail's advanced selector (writes) and the app trail's basic selector (writes).
          {
            Name: 'acme-sensitive-data',
            Region: 'eu-central-1',
            CreationDate: '2025-01-10T00:00:00Z',
            PublicAccessBlock: ALL_BLOCKED,
            Encryption: { SSEAlgorithm: 'aws:kms' },
          },
          {
            Name: 'acme-app-uploads',
            Region: 'us-east-1',
            CreationDate: '2026-01-05T00:00:00Z',
            Encryption: { SSEAlgorithm: 'AES256' },
            Tags: { Application: 'acme-app' },
          },
        ],
      };
    default:
      return {};
  }
}

/**
 * Adds a generated organization's buckets to its accounts: the bucket each trail names, in the trail owner's account
 * and home region. In the order made, each fifth bucket is public (ACL and policy, nothing blocked, no logging,
 * encryption or versioning; readable by all, or writable by every AWS user, in turn), each fifth lacks access logging and MFA delete, each fifth lacks default encryption and
 * the deny of plain HTTP, and the others are compliant; about half the accounts without a public bucket block public
 * access at the account level. Creation dates come from a generator of their own, so the rest of the organization is
 * as it was.
 */
export function addOrganizationBuckets(accounts: SimAccount[], seed: number): void {
  const random = mulberry32(seed ^ 0x53334255);
  let made = 0;
  for (const account of accounts) {
    const buckets = new Map<string, SimBucket>();
    for (const trail of account.Trails) {
      if (buckets.has(trail.S3BucketName)) continue;
      const created = new Date(Date.UTC(2020, 0, 1) + Math.floor(random() * 1500) * 86_400_000).toISOString();
      const compliant = compliantBucket(trail.S3BucketName, trail.HomeRegion, account.Id, created, trail.S3BucketName);
      const kind = made % 5;
      made += 1;
      // Public buckets alternate: readable by everyone, then writable by every AWS user.
      if (kind === 1) buckets.set(trail.S3BucketName, publicBucket(trail.S3BucketName, trail.HomeRegion, created, false, made % 10 === 7));
      else if (kind === 2) {
        const { Logging: _, ...unlogged } = compliant;
        buckets.set(trail.S3BucketName, { ...unlogged, Versioning: { Status: 'Enabled', MFADelete: 'Disabled' } });
      } else if (kind === 3) {
        const { Encryption: _, ...unencrypted } = compliant;
        buckets.set(trail.S3BucketName, { ...unencrypted, Policy: trailBucketPolicy(trail.S3BucketName, account.Id, false) });
      } else buckets.set(trail.S3BucketName, compliant);
    }
    if (buckets.size === 0) continue;
    account.Buckets = [...buckets.values()];
    const hasPublic = account.Buckets.some((bucket) => bucket.Grants !== undefined);
    if (!hasPublic && random() < 0.5) account.PublicAccessBlock = ALL_BLOCKED;
  }
}
