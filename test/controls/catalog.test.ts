// The control catalog: the shipped seed control loads and validates; a broken control file is an error naming it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ControlLoadError, loadCatalog, loadControl } from '../../src/controls/catalog.js';
import { listsFailures, meets, parseExpectation } from '../../src/controls/expect.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import { tempDir } from '../support/store.js';

const api = createInventoryApi();
const SEED_FILE = join(CONTROLS_DIR, 'aws', 'cloudtrail-kms-encryption.yaml');
const seed = () => parseYaml(readFileSync(SEED_FILE, 'utf8')) as Record<string, unknown>;

/** Writes a control file (from an object or raw text) into a fresh catalog folder and loads that folder. */
function loadWith(content: Record<string, unknown> | string, fileName = 'cloudtrail-kms-encryption.yaml') {
  const dir = tempDir('controls-');
  mkdirSync(join(dir, 'aws'));
  writeFileSync(join(dir, 'aws', fileName), typeof content === 'string' ? content : toYaml(content));
  return () => loadCatalog(api, dir);
}

describe('the shipped catalog', () => {
  it('holds the seed KMS control, exactly as the benchmark states its check', () => {
    const catalog = loadCatalog(api);
    expect(catalog.map((c) => c.id)).toEqual([
      'cloudtrail-cloudwatch-logs',
      'cloudtrail-kms-encryption',
      'cloudtrail-kms-key-usable',
      'cloudtrail-log-file-validation',
      'cloudtrail-logging',
      'cloudtrail-multi-region-management-events',
      'config-recorder-all-regions',
      'kms-key-rotation',
      'monitoring-cloudtrail-configuration-changes',
      'monitoring-cmk-disable-or-scheduled-deletion',
      'monitoring-config-configuration-changes',
      'monitoring-console-authentication-failures',
      'monitoring-console-signin-without-mfa',
      'monitoring-iam-policy-changes',
      'monitoring-nacl-changes',
      'monitoring-network-gateway-changes',
      'monitoring-organizations-changes',
      'monitoring-root-account-usage',
      'monitoring-route-table-changes',
      'monitoring-s3-bucket-policy-changes',
      'monitoring-security-group-changes',
      'monitoring-unauthorized-api-calls',
      'monitoring-vpc-changes',
      's3-cloudtrail-bucket-access-logging',
      's3-cloudtrail-bucket-not-public',
      's3-object-level-logging-read',
      's3-object-level-logging-write',
      'vpc-flow-logs',
    ]);
    const control = catalog.find((c) => c.id === 'cloudtrail-kms-encryption');
    expect(control).toMatchObject({
      id: 'cloudtrail-kms-encryption',
      file: 'aws/cloudtrail-kms-encryption.yaml',
      title: 'CloudTrail logs are encrypted at rest using KMS CMKs',
      severity: 'medium',
      provider: 'aws',
      assetTypes: ['Trail'],
      expectation: { kind: 'eq', value: [] },
      rootField: 'trails',
    });
    expect(control!.query.trim()).toBe('trails(where:{kmsKeyID:""}){...AssetFragment}');
    expect(control!.references.cce).toEqual(['CCE-78919-8']);
    expect(control!.references.cis.map((r) => r.id)).toContain('3.7');
  });

  it('carries the remediation a user needs: the real CLI flag and the three key-policy statements', () => {
    const control = loadControl(api, SEED_FILE);
    expect(control.remediation.cli).toContain('aws cloudtrail update-trail --name <trail_name>');
    expect(control.remediation.cli).toContain('--kms-key-id <kms_key_arn>');
    expect(control.remediation.cli).toContain('aws kms put-key-policy');
    const statements = JSON.parse(control.remediation.keyPolicyStatements!) as { Action: string | string[] }[];
    expect(statements.map((s) => s.Action)).toEqual(['kms:GenerateDataKey*', 'kms:DescribeKey', ['kms:Decrypt', 'kms:ReEncryptFrom']]);
  });

  it('holds the key-usability control: the trails whose key cannot encrypt their logs fail, over every trail that names a key', () => {
    const control = loadCatalog(api).find((c) => c.id === 'cloudtrail-kms-key-usable')!;
    expect(control).toMatchObject({
      file: 'aws/cloudtrail-kms-key-usable.yaml',
      title: 'CloudTrail trails are encrypted with a KMS key that can encrypt their logs',
      severity: 'high',
      assetTypes: ['Trail', 'KmsKey'],
      expectation: { kind: 'eq', value: [] },
      rootField: 'trailsByKeyUsability',
    });
    expect(control.query.trim()).toBe('trailsByKeyUsability(verdict: UNUSABLE){...AssetFragment detail: kmsKeyUsable { reasons }}');
    expect(control.evaluates!.trim()).toBe('trails(where:{kmsKeyID_NOT:""}) { id accountId }');
    // The trails whose key the inventory cannot judge make it ERROR, never PASS.
    expect(control.undecided!.trim()).toBe('trailsByKeyUsability(verdict: UNKNOWN){...AssetFragment detail: kmsKeyUsable { reasons }}');
    expect(control.rules[0]!.undecidedRootField).toBe('trailsByKeyUsability');
    // No CIS recommendation checks the key behind a trail; the links are the AWS guides on CloudTrail's key policy.
    expect(control.references.cis).toEqual([]);
    expect(control.references.links).toContain('https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html');
    expect(control.remediation.cli).toContain('aws kms enable-key --key-id <kms_key_arn>');
    expect(control.remediation.cli).toContain('aws kms cancel-key-deletion --key-id <kms_key_arn>');
    expect(control.remediation.cli).toContain('aws kms put-key-policy --key-id <kms_key_arn> --policy-name default');
  });
});

describe('a broken control file', () => {
  const cases: [string, Record<string, unknown> | string, RegExp][] = [
    ['YAML that does not parse', 'id: [unclosed\n', /aws\/cloudtrail-kms-encryption\.yaml: not valid YAML/],
    ['a missing field', { ...seed(), rationale: undefined }, /aws\/cloudtrail-kms-encryption\.yaml: rationale: /],
    ['an unknown field', { ...seed(), sevrity: 'high' }, /Unrecognized key: "sevrity"/],
    ['an unknown severity', { ...seed(), severity: 'urgent' }, /severity: Invalid option/],
    ['an expectation it cannot read', { ...seed(), expect: 'equals []' }, /expect: cannot read "equals \[\]"; the forms are eq <json>/],
    ['an expectation that is not JSON', { ...seed(), expect: 'eq [' }, /expect: "\[" is not JSON/],
    ['a query that does not parse', { ...seed(), query: 'trails(where:{kmsKeyID:""}){' }, /query does not parse/],
    [
      'a query with an unknown field',
      { ...seed(), query: 'trails(where:{kmsKeyId:""}){...AssetFragment}' },
      /query does not validate against the schema: Field "kmsKeyId" is not defined by type "TrailWhere"/,
    ],
    ['a query with null in a filter', { ...seed(), query: 'trails(where:{kmsKeyID:null}){id}' }, /null is not a filter value/],
    ['a query with two root fields', { ...seed(), query: 'trails{id} apiVersion' }, /exactly one root field/],
    ['an undecided query that does not validate', { ...seed(), undecided: 'trails(where:{kmsKeyId:""}){id}' }, /undecided does not validate against the schema/],
    [
      'an undecided query that does not return assets',
      { ...seed(), undecided: 'syncRuns { id }' },
      /undecided must return assets: syncRuns returns SyncRun items, which have no accountId/,
    ],
    [
      'an undecided query that pages',
      { ...seed(), undecided: 'trails(options:{limit:5}){id}' },
      /undecided can never return an asset, so the control could pass on assets it cannot decide: options\.limit/,
    ],
    ['an unknown asset type', { ...seed(), assetTypes: ['ObjectContainer'] }, /unknown asset type "ObjectContainer"/],
    [
      'a query that pages',
      { ...seed(), query: 'trails(where:{kmsKeyID:""}, options:{limit:10}){id}' },
      /would pass by construction: options\.limit \(a check must see every asset\)/,
    ],
    [
      'a root list that pages',
      { ...seed(), query: 'accounts(where:{status:OK}, limit:1){ id accountId }' },
      /would pass by construction: accounts\(limit\) \(a check must see every asset\)/,
    ],
    [
      'a root list that skips',
      { ...seed(), query: 'trails(where:{kmsKeyID:""}){id}', evaluates: 'accounts(offset:1){ id accountId }' },
      /evaluates would leave assets out of the denominator: accounts\(offset\)/,
    ],
    ['a query with an empty OR', { ...seed(), query: 'trails(where:{OR:[]}){id}' }, /OR: \[\] matches nothing/],
    ['a query with an empty IN list', { ...seed(), query: 'trails(where:{kmsKeyID_IN:[]}){id}' }, /kmsKeyID_IN: \[\] matches nothing/],
    ['a query with NOT: {}', { ...seed(), query: 'trails(where:{AND:[{kmsKeyID:""},{NOT:{}}]}){id}' }, /NOT: \{\} matches nothing/],
    ['a query with variables', { ...seed(), query: 'trails(where:{kmsKeyID:$key}){id}' }, /Variable "\$key" is not defined/],
  ];
  it.each(cases)('is refused with the file named: %s', (_, content, message) => {
    const load = loadWith(content);
    expect(load).toThrow(ControlLoadError);
    expect(load).toThrow(message);
  });

  it('is refused when its file is not named after its id', () => {
    expect(loadWith(seed(), 'kms.yaml')).toThrow('aws/kms.yaml: the file must be named after the control id: cloudtrail-kms-encryption.yaml');
  });
});

describe('expectations', () => {
  it('compares JSON structurally', () => {
    expect(meets(parseExpectation('eq []'), [])).toBe(true);
    expect(meets(parseExpectation('eq []'), [{ id: 'x' }])).toBe(false);
    expect(meets(parseExpectation('eq []'), null)).toBe(false);
    expect(meets(parseExpectation('neq []'), [{ id: 'x' }])).toBe(true);
    expect(meets(parseExpectation(' eq {"a": [1, 2]} '), { a: [1, 2] })).toBe(true);
  });

  it('counts the items of a list: count == n, !=, >, >=, <, <=', () => {
    const three = [{}, {}, {}];
    const cases: [string, boolean][] = [
      ['count == 3', true],
      ['count==2', false],
      ['count != 3', false],
      ['count > 0', true],
      ['count > 3', false],
      ['count >= 3', true],
      ['count < 3', false],
      ['count <= 3', true],
      ['  count  <  4 ', true],
    ];
    for (const [source, expected] of cases) expect(meets(parseExpectation(source), three), source).toBe(expected);
    expect(parseExpectation('count > 0')).toEqual({ kind: 'count', operator: '>', value: 0, source: 'count > 0' });
    // Only a list can be counted.
    expect(meets(parseExpectation('count == 0'), null)).toBe(false);
    expect(meets(parseExpectation('count >= 0'), { a: 1 })).toBe(false);
  });

  it('says which expectations make what the query returns a failing asset', () => {
    for (const source of ['eq []', 'count == 0', 'count <= 0', 'count < 1']) expect(listsFailures(parseExpectation(source)), source).toBe(true);
    for (const source of ['count > 0', 'count >= 1', 'count == 2', 'neq []', 'eq [1]']) expect(listsFailures(parseExpectation(source)), source).toBe(false);
  });

  it.each([
    ['count > -1', /"-1" is not a whole number; the forms are eq <json> \(e\.g\. eq \[\]\), neq <json>, or count <op> <n>/],
    ['count > 1.5', /"1\.5" is not a whole number/],
    ['count => 1', /cannot read "count => 1"; the forms are/],
    ['count', /cannot read "count"/],
  ])('refuses %j with the forms it takes', (source, message) => {
    expect(() => parseExpectation(source)).toThrow(message);
  });
});
