// A catalog in Cyscale's layout (controls/*.json, queries/*.json): its AWS rules run as our stored checks do, a control
// holds only when every rule does, and a rule the inventory cannot evaluate is reported as such, never as a PASS.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ASSET_TYPE_NAMES, ASSET_TYPES } from '../../src/assets/registry.js';
import { evaluateControls, type ControlVerdict } from '../../src/controls/evaluate.js';
import { verdictsAsJunit } from '../../src/controls/junit.js';
import { readControlCatalog } from '../../src/controls/load.js';
import { ocsfFindings } from '../../src/controls/ocsf.js';
import { verdictForAccount, verdictsAsText } from '../../src/controls/report.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { runInProcess } from '../support/cli.js';
import { syncRun, trailRecord } from '../support/records.js';
import { openTempSqliteStore, openTempStore, tempDir, type TempSqliteStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const LIBRARY = join(import.meta.dirname, '..', 'fixtures', 'cyscale');
const ONE = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${ONE}:key/k`;
const arn = (name: string) => `arn:aws:cloudtrail:us-east-1:${ONE}:trail/${name}`;

interface Rule {
  query: string;
  comparator?: string;
  expectedResult?: string;
  subjects?: string[];
  cloudProviders?: string[];
  applicableAssetsQuery?: string;
  returnPath?: string;
  isManual?: boolean;
}

/** A catalog folder in Cyscale's layout: controls by slug with their rules (queries named by slug), and the queries' text. */
function cyscaleCatalog(controls: Record<string, Rule[]>, queries: Record<string, string>, severity = 2): string {
  const dir = tempDir('cyscale-');
  mkdirSync(join(dir, 'controls'));
  mkdirSync(join(dir, 'queries'));
  for (const [slug, query] of Object.entries(queries)) writeFileSync(join(dir, 'queries', `${slug}.json`), JSON.stringify({ name: slug, slug, query }));
  for (const [slug, rules] of Object.entries(controls)) {
    const control = {
      name: `Control ${slug}`,
      slug,
      body: `What ${slug} checks. CCE-78919-8`,
      description: slug,
      severity,
      remediationDescription: 'Fix it in the console.',
      rules: rules.map((rule) => ({ cloudProviders: ['aws'], comparator: 'eq', expectedResult: '[]', subjects: ['Trail'], returnPath: '', ...rule })),
    };
    writeFileSync(join(dir, 'controls', `${slug}.json`), JSON.stringify(control, null, 2));
  }
  return dir;
}

/** Every AWS rule of the copied library's control files, by control slug. */
function libraryAwsRules(): { slug: string; enabled: boolean; rules: { subjects: string[]; query: string }[] }[] {
  return readdirSync(join(LIBRARY, 'controls')).map((file) => {
    const control = JSON.parse(readFileSync(join(LIBRARY, 'controls', file), 'utf8')) as {
      slug: string;
      isEnabled?: boolean;
      rules: { cloudProviders: string[]; subjects: string[]; query: string }[];
    };
    return { slug: control.slug, enabled: control.isEnabled !== false, rules: control.rules.filter((rule) => rule.cloudProviders.includes('aws')) };
  });
}

let temp: TempStore | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

/** One account, one region, synced: an encrypted multi-region trail, an unencrypted one, an encrypted one that stopped logging. */
async function trails() {
  temp = await openTempStore();
  await syncRun(temp.store, [
    {
      accountId: ONE,
      region: 'us-east-1',
      trails: [
        trailRecord('encrypted', { trail: { KmsKeyId: KEY, IsMultiRegionTrail: true } }),
        trailRecord('plain'),
        trailRecord('stopped', { trail: { KmsKeyId: KEY }, status: { IsLogging: false } }),
      ],
    },
  ]);
  return temp.store;
}

const byId = (verdicts: ControlVerdict[]) => new Map(verdicts.map((v) => [v.controlId, v]));

describe("Cyscale's control library, as copied", () => {
  const catalog = readControlCatalog(api, LIBRARY);
  const files = libraryAwsRules();

  it('loads whole: every control with an AWS rule, each AWS rule either evaluated or not evaluated with its reason', () => {
    expect(catalog.layout).toBe('cyscale');
    expect(files).toHaveLength(139);
    expect(files.flatMap((f) => f.rules)).toHaveLength(143);
    // The five the library disables are left out, and say so; every other control is in the catalog.
    expect(catalog.leftOut).toEqual(files.filter((f) => !f.enabled).map((f) => `controls/${f.slug}.json: left out: disabled in the library (isEnabled: false)`));
    expect(catalog.leftOut).toHaveLength(5);
    expect(catalog.controls).toHaveLength(134);
    const rules = catalog.controls.flatMap((c) => c.rules);
    const notEvaluated = catalog.controls.flatMap((c) => c.notEvaluated);
    expect(rules.length + notEvaluated.length).toBe(138);
    // Rules on asset types the inventory does not collect wait for them, whatever else changes.
    const waiting = notEvaluated.filter((r) => r.reason.startsWith('waits for asset type'));
    const uncollected = files
      .filter((f) => f.enabled)
      .flatMap((f) => f.rules)
      .filter((rule) => rule.subjects.some((s) => !['Connector', ...ASSET_TYPES.map((t) => t.internalAssetType)].includes(s)));
    expect(waiting).toHaveLength(uncollected.length);
    expect(waiting.length).toBeGreaterThan(80);
    // The named checks the schema does not have are refused by name, never run.
    for (const { reason } of notEvaluated.filter((r) => r.reason.startsWith('query uses root field'))) {
      expect(reason).toMatch(/^query uses root field \w+, which the inventory does not have \(queries\/.*\.json\)$/);
    }
    // AWSMonitoring is one the schema has: each monitoring rule runs.
    expect(catalog.controls.find((c) => c.id === 'aws-monitoring-1')!.rules).toHaveLength(1);
    // The KMS control this project started from runs, or (before operator filters are rewritten) says why it cannot.
    const kms = catalog.controls.find((c) => c.id === 'aws-logging-7')!;
    expect(kms).toMatchObject({ title: 'Ensure CloudTrail logs are encrypted at rest using KMS CMKs', severity: 'medium', file: 'controls/aws-logging-7.json' });
    expect(kms.references.cce).toEqual(['CCE-78919-8']);
    if (kms.rules.length === 1) expect(kms.rules[0]).toMatchObject({ assetTypes: ['Trail'], rootField: 'trails', expectation: { kind: 'eq', value: [] } });
    else
      expect(kms.notEvaluated).toEqual([
        { rule: 'rule 1 (aws-logging-7-cloudtrail-logs-are-encrypted-at-rest)', reason: expect.stringContaining('query does not validate') },
      ]);
    // Rules for other clouds are left out of their control and listed.
    expect(catalog.controls.find((c) => c.id === 'users-without-mfa')!.otherClouds).toContain('rule 2 (gcp-iam-users-no-mfa): for gcp');
  });

  it('never gives PASS to a control with a rule not evaluated, on a complete inventory', async () => {
    const store = await trails();
    const verdicts = await evaluateControls(api, store, catalog.controls);
    expect(verdicts).toHaveLength(134);
    const withWaiting = verdicts.filter((v) => (v.notEvaluated?.length ?? 0) > 0);
    expect(withWaiting.length).toBe(catalog.controls.filter((c) => c.notEvaluated.length > 0).length);
    for (const v of withWaiting) {
      expect(v.verdict, v.controlId).not.toBe('PASS');
      expect(v.rules!.filter((r) => r.verdict === 'NOT EVALUATED')).toEqual(v.notEvaluated!.map((r) => ({ ...r, verdict: 'NOT EVALUATED' })));
      for (const account of v.accounts ?? []) expect(account.verdict, `${v.controlId} ${account.accountId}`).not.toBe('PASS');
    }
    const certificates = byId(verdicts).get('aws-1-3-0-iam-19')!;
    expect(certificates).toMatchObject({
      verdict: 'ERROR',
      reason: expect.stringMatching(/^not evaluated: 1 of 1 rule cannot be evaluated on this inventory, so the control cannot pass: /),
    });
    expect(certificates.reason).toContain('waits for asset type IAMServerCertificate');
  });

  it('is listed by `inventory controls validate`, per control, evaluated or not and why (exit 0)', async () => {
    const { code, stdout } = await runInProcess(['controls', 'validate', LIBRARY]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^134 controls valid in \S+ \(Cyscale's layout\): \d+ AWS rules evaluated, \d+ not evaluated \(their controls are ERROR, never PASS\); 5 left out\n/,
    );
    expect(stdout).toMatch(
      /^ {2}aws-1-3-0-iam-19 {2}controls\/aws-1-3-0-iam-19\.json {2}NOT EVALUATED\n {4}rule 1 \(aws-1-3-0-iam-19-[a-z0-9-]+\) {2}NOT EVALUATED: waits for asset type IAMServerCertificate/m,
    );
    expect(stdout).toContain('    rule 2 (gcp-iam-users-no-mfa): for gcp: left out, not AWS\n');
    expect(stdout).toContain('left out:\n  controls/aws-access-analyzer-enabled.json: left out: disabled in the library (isEnabled: false)\n');
  });
});

describe("a small catalog in Cyscale's layout over known trails", () => {
  const unencrypted = 'trails(where:{kmsKeyID:""}){...AssetFragment}';
  const queries = {
    unencrypted,
    'no-log-validation': 'trails(where:{logFileValidationEnabled:false}){...AssetFragment}',
    'not-logging': 'trails(where:{isLogging:false}){...AssetFragment}',
    'multi-region': '{ trails(where:{isMultiRegionTrail:true}) { name } }',
    'encrypted-is-logging': `trail(id:"${arn('encrypted')}"){ isLogging }`,
    'stopped-is-logging': `{ trail(id:"${arn('stopped')}"){ isLogging } }`,
    'accounts-of-unencrypted': 'trails(where:{kmsKeyID:""}){ account { id accountId } }',
    'logging-trails-not-failed': 'trails(where:{ NOT: { id_IN: $failedAssetsIdentifiers }, isLogging: true }){...AssetFragment}',
    buckets: '{ objectContainers(where:{isPublic:true}) {...AssetFragment} }',
  };
  const controls = (): Record<string, Rule[]> => ({
    'log-validation': [{ query: 'no-log-validation' }],
    encryption: [{ query: 'unencrypted' }],
    'some-multi-region': [{ query: 'multi-region', comparator: 'neq' }],
    'encrypted-logs': [{ query: 'encrypted-is-logging', expectedResult: 'true', returnPath: 'isLogging' }],
    'stopped-logs': [{ query: 'stopped-is-logging', expectedResult: 'true', returnPath: 'isLogging' }],
    'stopped-not-logging': [{ query: 'stopped-is-logging', expectedResult: 'false', returnPath: 'isLogging' }],
    'validation-and-logging': [{ query: 'no-log-validation' }, { query: 'not-logging' }, { query: 'unencrypted', cloudProviders: ['gcp'] }],
    'validation-and-buckets': [{ query: 'no-log-validation' }, { query: 'buckets', subjects: ['ObjectContainer'] }],
    'account-level': [{ query: 'accounts-of-unencrypted', subjects: ['Connector'], returnPath: 'account' }],
    'applicable-by-slug': [{ query: 'unencrypted', applicableAssetsQuery: 'logging-trails-not-failed' }],
    'applicable-inline': [
      {
        query: 'unencrypted',
        applicableAssetsQuery:
          'query ($options: TrailOptions, $failedAssetsIdentifiers: [ID!]) {\n  trails(options: $options, where: { NOT: { id_IN: $failedAssetsIdentifiers }, isLogging: true }) {\n    ...AssetFragment\n  }\n}',
      },
    ],
    manual: [{ query: 'unencrypted', isManual: true }],
  });

  async function verdicts() {
    const store = await trails();
    const catalog = readControlCatalog(api, cyscaleCatalog(controls(), queries));
    return { catalog, verdicts: byId(await evaluateControls(api, store, catalog.controls)) };
  }

  it('gives PASS and FAIL as our stored checks do, naming the failing trails', async () => {
    const { verdicts: v } = await verdicts();
    expect(v.get('log-validation')).toMatchObject({ verdict: 'PASS', reason: 'the query result meets "eq []"', evaluatedCount: 3, severity: 'medium' });
    expect(v.get('encryption')).toMatchObject({ verdict: 'FAIL', reason: '1 asset fails; expected "eq []"', evaluatedCount: 3 });
    expect(v.get('encryption')!.failingAssets).toEqual([{ id: arn('plain'), name: 'plain', assetType: 'Trail', accountId: ONE, region: 'us-east-1' }]);
  });

  it('reads neq, and expectedResult true or false against the value returnPath leads to', async () => {
    const { verdicts: v } = await verdicts();
    expect(v.get('some-multi-region')).toMatchObject({ verdict: 'PASS', reason: 'the query result meets "neq []"', failingAssets: [] });
    expect(v.get('encrypted-logs')).toMatchObject({ verdict: 'PASS', reason: 'the query result meets "eq true"' });
    expect(v.get('stopped-logs')).toMatchObject({ verdict: 'FAIL', reason: 'the query returned false; expected "eq true"', failingAssets: [] });
    expect(v.get('stopped-not-logging')).toMatchObject({ verdict: 'PASS', reason: 'the query result meets "eq false"' });
  });

  it('fails a control of two rules when one fails, leaving the rule for another cloud out', async () => {
    const { catalog, verdicts: v } = await verdicts();
    expect(catalog.controls.find((c) => c.id === 'validation-and-logging')!.otherClouds).toEqual(['rule 3 (unencrypted): for gcp']);
    const both = v.get('validation-and-logging')!;
    expect(both).toMatchObject({
      verdict: 'FAIL',
      reason: '1 of 2 rules fails: rule 2 (not-logging): 1 asset fails; expected "eq []"',
      rules: [
        { rule: 'rule 1 (no-log-validation)', verdict: 'PASS', reason: 'the query result meets "eq []"' },
        { rule: 'rule 2 (not-logging)', verdict: 'FAIL', reason: '1 asset fails; expected "eq []"' },
      ],
      evaluatedCount: 3,
      accounts: [{ accountId: ONE, verdict: 'FAIL', evaluated: 3, failing: 1, excepted: 0, gaps: [] }],
    });
    expect(both.failingAssets.map((a) => a.id)).toEqual([arn('stopped')]);
    expect(verdictsAsText([both])).toContain(
      '       PASS           rule 1 (no-log-validation): the query result meets "eq []"\n       FAIL           rule 2 (not-logging): 1 asset fails; expected "eq []"\n',
    );
  });

  it('is ERROR, not PASS, when a rule waits for an asset type, though every rule it can run holds; in every format', async () => {
    const { catalog, verdicts: v } = await verdicts();
    expect(catalog.controls.find((c) => c.id === 'validation-and-buckets')!.notEvaluated).toEqual([
      { rule: 'rule 2 (buckets)', reason: `waits for asset type ObjectContainer (the inventory collects ${ASSET_TYPE_NAMES.join(', ')})` },
    ]);
    const waiting = v.get('validation-and-buckets')!;
    expect(waiting).toMatchObject({
      verdict: 'ERROR',
      reason: `not evaluated: 1 of 2 rules cannot be evaluated on this inventory, so the control cannot pass: rule 2 (buckets): waits for asset type ObjectContainer (the inventory collects ${ASSET_TYPE_NAMES.join(', ')})`,
      notEvaluated: [{ rule: 'rule 2 (buckets)', reason: `waits for asset type ObjectContainer (the inventory collects ${ASSET_TYPE_NAMES.join(', ')})` }],
      accounts: [{ accountId: ONE, verdict: 'ERROR', evaluated: 3, failing: 0 }],
    });
    expect(verdictsAsText([waiting])).toContain('       NOT EVALUATED  rule 2 (buckets): waits for asset type ObjectContainer');
    expect(verdictForAccount(waiting, ONE)).toMatchObject({
      verdict: 'ERROR',
      reason: expect.stringContaining(`filtered to account ${ONE}: not every rule could be evaluated: rule 2 (buckets)`),
    });
    expect(verdictsAsJunit([waiting], catalog.controls)).toContain('type="NOT EVALUATED"');
    const [finding] = ocsfFindings([waiting], catalog.controls, { product: { name: 'cloud-inventory', vendor_name: 'cloud-inventory', version: '0' } });
    expect(finding).toMatchObject({ compliance: { status: 'Warning' }, unmapped: { not_evaluated_rules: waiting.notEvaluated } });
    expect(v.get('manual')).toMatchObject({
      verdict: 'ERROR',
      notEvaluated: [{ rule: 'rule 1 (unencrypted)', reason: 'a manual rule: a person decides it, no query does' }],
    });
  });

  it('reports the asset returnPath leads to: an account, for a Connector rule', async () => {
    const { verdicts: v } = await verdicts();
    expect(v.get('account-level')).toMatchObject({
      verdict: 'FAIL',
      reason: '1 account fails; expected "eq []"',
      evaluatedUnit: 'account',
      failingAssets: [{ id: ONE, accountId: ONE, assetType: 'Account' }],
    });
  });

  it("counts an applicableAssetsQuery's assets, given $failedAssetsIdentifiers, with the failing ones as the denominator", async () => {
    const { verdicts: v } = await verdicts();
    // Not the three trails: the unencrypted one that fails, and the logging one that does not (the stopped trail is not applicable).
    for (const id of ['applicable-by-slug', 'applicable-inline']) {
      expect(v.get(id)!.reason, id).toBe('1 asset fails; expected "eq []"');
      expect(v.get(id), id).toMatchObject({ verdict: 'FAIL', evaluatedCount: 2, accounts: [{ accountId: ONE, verdict: 'FAIL', evaluated: 2, failing: 1 }] });
    }
  });
});

describe("a broken file in Cyscale's layout", () => {
  const load = (dir: string) => () => readControlCatalog(api, dir);

  it('is an error naming the file and what is wrong', () => {
    const bad = cyscaleCatalog({ good: [{ query: 'q' }], broken: [{ query: 'q' }] }, { q: 'trails{id}' });
    writeFileSync(join(bad, 'controls', 'broken.json'), '{ "name": "x", ');
    expect(load(bad)).toThrow(/^controls\/broken\.json: not valid JSON: /);

    expect(load(cyscaleCatalog({ missing: [{ query: 'q' }, { query: 'nowhere' }] }, { q: 'trails{id}' }))).toThrow(
      'controls/missing.json: rules[1].query: no query "nowhere" in queries/ (expected queries/nowhere.json)',
    );
    expect(load(cyscaleCatalog({ compares: [{ query: 'q', comparator: 'gt' }] }, { q: 'trails{id}' }))).toThrow(/^controls\/compares\.json: rules\.0\.comparator: /);
    expect(load(cyscaleCatalog({ expects: [{ query: 'q', expectedResult: '[1]' }] }, { q: 'trails{id}' }))).toThrow(
      /^controls\/expects\.json: rules\.0\.expectedResult: /,
    );
    expect(load(cyscaleCatalog({ parse: [{ query: 'q' }] }, { q: 'trails(where:{' }))).toThrow(/^queries\/q\.json: query does not parse: Syntax Error/);
    expect(load(cyscaleCatalog({ applicable: [{ query: 'q', applicableAssetsQuery: 'gone' }] }, { q: 'trails{id}' }))).toThrow(
      'controls/applicable.json: rules[0].applicableAssetsQuery: no query "gone" in queries/ (expected queries/gone.json)',
    );
  });

  it('makes `inventory controls validate` exit 2 naming it, and loses nothing of the files', async () => {
    const dir = cyscaleCatalog({ missing: [{ query: 'nowhere' }] }, { q: 'trails{id}' });
    const before = readFileSync(join(dir, 'controls', 'missing.json'), 'utf8');
    const { code, stderr } = await runInProcess(['controls', 'validate', dir]);
    expect(code).toBe(2);
    expect(stderr).toContain('controls/missing.json: rules[0].query: no query "nowhere" in queries/');
    expect(readFileSync(join(dir, 'controls', 'missing.json'), 'utf8')).toBe(before);
  });
});

describe("inventory check --controls <Cyscale's layout>", () => {
  let sqlite: TempSqliteStore | undefined;
  afterEach(async () => {
    await sqlite?.cleanup();
    sqlite = undefined;
  });

  it('exits 3 when a control cannot be evaluated and none fails, and says so in JSON', async () => {
    sqlite = openTempSqliteStore();
    await syncRun(sqlite.store, [{ accountId: ONE, region: 'us-east-1', trails: [trailRecord('encrypted', { trail: { KmsKeyId: KEY } })] }]);
    const dir = cyscaleCatalog(
      {
        encryption: [{ query: 'unencrypted' }],
        buckets: [{ query: 'buckets', subjects: ['ObjectContainer'] }],
      },
      { unencrypted: 'trails(where:{kmsKeyID:""}){...AssetFragment}', buckets: '{ objectContainers {...AssetFragment} }' },
    );
    const run = (...args: string[]) => runInProcess(['check', '--db', sqlite!.path, '--controls', dir, '--no-record', ...args]);
    const table = await run();
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(/^ERROR {2}buckets {2}Control buckets \(medium\)\n {7}not evaluated: 1 of 1 rule cannot be evaluated/m);
    expect(table.stdout).toMatch(/^PASS {3}encryption {2}/m);
    expect(table.stdout).toMatch(/2 controls: 1 pass, 0 fail, 1 error\n$/);
    const json = JSON.parse((await run('--format', 'json')).stdout) as { verdicts: ControlVerdict[] };
    expect(json.verdicts.find((v) => v.controlId === 'buckets')).toMatchObject({
      verdict: 'ERROR',
      notEvaluated: [{ rule: 'rule 1 (buckets)', reason: expect.stringMatching(/^waits for asset type ObjectContainer/) }],
      rules: [{ rule: 'rule 1 (buckets)', verdict: 'NOT EVALUATED' }],
    });
    // Only the controls that can be evaluated: PASS, exit 0.
    expect((await run('--control', 'encryption')).code).toBe(0);
  });
});
