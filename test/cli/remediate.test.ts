// inventory remediate: plans for exactly the failing assets on a trusted inventory, never on one that is not.
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { kmsKeyRecord, syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const KEY = { KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k' };
const arn = (name: string, region = 'us-east-1', account = ACCOUNT) => `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;

let temp: TempStore;
afterEach(async () => temp?.cleanup());

/** An inventory with two trails that fail (one in another account and region) and one that passes, closed for the CLI. */
async function failingInventory(): Promise<string> {
  temp = await openTempStore();
  await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('good', { trail: KEY }), trailRecord('plain')] });
  await syncScope(temp.store, { accountId: OTHER, region: 'eu-west-1', trails: [trailRecord('eu-audit', { account: OTHER, region: 'eu-west-1' })] });
  return temp.path;
}

describe('inventory remediate', () => {
  it('prints a JSON plan for exactly the failing trails, filled from each, and exits 1', async () => {
    const db = await failingInventory();
    const { code, stdout, stderr } = await runCli(['remediate', 'cloudtrail-kms-encryption', '--db', db, '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const plans = JSON.parse(stdout) as any[];
    expect(plans.map((p) => p.asset.id).sort()).toEqual([arn('eu-audit', 'eu-west-1', OTHER), arn('plain')].sort());
    for (const plan of plans) {
      const { id, accountId, region, name } = plan.asset;
      expect(plan.control).toEqual({ id: 'cloudtrail-kms-encryption', title: 'CloudTrail logs are encrypted at rest using KMS CMKs', severity: 'medium' });
      expect(plan.commands).toContain(`aws cloudtrail update-trail --name ${id} --region ${region} --kms-key-id <kms_key_arn>`);
      expect(plan.fillIn).toEqual(['<kms_key_arn>']);
      expect(JSON.stringify(plan.keyPolicyStatements)).not.toMatch(/<[a-z_]+>/);
      expect(plan.keyPolicyStatements).toHaveLength(3);
      expect(plan.keyPolicyStatements[0].Condition.StringEquals['aws:SourceArn']).toBe(id);
      expect(plan.keyPolicyStatements[2].Condition.StringEquals['kms:CallerAccount']).toBe(accountId);
      expect(plan.terraform).toContain(`trail_name = "${name}"`);
      expect(plan.terraform).toContain(`region     = "${region}"`);
      expect(plan.terraform).toContain(`s3_bucket_name                = "logs-${name}"`);
      expect(plan.terraform).not.toMatch(/<[a-z_]+>/);
    }
  });

  it("proposes a key of the trail's region that the inventory finds usable for it, and leaves the choice where it knows none", async () => {
    const db = await failingInventory();
    const usable = `arn:aws:kms:us-east-1:${ACCOUNT}:key/usable`;
    // The policy the CloudTrail console gives a new key: CloudTrail may encrypt for any trail of the account.
    const policy = JSON.stringify({
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'Allow CloudTrail to encrypt logs',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'kms:GenerateDataKey*',
          Resource: '*',
          Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` } },
        },
        { Sid: 'Allow CloudTrail to describe key', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:DescribeKey', Resource: '*' },
      ],
    });
    const run = await temp.store.startSyncRun({ collector: KMS_KEY.collector, requestedRegions: ['us-east-1'] });
    const keys = [
      kmsKeyRecord(usable, { policyDocument: policy }),
      kmsKeyRecord(`arn:aws:kms:us-east-1:${ACCOUNT}:key/disabled`, { keyState: 'Disabled', policyDocument: policy }),
    ];
    await temp.store.writeScope(run.id, { assetType: KMS_KEY.name, accountId: ACCOUNT, region: 'us-east-1', status: 'ok', assets: keys });
    await temp.store.finishSyncRun(run.id, 'succeeded');
    const { code, stdout } = await runCli(['remediate', 'cloudtrail-kms-encryption', '--db', db, '--format', 'json']);
    expect(code).toBe(1);
    const plans = Object.fromEntries((JSON.parse(stdout) as any[]).map((plan) => [plan.asset.id, plan]));
    expect(plans[arn('plain')].commands).toContain(`aws cloudtrail update-trail --name ${arn('plain')} --region us-east-1 --kms-key-id ${usable}`);
    expect(plans[arn('plain')].fillIn).toEqual([]);
    // Another account and region: no key known there.
    expect(plans[arn('eu-audit', 'eu-west-1', OTHER)].fillIn).toEqual(['<kms_key_arn>']);
  });

  it('prints the plans as text for a terminal, marking the key the user must choose', async () => {
    const db = await failingInventory();
    const { code, stdout } = await runCli(['remediate', 'cloudtrail-kms-encryption', '--db', db]);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL   cloudtrail-kms-encryption  CloudTrail logs are encrypted at rest using KMS CMKs (medium)\n       2 assets fail; expected "eq []"');
    expect(stdout).toContain('2 remediation plans. Nothing was run');
    expect(stdout).toContain(`=== Plan 1 of 2: Trail ${arn('eu-audit', 'eu-west-1', OTHER)}`);
    expect(stdout).toContain(`=== Plan 2 of 2: Trail ${arn('plain')}`);
    expect(stdout).not.toContain(arn('good'));
    expect(stdout).toContain('FILL IN before running: <kms_key_arn>');
    expect(stdout).toContain(`aws cloudtrail update-trail --name ${arn('plain')} --region us-east-1 \\\n  --kms-key-id <kms_key_arn>`);
    expect(stdout).toContain(`"aws:SourceArn": "${arn('plain')}"`);
    expect(stdout).toContain('--- Terraform');
  });

  it('says nothing needs remediation when the control passes, and exits 0', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('good', { trail: KEY })] });
    const text = await runCli(['remediate', 'cloudtrail-kms-encryption', '--db', temp.path]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('nothing needs remediation');
    const json = await runCli(['remediate', 'cloudtrail-kms-encryption', '--db', temp.path, '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('gives no plan on an inventory that was never synced: it says why and exits 3', async () => {
    temp = await openTempStore();
    for (const format of ['text', 'json']) {
      const { code, stdout, stderr } = await runCli(['remediate', 'cloudtrail-kms-encryption', '--db', temp.path, '--format', format]);
      expect(code).toBe(3);
      expect(stdout).toBe('');
      expect(stderr).toContain('inventory: cloudtrail-kms-encryption cannot be decided, so no remediation plan is given:');
      expect(stderr).toContain('Trail assets have never been synced');
    }
  });

  it('gives no plan when the latest sync failed in a region, even for the trails it did see', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('plain')] });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', status: 'failed', error: { code: 'AccessDeniedException', message: 'denied' }, trails: [] });
    const { code, stdout, stderr } = await runCli(['remediate', 'cloudtrail-kms-encryption', '--db', temp.path]);
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).not.toContain('update-trail');
  });

  it('refuses an unknown control id with exit 2, naming the known ones', async () => {
    temp = await openTempStore();
    const { code, stdout, stderr } = await runCli(['remediate', 'no-such-control', '--db', temp.path]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'inventory: unknown control "no-such-control" (known: cloudtrail-cloudwatch-logs, cloudtrail-kms-encryption, cloudtrail-kms-key-usable, cloudtrail-log-file-validation, cloudtrail-logging, cloudtrail-multi-region-management-events, config-recorder-all-regions, kms-key-rotation, monitoring-cloudtrail-configuration-changes, monitoring-cmk-disable-or-scheduled-deletion, monitoring-config-configuration-changes, monitoring-console-authentication-failures, monitoring-console-signin-without-mfa, monitoring-iam-policy-changes, monitoring-nacl-changes, monitoring-network-gateway-changes, monitoring-organizations-changes, monitoring-root-account-usage, monitoring-route-table-changes, monitoring-s3-bucket-policy-changes, monitoring-security-group-changes, monitoring-unauthorized-api-calls, monitoring-vpc-changes, s3-cloudtrail-bucket-access-logging, s3-cloudtrail-bucket-not-public, s3-object-level-logging-read, s3-object-level-logging-write, vpc-flow-logs)\n',
    );
  });

  it('is listed in the help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('remediate');
  });
});
