// S3 buckets, once per account: ListBuckets (every page) and S3 Control GetPublicAccessBlock for the account from the
// listing region, then per bucket GetBucketLocation and, in the bucket's own region, GetBucketAcl, GetBucketPolicy,
// GetBucketPolicyStatus, GetPublicAccessBlock, GetBucketLogging, GetBucketEncryption, GetBucketVersioning and
// GetBucketTagging. An answer that says a configuration is not set (NoSuchBucketPolicy, NoSuchTagSet, ...) is the empty
// value; any other failure for one bucket leaves the fields it feeds unknown (null) and is recorded on the bucket; only
// a failed ListBuckets fails the scope. How many calls run at once is the sync's limits' business, as for KMS keys.
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  paginateListBuckets,
  S3Client,
  type Bucket,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { BUCKET } from '../../../src/assets/bucket.js';
import type { CollectionError } from '../../../src/model/asset.js';
import {
  bucketArn,
  NO_PUBLIC_ACCESS_BLOCK,
  partitionOfRegion,
  publicAccessBlocked,
  regionOfLocation,
  type BucketACLGrant,
  type BucketRecord,
  type PublicAccessBlock,
} from '../../../src/model/bucket.js';
import { parseKeyPolicy, type KeyPolicy } from '../../../src/model/kms-key.js';
import type { ScopeResult } from '../../../src/model/scope.js';
import type { Collector, CollectorRun } from '../../collector.js';
import { describeAwsError } from '../errors.js';

/** The largest ListBuckets page (S3 API reference, MaxBuckets: 1 to 10,000), so an account takes as few calls as it can. */
export const S3_LIST_LIMITS: PageLimits = { ListBuckets: 10_000 };

export interface PageLimits {
  ListBuckets: number;
}

/** How the account-level call is named in a bucket's collectionErrors, apart from the bucket's own GetPublicAccessBlock. */
export const ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION = 'S3Control.GetPublicAccessBlock';

/** The order a bucket's collection errors are listed in, whatever order its calls finished in. */
const OPERATION_ORDER = [
  'GetBucketLocation',
  ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION,
  'GetBucketAcl',
  'GetBucketPolicy',
  'GetBucketPolicyStatus',
  'GetPublicAccessBlock',
  'GetBucketLogging',
  'GetBucketEncryption',
  'GetBucketVersioning',
  'GetBucketTagging',
];

/** The answers that mean "not configured" (S3 API reference, each operation's errors): the empty value, not a failure. */
const NOT_CONFIGURED: Readonly<Record<string, string>> = {
  GetBucketPolicy: 'NoSuchBucketPolicy',
  GetBucketPolicyStatus: 'NoSuchBucketPolicy',
  GetPublicAccessBlock: 'NoSuchPublicAccessBlockConfiguration',
  [ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION]: 'NoSuchPublicAccessBlockConfiguration',
  GetBucketEncryption: 'ServerSideEncryptionConfigurationNotFoundError',
  GetBucketTagging: 'NoSuchTagSet',
};

export const S3_BUCKETS_COLLECTOR: Collector<BucketRecord> = s3BucketsCollector();

/** The collector, with another page size (tests page through a few buckets). */
export function s3BucketsCollector(limits: PageLimits = S3_LIST_LIMITS): Collector<BucketRecord> {
  return { definition: BUCKET, collect: async (run) => [await collectAccount(run, limits)] };
}

/** A call's output, `NOT_SET` when S3 says the configuration is not set, or undefined when it failed (recorded). */
const NOT_SET = Symbol('not set');
type Answer<T> = T | typeof NOT_SET | undefined;

function attempter(errors: CollectionError[], vanished: { bucket: boolean }) {
  return async <T>(operation: string, call: () => Promise<T>): Promise<Answer<T>> => {
    try {
      return await call();
    } catch (error) {
      const { code, message } = describeAwsError(error);
      if (NOT_CONFIGURED[operation] === code) return NOT_SET;
      if (code === 'NoSuchBucket') vanished.bucket = true;
      errors.push({ operation, code, message });
      return undefined;
    }
  };
}

/** An output without the SDK's metadata, as raw keeps it. */
function rawOf(output: object): unknown {
  const { $metadata: _, ...rest } = output as { $metadata?: unknown };
  return rest;
}

async function collectAccount(run: CollectorRun, limits: PageLimits): Promise<ScopeResult<BucketRecord>> {
  const region = run.regions[0]!;
  const scope = { assetType: BUCKET.name, accountId: run.accountId, region };
  const s3 = run.clients.client(S3Client, region, 's3');
  const buckets: Bucket[] = [];
  try {
    for await (const page of paginateListBuckets({ client: s3, pageSize: limits.ListBuckets }, {})) buckets.push(...(page.Buckets ?? []));
  } catch (error) {
    return { ...scope, status: 'failed', error: describeAwsError(error), assets: [] };
  }
  const accountBlock = accountPublicAccessBlock(run, region);
  const records = await Promise.all(buckets.map((bucket) => collectBucket(run, region, s3, bucket, accountBlock)));
  // A bucket deleted between ListBuckets and its own calls (NoSuchBucket) no longer exists: it is left out.
  return { ...scope, status: 'ok', assets: records.filter((record): record is BucketRecord => record !== undefined) };
}

/** The account's Block Public Access (S3 Control, once per account); NoSuchPublicAccessBlockConfiguration is none set. */
async function accountPublicAccessBlock(run: CollectorRun, region: string): Promise<{ block: PublicAccessBlock; raw?: unknown } | { error: CollectionError }> {
  const control = run.clients.client(S3ControlClient, region, 's3control');
  try {
    const output = await control.send(new GetAccountPublicAccessBlockCommand({ AccountId: run.accountId }));
    return { block: blockOf(output.PublicAccessBlockConfiguration), raw: rawOf(output) };
  } catch (error) {
    const { code, message } = describeAwsError(error);
    if (code === NOT_CONFIGURED[ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION]) return { block: NO_PUBLIC_ACCESS_BLOCK };
    return { error: { operation: ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION, code, message } };
  }
}

function blockOf(configuration: PublicAccessBlockConfiguration | undefined): PublicAccessBlock {
  return {
    blockPublicAcls: configuration?.BlockPublicAcls ?? false,
    ignorePublicAcls: configuration?.IgnorePublicAcls ?? false,
    blockPublicPolicy: configuration?.BlockPublicPolicy ?? false,
    restrictPublicBuckets: configuration?.RestrictPublicBuckets ?? false,
  };
}

async function collectBucket(
  run: CollectorRun,
  listingRegion: string,
  s3: S3Client,
  listed: Bucket,
  accountBlockOf: ReturnType<typeof accountPublicAccessBlock>,
): Promise<BucketRecord | undefined> {
  const name = listed.Name ?? '';
  const Bucket = name;
  const errors: CollectionError[] = [];
  const vanished = { bucket: false };
  const attempt = attempter(errors, vanished);
  const raw: Record<string, unknown> = {};

  // Asked from the listing region, which answers for a bucket of any region; ListBuckets' own BucketRegion stands in
  // when it fails.
  const location = await attempt('GetBucketLocation', () => s3.send(new GetBucketLocationCommand({ Bucket })));
  if (vanished.bucket) return undefined;
  if (location !== undefined && location !== NOT_SET) raw.GetBucketLocation = rawOf(location);
  const region = location !== undefined && location !== NOT_SET ? regionOfLocation(location.LocationConstraint) : (listed.BucketRegion ?? '');

  const inRegion = region === '' ? undefined : run.clients.client(S3Client, region, 's3');
  const call = <T>(operation: string, send: (client: S3Client) => Promise<T>): Promise<Answer<T>> =>
    inRegion === undefined ? Promise.resolve(undefined) : attempt(operation, () => send(inRegion));
  const [acl, policy, policyStatus, block, logging, encryption, versioning, tagging, accountBlock] = await Promise.all([
    call('GetBucketAcl', (c) => c.send(new GetBucketAclCommand({ Bucket }))),
    call('GetBucketPolicy', (c) => c.send(new GetBucketPolicyCommand({ Bucket }))),
    call('GetBucketPolicyStatus', (c) => c.send(new GetBucketPolicyStatusCommand({ Bucket }))),
    call('GetPublicAccessBlock', (c) => c.send(new GetPublicAccessBlockCommand({ Bucket }))),
    call('GetBucketLogging', (c) => c.send(new GetBucketLoggingCommand({ Bucket }))),
    call('GetBucketEncryption', (c) => c.send(new GetBucketEncryptionCommand({ Bucket }))),
    call('GetBucketVersioning', (c) => c.send(new GetBucketVersioningCommand({ Bucket }))),
    call('GetBucketTagging', (c) => c.send(new GetBucketTaggingCommand({ Bucket }))),
    accountBlockOf,
  ]);
  if (vanished.bucket) return undefined;
  // Without a region, no per-bucket call could be made: each field is unknown, for the reason GetBucketLocation gave.
  const known = <T>(answer: Answer<T>, operation: string): answer is T | typeof NOT_SET => {
    if (answer !== undefined && answer !== NOT_SET) raw[operation] = rawOf(answer as object);
    return answer !== undefined;
  };

  const grants = known(acl, 'GetBucketAcl') && acl !== NOT_SET ? (acl.Grants ?? []).map(grantOf) : null;
  const aclOwnerID = known(acl, 'GetBucketAcl') && acl !== NOT_SET ? (acl.Owner?.ID ?? '') : null;

  let policyDocument: string | null = null;
  let bucketPolicy: KeyPolicy | null = null;
  if (policy === NOT_SET) {
    policyDocument = '';
    bucketPolicy = { statements: [] };
  } else if (policy !== undefined) {
    raw.GetBucketPolicy = { Policy: policy.Policy ?? '' };
    // Compact JSON, as KmsKey.policyDocument: the stored checks' patterns match `"Effect":"Allow"` without spaces.
    try {
      policyDocument = JSON.stringify(JSON.parse(policy.Policy ?? ''));
      bucketPolicy = parseKeyPolicy(policy.Policy ?? '');
    } catch (error) {
      policyDocument = policy.Policy ?? '';
      errors.push({ operation: 'GetBucketPolicy', code: 'MalformedPolicy', message: `the bucket policy is not a JSON policy: ${(error as Error).message}` });
    }
  }
  const policyIsPublic = policyStatus === NOT_SET ? false : known(policyStatus, 'GetBucketPolicyStatus') ? (policyStatus.PolicyStatus?.IsPublic ?? false) : null;

  const publicAccessBlock = block === NOT_SET ? NO_PUBLIC_ACCESS_BLOCK : known(block, 'GetPublicAccessBlock') ? blockOf(block.PublicAccessBlockConfiguration) : null;
  if ('error' in accountBlock) errors.push(accountBlock.error);
  else if (accountBlock.raw !== undefined) raw[ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION] = accountBlock.raw;
  const accountPublicAccessBlock = 'error' in accountBlock ? null : accountBlock.block;

  const loggingTarget = known(logging, 'GetBucketLogging') && logging !== NOT_SET ? (logging.LoggingEnabled ?? null) : undefined;
  const loggingKnown = loggingTarget !== undefined;

  const rule = encryption === NOT_SET ? undefined : known(encryption, 'GetBucketEncryption') ? encryption.ServerSideEncryptionConfiguration?.Rules?.[0] : undefined;
  const encryptionKnown = encryption === NOT_SET || encryption !== undefined;
  const byDefault = rule?.ApplyServerSideEncryptionByDefault;

  const versioningKnown = known(versioning, 'GetBucketVersioning') && versioning !== NOT_SET;
  const status = versioningKnown ? (versioning.Status ?? '') : null;

  const tags =
    tagging === NOT_SET ? [] : known(tagging, 'GetBucketTagging') ? (tagging.TagSet ?? []).map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' })) : null;
  tags?.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  errors.sort((a, b) => OPERATION_ORDER.indexOf(a.operation) - OPERATION_ORDER.indexOf(b.operation));
  return {
    arn: bucketArn(partitionOfRegion(listingRegion), name),
    name,
    accountId: run.accountId,
    region,
    tags,
    collectionErrors: errors,
    raw,
    creationDate: listed.CreationDate?.toISOString() ?? null,
    policyDocument,
    bucketPolicy,
    policyIsPublic,
    hasBucketACLGrant: grants,
    aclOwnerID,
    publicAccessBlock,
    accountPublicAccessBlock,
    publicAccessBlocked: publicAccessBlocked(publicAccessBlock, accountPublicAccessBlock),
    loggingEnabled: loggingKnown ? loggingTarget !== null : null,
    loggingTargetBucket: loggingKnown ? (loggingTarget?.TargetBucket ?? '') : null,
    loggingTargetPrefix: loggingKnown ? (loggingTarget?.TargetPrefix ?? '') : null,
    encrypted: encryptionKnown ? rule !== undefined : null,
    encryptionAlgorithm: encryptionKnown ? (byDefault?.SSEAlgorithm ?? '') : null,
    encryptionKeyID: encryptionKnown ? (byDefault?.KMSMasterKeyID ?? '') : null,
    bucketKeyEnabled: encryptionKnown ? (rule?.BucketKeyEnabled ?? false) : null,
    versioningStatus: status,
    versioningEnabled: status === null ? null : status === 'Enabled',
    bucketVersioningMFADelete: versioningKnown ? versioning.MFADelete === 'Enabled' : null,
  };
}

function grantOf(grant: { Grantee?: { Type?: string; URI?: string; ID?: string; DisplayName?: string }; Permission?: string }): BucketACLGrant {
  const type = grant.Grantee?.Type ?? '';
  return {
    granteeType: type,
    granteeURI: type === 'Group' ? (grant.Grantee?.URI ?? '') : '',
    granteeID: grant.Grantee?.ID ?? '',
    granteeDisplayName: grant.Grantee?.DisplayName ?? '',
    permission: grant.Permission ?? '',
  };
}
