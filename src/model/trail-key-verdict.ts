// Whether a trail's KMS key can really protect its logs (README, KMS keys: "The key behind the trail"): AWS documents
// that CloudTrail fails to deliver logs when the key is disabled, pending deletion, not a symmetric encryption key, in
// another region than the bucket, or when its policy does not let CloudTrail encrypt for this trail. Every check reads
// stored data only; what the inventory does not know makes the verdict UNKNOWN, never USABLE.
import { parseArn } from './arn.js';
import { cloudTrailKeyAccess, type PolicyDecision } from './key-policy-access.js';
import type { KmsKeyRecord } from './kms-key.js';

export type KeyUsability = 'USABLE' | 'UNUSABLE' | 'UNKNOWN';

export interface TrailKeyVerdict {
  verdict: KeyUsability;
  /** The key the trail names (its kmsKeyID). */
  keyArn: string;
  /** Why the key cannot protect the logs (UNUSABLE), or what could not be known (UNKNOWN); [] when USABLE. */
  reasons: string[];
  /** What the verdict assumed, e.g. the trail's home region standing in for its bucket's. */
  notes: string[];
}

/** The trail's fields the verdict reads (s3BucketName names the bucket in notes). */
export type VerdictTrail = { arn: string; homeRegion: string; kmsKeyID: string; s3BucketName?: string };

/** The key's fields the verdict reads, as stored (null: the call that reads it failed). */
export type VerdictKey = Pick<KmsKeyRecord, 'arn' | 'region' | 'managementType' | 'keyState' | 'keySpec' | 'keyUsage' | 'policyDocument'>;

export interface TrailKeyFacts {
  trail: VerdictTrail;
  /** The live key whose ARN is the trail's kmsKeyID, wherever it is stored; undefined when the inventory has none. */
  key: VerdictKey | undefined;
  /** Whether the key's account and region are synced without a gap, so that a key missing there does not exist. */
  keyScopeSynced: boolean;
  /** The region of the trail's S3 bucket (Trail.s3Bucket), when the inventory holds it (undefined: the home region stands in). */
  bucketRegion?: string;
}

/** What a key state means for CloudTrail, and the fix; Enabled is the only usable one. */
const UNUSABLE_STATES: Readonly<Record<string, string>> = {
  Disabled: 'the key is disabled (aws kms enable-key)',
  PendingDeletion: 'the key is pending deletion (aws kms cancel-key-deletion, then enable-key)',
  PendingReplicaDeletion: 'the key is pending deletion with its replicas',
  PendingImport: 'the key has no key material (imported material never imported, or expired and deleted)',
  Unavailable: 'the key is unavailable (its custom key store is disconnected)',
  Creating: 'the key is still being created',
  Updating: 'the key is being updated',
};

/** The verdict on a trail's key; undefined for a trail that names no key (not encrypted with KMS: another control's). */
export function trailKeyVerdict({ trail, key, keyScopeSynced, bucketRegion }: TrailKeyFacts): TrailKeyVerdict | undefined {
  if (trail.kmsKeyID === '') return undefined;
  const keyArn = trail.kmsKeyID;
  const unusable: string[] = [];
  const unknown: string[] = [];
  const notes: string[] = [];
  let keyRegion: string | undefined;
  try {
    keyRegion = parseArn(keyArn).region;
  } catch {
    unknown.push(`kmsKeyID ${JSON.stringify(keyArn)} is not a key ARN`);
  }

  if (!key) {
    if (keyScopeSynced) unusable.push(`the key does not exist: its account and region are synced and hold no key ${keyArn}`);
    else unknown.push(`the key's account and region are not synced (or had a gap), so the key cannot be checked`);
    return verdictOf(keyArn, unusable, unknown, notes);
  }

  if (key.managementType === null) unknown.push('whether the key is customer managed is unknown (DescribeKey failed)');
  else if (key.managementType !== 'CustomerManaged') unusable.push('the key is AWS managed: its policy cannot carry the statements CloudTrail needs');

  if (key.keyState === null) unknown.push("the key's state is unknown (DescribeKey failed)");
  else if (key.keyState !== 'Enabled') unusable.push(UNUSABLE_STATES[key.keyState] ?? `the key is ${key.keyState}, not Enabled`);

  if (key.keySpec === null || key.keyUsage === null) unknown.push("the key's spec and usage are unknown (DescribeKey failed)");
  else if (key.keySpec !== 'SYMMETRIC_DEFAULT' || key.keyUsage !== 'ENCRYPT_DECRYPT') {
    unusable.push(`the key is ${key.keySpec} for ${key.keyUsage}, not a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)`);
  }

  // AWS: the key must be in the region of the bucket that receives the logs.
  const logsRegion = bucketRegion ?? trail.homeRegion;
  if (bucketRegion === undefined) {
    notes.push(
      `the trail's home region (${trail.homeRegion}) stands in for its bucket's region: the inventory does not hold the bucket (${trail.s3BucketName ?? 'unnamed'})`,
    );
  }
  if (keyRegion !== undefined && keyRegion !== logsRegion) {
    unusable.push(`the key is in ${keyRegion}, the ${bucketRegion === undefined ? "trail's home region" : "trail's bucket"} in ${logsRegion}`);
  }

  if (key.policyDocument === null) unknown.push('the key policy could not be read (GetKeyPolicy failed)');
  else {
    const access = cloudTrailKeyAccess(key.policyDocument, { arn: trail.arn, sourceAccount: parseArn(trail.arn).accountId }, key.arn);
    judgePolicy('encrypt its logs (kms:GenerateDataKey*)', access.encrypt, unusable, unknown);
    judgePolicy('describe the key (kms:DescribeKey)', access.describe, unusable, unknown);
  }
  return verdictOf(keyArn, unusable, unknown, notes);
}

function judgePolicy(what: string, decision: PolicyDecision, unusable: string[], unknown: string[]): void {
  const why = decision.reasons.length > 0 ? `: ${decision.reasons.join('; ')}` : '';
  if (decision.decision === 'denied') unusable.push(`the key policy denies CloudTrail to ${what} for this trail${why}`);
  else if (decision.decision === 'not-granted') unusable.push(`the key policy does not let CloudTrail ${what} for this trail${why}`);
  else if (decision.decision === 'unknown') unknown.push(`whether the key policy lets CloudTrail ${what} is unknown${why}`);
}

/** A known failure makes the verdict whatever else is unknown; else anything unknown keeps it from USABLE. */
function verdictOf(keyArn: string, unusable: string[], unknown: string[], notes: string[]): TrailKeyVerdict {
  if (unusable.length > 0) return { verdict: 'UNUSABLE', keyArn, reasons: [...unusable, ...unknown], notes };
  if (unknown.length > 0) return { verdict: 'UNKNOWN', keyArn, reasons: unknown, notes };
  return { verdict: 'USABLE', keyArn, reasons: [], notes };
}
