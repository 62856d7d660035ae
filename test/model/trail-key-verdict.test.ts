// The verdict on a trail's KMS key, from stored data only: every way AWS documents a key failing CloudTrail gives
// UNUSABLE with its reason, what the inventory does not know gives UNKNOWN, and only a key that passes every check is USABLE.
import { describe, expect, it } from 'vitest';
import { cloudTrailKeyStatements } from '../../src/model/key-policy-access.js';
import { trailKeyVerdict, type VerdictKey, type VerdictTrail } from '../../src/model/trail-key-verdict.js';

const ACCOUNT = '111122223333';
const TRAIL: VerdictTrail = { arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/audit`, homeRegion: 'us-east-1', kmsKeyID: '' };
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const trail = { ...TRAIL, kmsKeyID: KEY_ARN };

/** The key policy with the root statement and the CloudTrail User Guide's statements for `forTrail`. */
function policyFor(forTrail: string, keyArn = KEY_ARN): string {
  const { encrypt, describe } = cloudTrailKeyStatements({ arn: forTrail }, keyArn);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
      encrypt,
      describe,
    ],
  });
}

const usableKey: VerdictKey = {
  arn: KEY_ARN,
  region: 'us-east-1',
  managementType: 'CustomerManaged',
  keyState: 'Enabled',
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  policyDocument: policyFor(TRAIL.arn),
};
const verdict = (key: Partial<VerdictKey> | undefined, keyScopeSynced = true, on = trail) =>
  trailKeyVerdict({ trail: on, key: key === undefined ? undefined : { ...usableKey, ...key }, keyScopeSynced });

describe('trailKeyVerdict', () => {
  it('is USABLE only for an enabled, customer managed, symmetric key in the region whose policy lets CloudTrail encrypt for the trail', () => {
    expect(verdict({})).toEqual({
      verdict: 'USABLE',
      keyArn: KEY_ARN,
      reasons: [],
      notes: ["the trail's home region (us-east-1) stands in for its bucket's region: the inventory does not hold the bucket (unnamed)"],
    });
    // A known bucket region replaces the stand-in.
    expect(trailKeyVerdict({ trail, key: usableKey, keyScopeSynced: true, bucketRegion: 'us-east-1' })?.notes).toEqual([]);
  });

  it('has no verdict for a trail that names no key (another control judges it)', () => {
    expect(trailKeyVerdict({ trail: TRAIL, key: undefined, keyScopeSynced: true })).toBeUndefined();
  });

  it('is UNUSABLE for each documented way a key fails CloudTrail, naming it', () => {
    const reasons = (key: Partial<VerdictKey>) => {
      const result = verdict(key)!;
      expect(result.verdict, JSON.stringify(key)).toBe('UNUSABLE');
      return result.reasons.join(' | ');
    };
    expect(reasons({ keyState: 'Disabled' })).toBe('the key is disabled (aws kms enable-key)');
    expect(reasons({ keyState: 'PendingDeletion' })).toBe('the key is pending deletion (aws kms cancel-key-deletion, then enable-key)');
    expect(reasons({ keyState: 'PendingImport' })).toMatch(/no key material/);
    expect(reasons({ managementType: 'AWSManaged' })).toMatch(/AWS managed/);
    expect(reasons({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' })).toBe(
      'the key is RSA_2048 for SIGN_VERIFY, not a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)',
    );
    // A policy for another trail only, and a policy without CloudTrail's statements.
    expect(reasons({ policyDocument: policyFor(`arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/other`) })).toMatch(
      /^the key policy does not let CloudTrail encrypt its logs \(kms:GenerateDataKey\*\) for this trail/,
    );
    expect(
      reasons({
        policyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] }),
      }),
    ).toMatch(/does not let CloudTrail encrypt its logs.*\| the key policy does not let CloudTrail describe the key/);
    // An explicit Deny for CloudTrail.
    const denied = JSON.parse(policyFor(TRAIL.arn)) as { Statement: object[] };
    denied.Statement.push({ Sid: 'NoCloudTrail', Effect: 'Deny', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:*', Resource: '*' });
    expect(reasons({ policyDocument: JSON.stringify(denied) })).toMatch(/^the key policy denies CloudTrail to encrypt its logs/);
    // Several failures are all said.
    expect(reasons({ keyState: 'Disabled', managementType: 'AWSManaged' }).split(' | ')).toHaveLength(2);
  });

  it('is UNUSABLE for a key in another region than the logs, saying what stood in for the bucket', () => {
    const elsewhere = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const result = trailKeyVerdict({
      trail: { ...TRAIL, kmsKeyID: elsewhere },
      key: { ...usableKey, arn: elsewhere, region: 'eu-west-1', policyDocument: policyFor(TRAIL.arn, elsewhere) },
      keyScopeSynced: true,
    });
    expect(result?.verdict).toBe('UNUSABLE');
    expect(result?.reasons).toEqual(["the key is in eu-west-1, the trail's home region in us-east-1"]);
  });

  it("judges the key's region against the bucket's when the inventory holds the bucket, whatever the trail's home region", () => {
    const elsewhere = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const keyThere = { ...usableKey, arn: elsewhere, region: 'eu-west-1', policyDocument: policyFor(TRAIL.arn, elsewhere) };
    const trailThere = { ...TRAIL, kmsKeyID: elsewhere, s3BucketName: 'audit-logs' };
    expect(trailKeyVerdict({ trail: trailThere, key: keyThere, keyScopeSynced: true, bucketRegion: 'eu-west-1' })).toEqual({
      verdict: 'USABLE',
      keyArn: elsewhere,
      reasons: [],
      notes: [],
    });
    expect(trailKeyVerdict({ trail: trailThere, key: keyThere, keyScopeSynced: true, bucketRegion: 'us-west-2' })?.reasons).toEqual([
      "the key is in eu-west-1, the trail's bucket in us-west-2",
    ]);
    expect(trailKeyVerdict({ trail: trailThere, key: keyThere, keyScopeSynced: true })).toMatchObject({
      verdict: 'UNUSABLE',
      notes: ["the trail's home region (us-east-1) stands in for its bucket's region: the inventory does not hold the bucket (audit-logs)"],
    });
  });

  it('is UNUSABLE for a key that does not exist where the inventory has synced, UNKNOWN where it has not', () => {
    expect(verdict(undefined, true)).toMatchObject({ verdict: 'UNUSABLE', reasons: [expect.stringMatching(/^the key does not exist/)] });
    expect(verdict(undefined, false)).toMatchObject({ verdict: 'UNKNOWN', reasons: [expect.stringMatching(/not synced/)] });
  });

  it('is UNKNOWN, never USABLE, where a call failed or the policy holds what cannot be judged; a known failure still wins', () => {
    for (const unknown of [{ keyState: null }, { managementType: null }, { keySpec: null }, { policyDocument: null }]) {
      expect(verdict(unknown)?.verdict, JSON.stringify(unknown)).toBe('UNKNOWN');
    }
    const withVariable = JSON.parse(policyFor(TRAIL.arn)) as { Statement: { Condition?: object }[] };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, which the policy holds as written
    withVariable.Statement[1]!.Condition = { StringEquals: { 'aws:SourceArn': '${aws:PrincipalTag/trail}' } };
    expect(verdict({ policyDocument: JSON.stringify(withVariable) })).toMatchObject({
      verdict: 'UNKNOWN',
      reasons: [expect.stringMatching(/^whether the key policy lets CloudTrail encrypt/)],
    });
    expect(verdict({ keyState: 'Disabled', policyDocument: null })).toMatchObject({
      verdict: 'UNUSABLE',
      reasons: ['the key is disabled (aws kms enable-key)', 'the key policy could not be read (GetKeyPolicy failed)'],
    });
  });

  it("judges an organization trail's key in a central account by the management account's trail", () => {
    const central = `arn:aws:kms:us-east-1:999988887777:key/abcd1234-12ab-34cd-56ef-1234567890ab`;
    const orgTrail = { arn: 'arn:aws:cloudtrail:us-east-1:555566667777:trail/org', homeRegion: 'us-east-1', kmsKeyID: central };
    const key = { ...usableKey, arn: central, policyDocument: policyFor(orgTrail.arn, central) };
    expect(trailKeyVerdict({ trail: orgTrail, key, keyScopeSynced: true })?.verdict).toBe('USABLE');
    expect(trailKeyVerdict({ trail: orgTrail, key: { ...key, policyDocument: policyFor(TRAIL.arn, central) }, keyScopeSynced: true })?.verdict).toBe('UNUSABLE');
  });
});
