// The fixes cloudtrail-kms-key-usable proposes per key: the real policy with exactly the missing CloudTrail statements
// merged in (which the evaluator then finds granting), enable-key and cancel-key-deletion where the state is the fix,
// and another usable key of the trail's region where the key cannot be fixed in place.
import { describe, expect, it } from 'vitest';
import { keyFixes, mergedPolicy, type StoredKey } from '../../src/controls/key-remediation.js';
import { cloudTrailKeyAccess, cloudTrailKeyStatements } from '../../src/model/key-policy-access.js';
import type { VerdictTrail } from '../../src/model/trail-key-verdict.js';

const A = '111122223333';
const keyArn = (id: string, region = 'us-east-1') => `arn:aws:kms:${region}:${A}:key/${id}0000000-0000-4000-8000-000000000000`;
const trail = (name: string, key: string, homeRegion = 'us-east-1'): VerdictTrail => ({
  arn: `arn:aws:cloudtrail:${homeRegion}:${A}:trail/${name}`,
  homeRegion,
  kmsKeyID: key,
});
const ROOT = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' };
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Id: 'key-default-1', Statement: [ROOT, ...statements] });
const grantsFor = (trailArn: string, key: string) => Object.values(cloudTrailKeyStatements({ arn: trailArn }, key));

function key(arn: string, changes: Partial<StoredKey> = {}): StoredKey {
  return {
    arn,
    region: arn.split(':')[3]!,
    managementType: 'CustomerManaged',
    keyState: 'Enabled',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    policyDocument: policy(),
    ...changes,
  };
}
const fixes = (trails: VerdictTrail[], keys: StoredKey[]) => keyFixes(trails, new Map(keys.map((k) => [k.arn, k])), keys);

describe('keyFixes', () => {
  it('merges exactly the missing statements into the real policy, once for all the trails of a key, so that CloudTrail is granted for each', () => {
    const k = keyArn('1');
    const [one, two] = [trail('one', k), trail('two', k)];
    const [fix] = fixes([one, two], [key(k)]);
    expect(fix!.trails).toEqual([one.arn, two.arn]);
    expect(fix!.commands).toEqual([
      `aws kms put-key-policy --key-id ${k} --policy-name default --policy file://key-policy-10000000-0000-4000-8000-000000000000.json --region us-east-1`,
    ]);
    const statements = fix!.policy!.Statement as { Sid: string; Condition?: { StringEquals?: Record<string, unknown> } }[];
    // The statements already there first, unchanged; then one encrypt and one describe statement naming both trails.
    expect(statements[0]).toEqual(ROOT);
    expect(statements.map((s) => s.Sid)).toEqual(['Enable IAM User Permissions', 'Allow CloudTrail to encrypt logs', 'Allow CloudTrail access']);
    expect(statements[1]!.Condition!.StringEquals!['aws:SourceArn']).toEqual([one.arn, two.arn]);
    expect(fix!.policy!.Id).toBe('key-default-1');
    for (const t of [one, two]) {
      const access = cloudTrailKeyAccess(JSON.stringify(fix!.policy), { arn: t.arn, sourceAccount: A }, k);
      expect([access.encrypt.decision, access.describe.decision], t.arn).toEqual(['allowed', 'allowed']);
    }
  });

  it('adds the statements for this trail beside those for another, under Sids the policy does not use yet', () => {
    const k = keyArn('2');
    const [fix] = fixes([trail('mine', k)], [key(k, { policyDocument: policy(...grantsFor(trail('theirs', k).arn, k)) })]);
    const sids = (fix!.policy!.Statement as { Sid: string }[]).map((s) => s.Sid);
    expect(sids).toEqual([
      'Enable IAM User Permissions',
      'Allow CloudTrail to encrypt logs',
      'Allow CloudTrail access',
      'Allow CloudTrail to encrypt logs 2',
      'Allow CloudTrail access 2',
    ]);
    expect(cloudTrailKeyAccess(JSON.stringify(fix!.policy), { arn: trail('mine', k).arn, sourceAccount: A }, k).encrypt.decision).toBe('allowed');
  });

  it('gives enable-key for a disabled key, cancel-key-deletion first for one pending deletion, and no policy when it already grants', () => {
    const d = keyArn('3');
    const p = keyArn('4');
    const [disabled, pending] = fixes(
      [trail('d', d), trail('p', p)],
      [
        key(d, { keyState: 'Disabled', policyDocument: policy(...grantsFor(trail('d', d).arn, d)) }),
        key(p, { keyState: 'PendingDeletion', policyDocument: policy(...grantsFor(trail('p', p).arn, p)) }),
      ],
    );
    expect(disabled).toMatchObject({ commands: [`aws kms enable-key --key-id ${d} --region us-east-1`], policy: null });
    expect(pending!.commands).toEqual([`aws kms cancel-key-deletion --key-id ${p} --region us-east-1`, `aws kms enable-key --key-id ${p} --region us-east-1`]);
  });

  it('points the trail at a usable key of its region where the key cannot be fixed in place, or says to create one', () => {
    const awsManaged = keyArn('5');
    const usable = keyArn('6');
    const t = trail('t', awsManaged);
    const [fix] = fixes([t], [key(awsManaged, { managementType: 'AWSManaged' }), key(usable, { policyDocument: policy(...grantsFor(t.arn, usable)) })]);
    expect(fix!.commands).toEqual([`aws cloudtrail update-trail --name ${t.arn} --kms-key-id ${usable} --region us-east-1`]);
    expect(fix!.policy).toBeNull();
    // A key of another region, and one that does not exist, with no usable key known.
    const far = keyArn('7', 'eu-west-1');
    const [elsewhere, missing] = fixes([trail('far', far), trail('gone', keyArn('8'))], [key(far)]);
    expect(elsewhere!.notes.join(' ')).toMatch(/The key is in eu-west-1/);
    expect(missing!.notes.join(' ')).toMatch(/^The key does not exist.*The inventory knows no usable key for .*create one/);
    expect(missing!.commands).toEqual([]);
  });

  it('does not pretend an added statement outweighs a Deny', () => {
    const k = keyArn('9');
    const deny = { Sid: 'NoCloudTrail', Effect: 'Deny', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:*', Resource: '*' };
    const [fix] = fixes([trail('t', k)], [key(k, { policyDocument: policy(deny, ...grantsFor(trail('t', k).arn, k)) })]);
    expect(fix!.policy).toBeNull();
    expect(fix!.notes.join(' ')).toMatch(/A Deny statement keeps CloudTrail from the key \(encrypt\)/);
  });

  it('merges into a policy whose Statement is one object, keeping it', () => {
    const single = JSON.stringify({ Statement: ROOT });
    const merged = mergedPolicy(single, [cloudTrailKeyStatements({ arn: trail('t', keyArn('1')).arn }, keyArn('1')).describe]);
    expect(merged.Statement).toEqual([ROOT, expect.objectContaining({ Action: 'kms:DescribeKey' })]);
  });
});
