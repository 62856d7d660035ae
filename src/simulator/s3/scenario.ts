// The scenario's S3 data (src/simulator/README.md, "S3"): an account's buckets and its account-level Block Public
// Access settings. Members follow the S3 API's names; unset members take what S3 gives a bucket made by CreateBucket
// with no options, before 2023's defaults (no policy, no public access block, no logging, no default encryption,
// versioning never enabled, no tags).
import { createHash } from 'node:crypto';

/** One grant of a bucket ACL (GetBucketAcl's Grant). */
export interface SimBucketGrant {
  /** CanonicalUser (ID), AmazonCustomerByEmail (EmailAddress) or Group (URI). */
  Type: 'CanonicalUser' | 'AmazonCustomerByEmail' | 'Group';
  ID?: string;
  DisplayName?: string;
  EmailAddress?: string;
  URI?: string;
  Permission: 'FULL_CONTROL' | 'WRITE' | 'WRITE_ACP' | 'READ' | 'READ_ACP';
}

/** The four settings of a PublicAccessBlockConfiguration. */
export interface SimPublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface SimBucket {
  /** Globally unique, as S3's bucket names are. */
  Name: string;
  Region: string;
  /** What GetBucketLocation answers instead of the region: the legacy `EU` of buckets made in eu-west-1 long ago. */
  LocationConstraint?: 'EU';
  /** ISO-8601. */
  CreationDate: string;
  /** The policy document as PutBucketPolicy stored it (any spacing); absent: NoSuchBucketPolicy. */
  Policy?: string;
  /** GetBucketPolicyStatus IsPublic of the policy; default false. */
  PolicyIsPublic?: boolean;
  /** The ACL's grants besides the owner's FULL_CONTROL, which every bucket has unless `OwnerGrant` is false. */
  Grants?: SimBucketGrant[];
  OwnerGrant?: boolean;
  PublicAccessBlock?: SimPublicAccessBlock;
  Logging?: { TargetBucket: string; TargetPrefix?: string };
  Encryption?: { SSEAlgorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse'; KMSMasterKeyID?: string; BucketKeyEnabled?: boolean };
  Versioning?: { Status: 'Enabled' | 'Suspended'; MFADelete?: 'Enabled' | 'Disabled' };
  Tags?: Record<string, string>;
}

/** The canonical user id S3 gives an account (64 hex digits), derived from its id so a scenario needs none. */
export function canonicalUserId(accountId: string): string {
  return createHash('sha256').update(`canonical-user:${accountId}`).digest('hex');
}
