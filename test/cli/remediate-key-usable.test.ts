// inventory remediate cloudtrail-kms-key-usable: a fix per key, never a call to AWS — the key's real policy with exactly
// CloudTrail's missing statements merged in, enable-key where the state is the fix, and what no command can fix named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { cloudTrailKeyAccess, cloudTrailKeyStatements } from '../../src/model/key-policy-access.js';
import { runCli } from '../support/cli.js';
import { kmsKeyRecord, syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const A = '111122223333';
const keyArn = (id: string) => `arn:aws:kms:us-east-1:${A}:key/${id}0000000-0000-4000-8000-000000000000`;
const trailArn = (name: string) => `arn:aws:cloudtrail:us-east-1:${A}:trail/${name}`;
const ROOT = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' };
const policy = (key: string, ...trails: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [ROOT, ...trails.flatMap((arn) => Object.values(cloudTrailKeyStatements({ arn }, key)))] });

describe('inventory remediate cloudtrail-kms-key-usable', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: A,
      region: 'us-east-1',
      trails: [
        trailRecord('usable', { trail: { KmsKeyId: keyArn('1') } }),
        trailRecord('disabled', { trail: { KmsKeyId: keyArn('2') } }),
        trailRecord('ungranted-a', { trail: { KmsKeyId: keyArn('3') } }),
        trailRecord('ungranted-b', { trail: { KmsKeyId: keyArn('3') } }),
        trailRecord('gone', { trail: { KmsKeyId: keyArn('4') } }),
      ],
    });
    const run = await temp.store.startSyncRun({ collector: KMS_KEY.collector, requestedRegions: ['us-east-1'] });
    await temp.store.recordAccount(run.id, KMS_KEY.collector, { accountId: A, status: 'ok', enabledRegions: ['us-east-1'] });
    const keys = [
      kmsKeyRecord(keyArn('1'), { policyDocument: policy(keyArn('1'), trailArn('usable')) }),
      kmsKeyRecord(keyArn('2'), { keyState: 'Disabled', policyDocument: policy(keyArn('2'), trailArn('disabled')) }),
      kmsKeyRecord(keyArn('3'), { policyDocument: policy(keyArn('3')) }),
    ];
    await temp.store.writeScope(run.id, { assetType: KMS_KEY.name, accountId: A, region: 'us-east-1', status: 'ok', assets: keys });
    await temp.store.finishSyncRun(run.id, 'succeeded');
  });
  afterAll(() => temp.cleanup());

  it('prints one fix per key in JSON: enable-key, the merged policy for both trails of a key, and what a missing key needs', async () => {
    const { code, stdout, stderr } = await runCli(['remediate', 'cloudtrail-kms-key-usable', '--db', temp.path, '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const fixes = JSON.parse(stdout) as { keyArn: string; trails: string[]; commands: string[]; policy: Record<string, unknown> | null; notes: string[] }[];
    expect(fixes.map((f) => f.keyArn)).toEqual([keyArn('2'), keyArn('3'), keyArn('4')]);
    const [disabled, ungranted, gone] = fixes;
    expect(disabled).toMatchObject({ trails: [trailArn('disabled')], commands: [`aws kms enable-key --key-id ${keyArn('2')} --region us-east-1`], policy: null });
    expect(ungranted!.trails).toEqual([trailArn('ungranted-a'), trailArn('ungranted-b')]);
    expect(ungranted!.commands).toEqual([
      `aws kms put-key-policy --key-id ${keyArn('3')} --policy-name default --policy file://key-policy-30000000-0000-4000-8000-000000000000.json --region us-east-1`,
    ]);
    // The policy put back grants CloudTrail for both trails, and keeps what the key's policy held.
    for (const name of ['ungranted-a', 'ungranted-b']) {
      const access = cloudTrailKeyAccess(JSON.stringify(ungranted!.policy), { arn: trailArn(name), sourceAccount: A }, keyArn('3'));
      expect([access.encrypt.decision, access.describe.decision]).toEqual(['allowed', 'allowed']);
    }
    expect((ungranted!.policy!.Statement as unknown[])[0]).toEqual(ROOT);
    // No stored key lets CloudTrail encrypt for this trail (the usable one's policy names another trail only): create one.
    expect(gone!.commands).toEqual([]);
    expect(gone!.notes).toEqual([
      'The key does not exist, or its account is not synced: point each trail at a usable key of its region instead.',
      `The inventory knows no usable key for ${trailArn('gone')} in us-east-1: create one (aws kms create-key), give it CloudTrail's statements, then aws cloudtrail update-trail --kms-key-id.`,
    ]);
  });

  it('prints the fixes as text, with the policy to save for put-key-policy', async () => {
    const { code, stdout } = await runCli(['remediate', 'cloudtrail-kms-key-usable', '--db', temp.path]);
    expect(code).toBe(1);
    expect(stdout).toContain('3 keys to fix. Nothing was run: this command never calls AWS.');
    expect(stdout).toContain(`=== Key 2 of 3: ${keyArn('3')}\n    for trails ${trailArn('ungranted-a')}, ${trailArn('ungranted-b')}`);
    expect(stdout).toContain(
      "--- Key policy: the key's current policy with CloudTrail's statements merged in; save it as key-policy-30000000-0000-4000-8000-000000000000.json",
    );
    expect(stdout).toContain('"Sid": "Allow CloudTrail to encrypt logs"');
  });
});
