// `inventory check --format table|json|junit|ocsf` with --control, --severity and --account, as CI runs it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCSF_REQUIRED_FIELDS } from '../../src/controls/ocsf.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { syncEachAccount } from '../support/aws.js';
import { runCli } from '../support/cli.js';
import { kmsKey, simAccount, simTrail, trailArn } from '../support/scenarios.js';
import { tempDir } from '../support/store.js';

const ONE = '210987654321';
const TWO = '345678901234';
const CLEAN = '456789012345';
const KMS = 'cloudtrail-kms-encryption';
const MULTI = 'multi-region-logging';

describe('inventory check output formats and filters', () => {
  let sim: Simulator;
  let db: string;
  let controls: string;
  const check = (...args: string[]) => runCli(['check', '--db', db, '--controls', controls, ...args]);

  beforeAll(async () => {
    sim = await startSimulator({
      accounts: [
        simAccount(ONE, [simTrail('one-a', 'us-east-1', { IsMultiRegionTrail: true }), simTrail('one-b', 'eu-west-1')]),
        simAccount(TWO, [simTrail('two-a', 'us-east-1')]),
        simAccount(CLEAN, [simTrail('clean', 'us-east-1', { KmsKeyId: kmsKey(CLEAN, 'us-east-1') })]),
      ],
    });
    const dir = tempDir('check-formats-');
    db = join(dir, 'inventory.db');
    // The shipped control (medium) and a high one that passes: at least one logging multi-region trail.
    controls = join(dir, 'controls');
    mkdirSync(controls);
    const seed = readFileSync(join(CONTROLS_DIR, 'aws', `${KMS}.yaml`), 'utf8');
    writeFileSync(join(controls, `${KMS}.yaml`), seed);
    const multi = {
      ...(parseYaml(seed) as object),
      id: MULTI,
      title: 'A logging multi-region trail exists',
      severity: 'high',
      query: 'trails(where:{isMultiRegionTrail:true, isLogging:true}){...AssetFragment}',
      expect: 'count > 0',
    };
    writeFileSync(join(controls, `${MULTI}.yaml`), toYaml(multi));
    await syncEachAccount(db, sim);
  });
  afterAll(() => sim.close());

  const UNENCRYPTED = [trailArn(ONE, 'eu-west-1', 'one-b'), trailArn(ONE, 'us-east-1', 'one-a'), trailArn(TWO, 'us-east-1', 'two-a')];

  it('prints the table by default and exits 1 when a control fails', async () => {
    const { code, stdout } = await check();
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL {3}cloudtrail-kms-encryption {2}/m);
    expect(stdout).toMatch(/^PASS {3}multi-region-logging {2}/m);
    expect(stdout).toMatch(/2 controls: 1 pass, 1 fail, 0 error\n$/);
  });

  it('writes JUnit XML that a JUnit parser reads back with the counts and the failing ARNs', async () => {
    const { code, stdout } = await check('--format', 'junit');
    expect(code).toBe(1);
    expect(XMLValidator.validate(stdout)).toBe(true);
    const report = (await parseJunit(stdout)) as TestSuites;
    const suite = report.testsuite![0]!;
    expect(suite).toMatchObject({ name: 'cloud-inventory controls', tests: 2, failures: 1, errors: 0 });
    const [kms, multi] = suite.testcase!;
    expect(kms).toMatchObject({ classname: `aws.${KMS}`, name: 'CloudTrail logs are encrypted at rest using KMS CMKs' });
    expect(kms!.failure![0]!.message).toBe(`3 assets fail; expected "eq []"; failing: ${UNENCRYPTED.sort().join(', ')}`);
    expect(multi).toMatchObject({ classname: `aws.${MULTI}` });
    expect(multi!.failure).toBeUndefined();
  });

  it('writes OCSF Compliance Findings: one per failing asset, one for the passing control, each with the required fields', async () => {
    const { code, stdout } = await check('--format', 'ocsf');
    expect(code).toBe(1);
    const findings = JSON.parse(stdout) as Record<string, any>[];
    expect(findings.map((f) => [f.compliance.control, f.compliance.status, f.resources.map((r: { uid: string }) => r.uid)])).toEqual([
      ...UNENCRYPTED.sort().map((arn) => [KMS, 'Fail', [arn]]),
      [MULTI, 'Pass', []],
    ]);
    for (const f of findings) {
      expect(f).toMatchObject({
        class_uid: 2003,
        category_uid: 2,
        activity_id: 1,
        type_uid: 200301,
        metadata: { version: '1.3.0', product: { name: 'cloud-inventory' } },
      });
      for (const [path] of OCSF_REQUIRED_FIELDS)
        expect(
          path.split('.').reduce((v, k) => v?.[k], f),
          path,
        ).toBeDefined();
    }
    expect(findings[2]!.cloud).toEqual({ provider: 'AWS', account: { uid: TWO, type: 'AWS Account', type_id: 10 }, region: 'us-east-1' });
  });

  it('shows only the controls asked for, by id or comma list, or by severity and above, with the exit code over those', async () => {
    const high = await check('--severity', 'high', '--format', 'json');
    expect(JSON.parse(high.stdout).verdicts.map((v: { controlId: string }) => v.controlId)).toEqual([MULTI]);
    expect(high.code).toBe(0);
    const byId = await check('--control', MULTI, '--format', 'json');
    expect(JSON.parse(byId.stdout).verdicts.map((v: { controlId: string }) => v.controlId)).toEqual([MULTI]);
    expect(byId.code).toBe(0);
    const both = await check('--control', `${MULTI},${KMS}`, '--format', 'json');
    expect(JSON.parse(both.stdout).verdicts).toHaveLength(2);
    const repeated = await check('--control', KMS, '--control', MULTI, '--severity', 'medium', '--format', 'junit');
    expect(repeated.code).toBe(1);
    expect(await parseJunit(repeated.stdout)).toMatchObject({ tests: 2, failures: 1 });
  });

  it('exits 2 naming the known ids for an unknown control id', async () => {
    const { code, stdout, stderr } = await check('--control', `${KMS},no-such-control`);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`unknown control id "no-such-control" (known: ${KMS}, ${MULTI})`);
    expect((await check('--severity', 'severe')).code).toBe(2);
    expect((await check('--format', 'xml')).code).toBe(2);
    expect((await check('--account', 'not-an-account')).code).toBe(2);
  });

  it('gives no verdict for an account the inventory never saw: every control ERROR (exit 3) naming it; a malformed id is exit 2', async () => {
    const unseen = await check('--account', '999999999999', '--no-record', '--format', 'json');
    expect(unseen.code).toBe(3);
    const verdicts = JSON.parse(unseen.stdout).verdicts as { verdict: string; reason: string; failingAssets: unknown[]; evaluatedCount: number }[];
    expect(verdicts).toHaveLength(2);
    for (const v of verdicts) {
      expect(v).toMatchObject({ verdict: 'ERROR', failingAssets: [], evaluatedCount: 0 });
      expect(v.reason).toContain('account 999999999999 was never synced');
      expect(v.reason).toContain(`it covers 3 accounts: ${[ONE, TWO, CLEAN].sort().join(', ')}`);
    }
    const table = await check('--account', '999999999999', '--no-record');
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(/2 controls: 0 pass, 0 fail, 2 error\n$/);
    for (const malformed of ['99999999999', '9999999999999', '99999999999a']) {
      const bad = await check('--account', malformed, '--no-record');
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toContain(`'${malformed}' is invalid. expected a 12-digit AWS account id`);
    }
  });

  it('gives each verdict for one account with --account: its own failing assets only, and says it is filtered', async () => {
    const two = await check('--account', TWO, '--format', 'json');
    expect(two.code).toBe(1);
    const [kms, multi] = JSON.parse(two.stdout).verdicts;
    expect(kms).toMatchObject({ verdict: 'FAIL', failingAssets: [{ id: trailArn(TWO, 'us-east-1', 'two-a'), accountId: TWO }] });
    expect(kms.reason).toMatch(new RegExp(`^filtered to account ${TWO}: 1 of the 3 failing assets are in it`));
    expect(multi.verdict).toBe('PASS');
    expect(multi.reason).toMatch(new RegExp(`^filtered to account ${TWO}: `));

    const clean = await check('--account', CLEAN, '--format', 'ocsf');
    expect(clean.code).toBe(0);
    const findings = JSON.parse(clean.stdout) as Record<string, any>[];
    expect(findings.map((f) => [f.compliance.control, f.compliance.status])).toEqual([
      [KMS, 'Pass'],
      [MULTI, 'Pass'],
    ]);
    expect(findings[0]!.compliance.status_detail).toMatch(
      new RegExp(`^filtered to account ${CLEAN}: none of its 1 evaluated asset fails, and its inventory is complete \\(whole inventory: FAIL, 3 assets fail`),
    );
  });
});
