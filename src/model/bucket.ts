// An S3 bucket as the inventory stores it: one record per bucket ARN. Field names follow Cyscale's control library
// where it names them (hasBucketACLGrant, granteeURI, policyDocument, bucketPolicy, publicAccessBlocked,
// loggingEnabled, encrypted, versioningEnabled, bucketVersioningMFADelete).
import type { CollectedAsset } from './asset.js';
import type { KeyPolicy } from './kms-key.js';

export const BUCKET_ASSET_TYPE = 'Bucket';

/** One grant of the bucket's ACL (GetBucketAcl), as Cyscale's `hasBucketACLGrant` names its members. */
export interface BucketACLGrant {
  /** CanonicalUser, AmazonCustomerByEmail or Group. */
  granteeType: string;
  /** The group's URI (`http://acs.amazonaws.com/groups/global/AllUsers`); "" for any other grantee. */
  granteeURI: string;
  /** The canonical user id; "" for a group or an e-mail grantee. */
  granteeID: string;
  granteeDisplayName: string;
  /** FULL_CONTROL, WRITE, WRITE_ACP, READ or READ_ACP. */
  permission: string;
}

/** The four Block Public Access settings, of a bucket or of its account. */
export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

/** What AWS applies when no configuration is set (NoSuchPublicAccessBlockConfiguration): nothing blocked. */
export const NO_PUBLIC_ACCESS_BLOCK: PublicAccessBlock = { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false };

/**
 * Strings AWS leaves out are ''; `null` means the call that feeds the attribute failed (collectionErrors says why), and
 * a value derived from several calls is null when any of them failed.
 */
export interface BucketRecord extends CollectedAsset {
  /** ListBuckets' CreationDate. */
  creationDate: string | null;

  // GetBucketPolicy, GetBucketPolicyStatus
  /** The bucket policy as compact JSON (as KmsKey.policyDocument); "" when the bucket has none. */
  policyDocument: string | null;
  /** The policy parsed as key policies are; an empty statement list when the bucket has none. */
  bucketPolicy: KeyPolicy | null;
  /** GetBucketPolicyStatus IsPublic; false when the bucket has no policy. */
  policyIsPublic: boolean | null;

  // GetBucketAcl
  hasBucketACLGrant: BucketACLGrant[] | null;
  aclOwnerID: string | null;

  // GetBucketPublicAccessBlock (bucket) and S3 Control GetPublicAccessBlock (account)
  publicAccessBlock: PublicAccessBlock | null;
  accountPublicAccessBlock: PublicAccessBlock | null;
  /** Each of the four settings on at the bucket or the account level (what S3 applies). */
  publicAccessBlocked: boolean | null;

  // GetBucketLogging
  loggingEnabled: boolean | null;
  loggingTargetBucket: string | null;
  loggingTargetPrefix: string | null;

  // GetBucketEncryption
  encrypted: boolean | null;
  /** AES256, aws:kms, aws:kms:dsse; "" when not encrypted. */
  encryptionAlgorithm: string | null;
  /** KMSMasterKeyID as configured (an ARN, key id or alias); "" when none. */
  encryptionKeyID: string | null;
  bucketKeyEnabled: boolean | null;

  // GetBucketVersioning
  /** "" (never enabled), Enabled or Suspended. */
  versioningStatus: string | null;
  versioningEnabled: boolean | null;
  /** MFADelete is Enabled. */
  bucketVersioningMFADelete: boolean | null;
}

/** The effective Block Public Access setting: every one of the four on at the bucket or the account level. */
export function publicAccessBlocked(bucket: PublicAccessBlock | null, account: PublicAccessBlock | null): boolean | null {
  if (bucket === null || account === null) return null;
  return (
    (bucket.blockPublicAcls || account.blockPublicAcls) &&
    (bucket.ignorePublicAcls || account.ignorePublicAcls) &&
    (bucket.blockPublicPolicy || account.blockPublicPolicy) &&
    (bucket.restrictPublicBuckets || account.restrictPublicBuckets)
  );
}

/** GetBucketLocation's LocationConstraint as a region: empty is us-east-1, the legacy EU is eu-west-1. */
export function regionOfLocation(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/** The partition of a region (ARNs are written in it): aws-cn for China, aws-us-gov for GovCloud, else aws. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A bucket's ARN: S3 bucket ARNs hold neither region nor account. */
export const bucketArn = (partition: string, name: string): string => `arn:${partition}:s3:::${name}`;
