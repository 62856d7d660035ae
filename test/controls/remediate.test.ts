// Remediation plans: the control's remediation filled from the failing asset, generically, never from AWS.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadCatalog, loadControl } from '../../src/controls/catalog.js';
import type { FailingAsset } from '../../src/controls/evaluate.js';
import { buildRemediationPlan, commandsIn, fillPlaceholders, placeholdersIn, placeholderValues, plansAsJson, snakeCase } from '../../src/controls/remediate.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import { tempDir } from '../support/store.js';

const api = createInventoryApi();
const kmsControl = loadCatalog(api).find((c) => c.id === 'cloudtrail-kms-encryption')!;
const ACCOUNT = '444455556666';
const TRAIL_ARN = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/eu-audit`;
const asset: FailingAsset = { id: TRAIL_ARN, name: 'eu-audit', assetType: 'Trail', accountId: ACCOUNT, region: 'eu-west-1' };
const stored = { id: TRAIL_ARN, arn: TRAIL_ARN, name: 'eu-audit', s3BucketName: 'acme-eu-logs', kmsKeyID: '', homeRegion: 'eu-west-1', isLogging: true };

/** A copy of the seed control with other fields, loaded as the catalog loads it. */
function controlWith(changes: Record<string, unknown>) {
  const dir = tempDir('controls-');
  const seed = parseYaml(readFileSync(join(CONTROLS_DIR, 'aws', 'cloudtrail-kms-encryption.yaml'), 'utf8')) as Record<string, unknown>;
  const file = join(dir, 'custom.yaml');
  writeFileSync(file, toYaml({ ...seed, id: 'custom', ...changes }));
  return loadControl(api, file, dir);
}

describe('the KMS control plan', () => {
  const plan = buildRemediationPlan(kmsControl, asset, stored);

  it('fills every placeholder but the key the user chooses, which stays marked', () => {
    expect(plan.fillIn).toEqual(['<kms_key_arn>']);
    const everything = [...plan.commands, JSON.stringify(plan.keyPolicyStatements), plan.terraform!].join('\n');
    expect(placeholdersIn(everything)).toEqual(['<kms_key_arn>']);
  });

  it('names the trail by ARN in the CLI commands, in its home region', () => {
    expect(plan.commands).toContain(`aws cloudtrail update-trail --name ${TRAIL_ARN} --region eu-west-1 --kms-key-id <kms_key_arn>`);
    expect(plan.commands).toContain(`aws cloudtrail describe-trails --trail-name-list ${TRAIL_ARN} --region eu-west-1 --query 'trailList[].KmsKeyId'`);
    expect(plan.commands).toContain('aws kms put-key-policy --key-id <kms_key_arn> --policy-name default --policy file://cloudtrail-key-policy.json --region eu-west-1');
    expect(plan.commands).toHaveLength(4);
    // The script keeps the YAML's comments, as written, and fills its commands.
    expect(plan.script).toContain('# 4. Turn on SSE-KMS for the trail.');
    expect(plan.script).toContain(`update-trail --name ${TRAIL_ARN} --region eu-west-1 \\\n  --kms-key-id <kms_key_arn>`);
  });

  it('gives the three key policy statements as JSON with the account id and the trail ARN', () => {
    const statements = JSON.parse(JSON.stringify(plan.keyPolicyStatements)) as any[];
    expect(statements.map((s) => s.Sid)).toEqual(['Allow CloudTrail to encrypt logs', 'Allow CloudTrail to describe key', 'Allow principals in the account to decrypt log files']);
    expect(statements[0].Condition.StringEquals['aws:SourceArn']).toBe(TRAIL_ARN);
    expect(statements[0].Condition.StringLike['kms:EncryptionContext:aws:cloudtrail:arn']).toBe(`arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`);
    expect(statements[1].Condition.StringEquals['aws:SourceArn']).toBe(TRAIL_ARN);
    expect(statements[2].Condition.StringEquals['kms:CallerAccount']).toBe(ACCOUNT);
  });

  it('fills the Terraform with the trail name, region, account and bucket', () => {
    expect(plan.terraform).toContain('account_id = "444455556666"');
    expect(plan.terraform).toContain('region     = "eu-west-1"');
    expect(plan.terraform).toContain('trail_name = "eu-audit"');
    expect(plan.terraform).toContain('s3_bucket_name                = "acme-eu-logs"');
    // Terraform's own interpolations are left alone.
    expect(plan.terraform).toContain('trail_arn = "arn:aws:cloudtrail:${local.region}:${local.account_id}:trail/${local.trail_name}"');
  });

  it('leaves an attribute it does not know as a placeholder to fill, and says so', () => {
    const bare = buildRemediationPlan(kmsControl, asset);
    expect(bare.fillIn).toEqual(['<kms_key_arn>', '<log_bucket_name>']);
    expect(bare.terraform).toContain('"<log_bucket_name>"');
  });

  it('serialises as one object per failing asset with asset, control, commands, statements and Terraform', () => {
    const [object] = JSON.parse(plansAsJson([plan])) as any[];
    expect(Object.keys(object)).toEqual(['asset', 'control', 'commands', 'keyPolicyStatements', 'terraform', 'fillIn']);
    expect(object.asset).toEqual(asset);
    expect(object.control).toEqual({ id: 'cloudtrail-kms-encryption', title: kmsControl.title, severity: 'medium' });
  });
});

describe('placeholder substitution', () => {
  it('is driven by the control file, for any placeholder the asset answers', () => {
    const control = controlWith({
      remediation: {
        console: 'Open the trail <asset_name> in <region>.',
        cli: 'aws cloudtrail get-trail --name <trail_name> --region <home_region>  # owner <account_id>\naws s3api get-bucket-policy --bucket <s3_bucket_name> --expected-bucket-owner <account_id>',
        keyPolicyStatements: '[{"Sid": "x", "Resource": "<trail_arn>", "Condition": {"StringEquals": {"aws:SourceAccount": "<account_id>"}}}]',
      },
    });
    const plan = buildRemediationPlan(control, asset, stored);
    expect(plan.commands).toEqual([
      `aws cloudtrail get-trail --name ${TRAIL_ARN} --region eu-west-1  # owner ${ACCOUNT}`,
      `aws s3api get-bucket-policy --bucket acme-eu-logs --expected-bucket-owner ${ACCOUNT}`,
    ]);
    expect(plan.keyPolicyStatements).toEqual([{ Sid: 'x', Resource: TRAIL_ARN, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }]);
    expect(plan.terraform).toBeNull();
    expect(plan.fillIn).toEqual([]);
  });

  it('keeps the statements valid JSON and the commands single shell words whatever the values hold', () => {
    const odd: FailingAsset = { ...asset, name: 'a "quoted" name', accountId: 'it\'s "odd"', id: 'id with space' };
    const plan = buildRemediationPlan(kmsControl, odd, {});
    const statements = plan.keyPolicyStatements as any[];
    expect(statements[2].Condition.StringEquals['kms:CallerAccount']).toBe('it\'s "odd"');
    expect(statements[0].Condition.StringEquals['aws:SourceArn']).toBe('arn:aws:cloudtrail:eu-west-1:it\'s "odd":trail/a "quoted" name');
    expect(plan.commands).toContain("aws cloudtrail update-trail --name 'id with space' --region eu-west-1 --kms-key-id <kms_key_arn>");
    expect(plan.terraform).toContain('trail_name = "a \\"quoted\\" name"');
  });

  it('fills only what it knows, from the asset before its stored attributes, ignoring empty values', () => {
    const values = placeholderValues(asset, { ...stored, region: 'elsewhere', snsTopicARN: 'arn:aws:sns:eu-west-1:1:t' });
    expect(values).toMatchObject({
      account_id: ACCOUNT, region: 'eu-west-1', home_region: 'eu-west-1', trail_name: 'eu-audit', trail_arn: TRAIL_ARN, asset_id: TRAIL_ARN,
      s3_bucket_name: 'acme-eu-logs', log_bucket_name: 'acme-eu-logs', sns_topic_arn: 'arn:aws:sns:eu-west-1:1:t',
    });
    expect(values).not.toHaveProperty('kms_key_id');
    expect(fillPlaceholders('<region> <unknown> <kms_key_id>', values)).toBe('eu-west-1 <unknown> <kms_key_id>');
  });

  it('reads snake_case names and commands the way the catalog writes them', () => {
    expect(['s3BucketName', 'snsTopicARN', 'kmsKeyID', 'homeRegion'].map(snakeCase)).toEqual(['s3_bucket_name', 'sns_topic_arn', 'kms_key_id', 'home_region']);
    expect(commandsIn('# a comment\n\naws one \\\n  --flag x\n  # between\naws two\n')).toEqual(['aws one --flag x', 'aws two']);
  });
});
