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
import { trailRecord } from '../support/records.js';
import { tempDir } from '../support/store.js';

const api = createInventoryApi();
const kmsControl = loadCatalog(api).find((c) => c.id === 'cloudtrail-kms-encryption')!;
const ACCOUNT = '444455556666';
const TRAIL_ARN = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/eu-audit`;
const asset: FailingAsset = { id: TRAIL_ARN, name: 'eu-audit', assetType: 'Trail', accountId: ACCOUNT, region: 'eu-west-1' };
/** The trail as a sync stores it: unencrypted, every other attribute known. */
const stored = { ...trailRecord('eu-audit', { account: ACCOUNT, region: 'eu-west-1', trail: { S3BucketName: 'acme-eu-logs' } }), id: TRAIL_ARN };

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
    expect(statements.map((s) => s.Sid)).toEqual([
      'Allow CloudTrail to encrypt logs',
      'Allow CloudTrail to describe key',
      'Allow principals in the account to decrypt log files',
    ]);
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
    expect(bare.fillIn).toEqual([
      '<kms_key_arn>',
      '<log_bucket_name>',
      '<s3_key_prefix>',
      '<sns_topic_arn>',
      '<is_multi_region_trail>',
      '<is_organization_trail>',
      '<include_global_service_events>',
      '<log_file_validation_enabled>',
      '<is_logging>',
      '<cloud_watch_logs_log_group_arn>',
      '<cloud_watch_logs_role_arn>',
    ]);
    expect(bare.terraform).toContain('"<log_bucket_name>"');
    expect(bare.terraform).toContain('is_multi_region_trail         = <is_multi_region_trail>\n');
  });

  it('serialises as one object per failing asset with asset, control, commands, statements and Terraform', () => {
    const [object] = JSON.parse(plansAsJson([plan])) as any[];
    expect(Object.keys(object)).toEqual(['asset', 'control', 'commands', 'keyPolicyStatements', 'terraform', 'fillIn']);
    expect(object.asset).toEqual(asset);
    expect(object.control).toEqual({ id: 'cloudtrail-kms-encryption', title: kmsControl.title, severity: 'medium' });
  });
});

describe('the Terraform of a single-region trail', () => {
  const SNS = `arn:aws:sns:eu-west-1:${ACCOUNT}:trail-deliveries`;
  const LOG_GROUP = `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:trail-events:*`;
  const CW_ROLE = `arn:aws:iam::${ACCOUNT}:role/trail-to-cloudwatch`;
  const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  /** Everything the inventory knows false or set about the trail, as a sync stores it. */
  const singleRegion = (trail: Record<string, unknown>, status = { IsLogging: false }) =>
    trailRecord('eu-audit', {
      account: ACCOUNT,
      region: 'eu-west-1',
      trail: {
        S3BucketName: 'acme-eu-logs',
        S3KeyPrefix: 'audit/',
        SnsTopicName: SNS,
        SnsTopicARN: SNS,
        IsMultiRegionTrail: false,
        IncludeGlobalServiceEvents: false,
        LogFileValidationEnabled: false,
        IsOrganizationTrail: false,
        ...trail,
      },
      status,
    }) as unknown as Record<string, unknown>;
  const withCloudWatch = singleRegion({ CloudWatchLogsLogGroupArn: LOG_GROUP, CloudWatchLogsRoleArn: CW_ROLE });
  const encrypted = singleRegion({ KmsKeyId: KEY }, { IsLogging: true });

  /** The arguments of the plan's aws_cloudtrail resource, each as written. */
  function trailArguments(terraform: string): Record<string, string> {
    const body = terraform.match(/resource "aws_cloudtrail" "this" \{\n([\s\S]*?)\n {2}lifecycle/)![1]!;
    return Object.fromEntries(
      body
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => line.split(/\s+=\s+/).map((part) => part.trim()) as [string, string]),
    );
  }
  const known = {
    s3_bucket_name: '"acme-eu-logs"',
    s3_key_prefix: '"audit/"',
    sns_topic_name: `"${SNS}"`,
    is_multi_region_trail: 'false',
    is_organization_trail: 'false',
    include_global_service_events: 'false',
    enable_log_file_validation: 'false',
  };
  const plan = (id: string, attributes: Record<string, unknown>) => buildRemediationPlan(loadCatalog(api).find((c) => c.id === id)!, asset, attributes);

  it('keeps every setting the inventory knows and changes only what the control remediates', () => {
    expect(trailArguments(plan('cloudtrail-kms-encryption', withCloudWatch).terraform!)).toEqual({
      name: 'local.trail_name',
      ...known,
      enable_logging: 'false',
      kms_key_id: 'aws_kms_key.cloudtrail.arn',
      cloud_watch_logs_group_arn: `"${LOG_GROUP}"`,
      cloud_watch_logs_role_arn: `"${CW_ROLE}"`,
    });
    expect(trailArguments(plan('cloudtrail-log-file-validation', withCloudWatch).terraform!)).toEqual({
      name: '"eu-audit"',
      ...known,
      enable_log_file_validation: 'true',
      enable_logging: 'false',
      cloud_watch_logs_group_arn: `"${LOG_GROUP}"`,
      cloud_watch_logs_role_arn: `"${CW_ROLE}"`,
    });
    expect(trailArguments(plan('cloudtrail-logging', withCloudWatch).terraform!)).toEqual({
      name: '"eu-audit"',
      ...known,
      enable_logging: 'true',
      cloud_watch_logs_group_arn: `"${LOG_GROUP}"`,
      cloud_watch_logs_role_arn: `"${CW_ROLE}"`,
    });
    expect(trailArguments(plan('cloudtrail-cloudwatch-logs', encrypted).terraform!)).toEqual({
      name: '"eu-audit"',
      ...known,
      enable_logging: 'true',
      kms_key_id: `"${KEY}"`,
      cloud_watch_logs_group_arn: '"${aws_cloudwatch_log_group.cloudtrail.arn}:*"',
      cloud_watch_logs_role_arn: 'aws_iam_role.cloudtrail_to_cloudwatch.arn',
    });
  });

  it('imports the trail by its ARN and leaves its selectors and tags alone', () => {
    for (const id of ['cloudtrail-kms-encryption', 'cloudtrail-log-file-validation', 'cloudtrail-logging', 'cloudtrail-cloudwatch-logs']) {
      const { terraform, fillIn } = plan(id, withCloudWatch);
      expect(terraform).toContain(`import {\n  to = aws_cloudtrail.this\n  id = "${TRAIL_ARN}"\n}`);
      expect(terraform).toContain('ignore_changes = [event_selector, advanced_event_selector, insight_selector, tags]');
      // What is left to fill is only what the user chooses (a key, a log group and role name, a time), never the trail's settings.
      expect(fillIn.filter((p) => !['<kms_key_arn>', '<log_group_name>', '<role_name>', '<start_time>'].includes(p))).toEqual([]);
    }
  });

  it('leaves a setting to fill in when the inventory could not read it (the trail status)', () => {
    const unknownStatus = { ...withCloudWatch, isLogging: null };
    const { terraform, fillIn } = plan('cloudtrail-log-file-validation', unknownStatus);
    expect(trailArguments(terraform!).enable_logging).toBe('<is_logging>');
    expect(fillIn).toContain('<is_logging>');
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
      account_id: ACCOUNT,
      region: 'eu-west-1',
      home_region: 'eu-west-1',
      trail_name: 'eu-audit',
      trail_arn: TRAIL_ARN,
      asset_id: TRAIL_ARN,
      s3_bucket_name: 'acme-eu-logs',
      log_bucket_name: 'acme-eu-logs',
      sns_topic_arn: 'arn:aws:sns:eu-west-1:1:t',
    });
    expect(values).not.toHaveProperty('kms_key_id');
    expect(fillPlaceholders('<region> <unknown> <kms_key_id>', values)).toBe('eu-west-1 <unknown> <kms_key_id>');
  });

  it('reads snake_case names and commands the way the catalog writes them', () => {
    expect(['s3BucketName', 'snsTopicARN', 'kmsKeyID', 'homeRegion'].map(snakeCase)).toEqual(['s3_bucket_name', 'sns_topic_arn', 'kms_key_id', 'home_region']);
    expect(commandsIn('# a comment\n\naws one \\\n  --flag x\n  # between\naws two\n')).toEqual(['aws one --flag x', 'aws two']);
  });
});
