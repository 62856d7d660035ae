// `inventory check --exceptions <file>`, `remediate` with exceptions, and `inventory exceptions list`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { syncEachAccount } from '../support/aws.js';
import { runCli } from '../support/cli.js';
import { simAccount, simTrail, trailArn } from '../support/scenarios.js';
import { tempDir } from '../support/store.js';

const ONE = '210987654321';
const TWO = '345678901234';
const KMS = 'cloudtrail-kms-encryption';

describe('inventory check with exceptions', () => {
  let sim: Simulator;
  let dir: string;
  let db: string;
  const today = new Date().toISOString().slice(0, 10);
  const daysFromToday = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const exception = (asset: string, expires = daysFromToday(30)) => ({
    control: KMS,
    asset,
    owner: 'platform-team',
    reason: 'migration to a CMK planned',
    approver: 'security-lead',
    expires,
  });
  const file = (name: string, entries: unknown[]) => {
    const path = join(dir, name);
    writeFileSync(path, toYaml(entries));
    return path;
  };

  beforeAll(async () => {
    sim = await startSimulator({
      accounts: [simAccount(ONE, [simTrail('one-a', 'us-east-1')]), simAccount(TWO, [simTrail('two-a', 'us-east-1'), simTrail('two-b', 'eu-west-1')])],
    });
    dir = tempDir('check-exceptions-');
    db = join(dir, 'inventory.db');
    await syncEachAccount(db, sim);
  });
  afterAll(() => sim.close());

  it('exits 0 when every failing asset is excepted, and shows them', async () => {
    const all = file('all.yaml', [exception(trailArn(ONE, 'us-east-1', 'one-a')), exception(`arn:aws:cloudtrail:*:${TWO}:trail/*`)]);
    const { code, stdout } = await runCli(['check', '--db', db, '--exceptions', all, '--control', KMS]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^PASS {3}cloudtrail-kms-encryption /m);
    expect(stdout).toContain('3 assets fail, all excepted by an active exception');
    expect(stdout).toContain(`         ${trailArn(TWO, 'eu-west-1', 'two-b')}  (account ${TWO}, eu-west-1)  owner platform-team`);
    const json = await runCli(['check', '--db', db, '--format', 'json', '--control', KMS], { INVENTORY_EXCEPTIONS: all });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).verdicts[0]).toMatchObject({ verdict: 'PASS', failingAssets: [], expiredExceptions: [] });
    expect(JSON.parse(json.stdout).verdicts[0].exceptedAssets).toHaveLength(3);
    const plan = await runCli(['remediate', KMS, '--db', db, '--exceptions', all]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('nothing needs remediation');
  });

  it('exits 1 with the rest failing when some are excepted, and says an expired exception', async () => {
    const some = file('some.yaml', [exception(`arn:aws:cloudtrail:*:${TWO}:trail/*`), exception(trailArn(ONE, 'us-east-1', 'one-a'), daysFromToday(-1))]);
    const { code, stdout } = await runCli(['check', '--db', db, '--exceptions', some]);
    expect(code).toBe(1);
    expect(stdout).toContain('1 asset fails (and 2 more are excepted)');
    expect(stdout).toContain(
      `expired exceptions (no longer applied):\n         ${trailArn(ONE, 'us-east-1', 'one-a')}  owner platform-team, approved by security-lead, expired ${daysFromToday(-1)}`,
    );
    const plan = await runCli(['remediate', KMS, '--db', db, '--exceptions', some, '--format', 'json']);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(trailArn(ONE, 'us-east-1', 'one-a'));
    expect(plan.stdout).not.toContain(trailArn(TWO, 'us-east-1', 'two-a'));

    const list = await runCli(['exceptions', 'list', '--db', db, '--exceptions', some]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('active, expires in 30 days');
    expect(list.stdout).toContain('expired 1 day ago');
    expect(list.stdout).toContain('matches 2 assets in the inventory');
    const listed = JSON.parse((await runCli(['exceptions', 'list', '--db', db, '--exceptions', some, '--format', 'json'])).stdout);
    expect(listed.exceptions.map((e: { state: string; matchingAssets: string[] }) => [e.state, e.matchingAssets.length])).toEqual([
      ['active', 2],
      ['expired', 1],
    ]);
  });

  it("an account id as the asset excepts that account's assets, and exceptions list counts exactly those", async () => {
    const account = file('account.yaml', [exception(TWO)]);
    const { code, stdout } = await runCli(['check', '--db', db, '--no-record', '--exceptions', account, '--control', KMS, '--format', 'json']);
    expect(code).toBe(1);
    const [verdict] = JSON.parse(stdout).verdicts;
    expect(verdict.failingAssets.map((a: { id: string }) => a.id)).toEqual([trailArn(ONE, 'us-east-1', 'one-a')]);
    const excepted = verdict.exceptedAssets.map((a: { id: string }) => a.id).sort();
    expect(excepted).toEqual([trailArn(TWO, 'eu-west-1', 'two-b'), trailArn(TWO, 'us-east-1', 'two-a')]);
    const listed = JSON.parse((await runCli(['exceptions', 'list', '--db', db, '--exceptions', account, '--format', 'json'])).stdout);
    expect(listed.exceptions[0]).toMatchObject({ asset: TWO, state: 'active' });
    expect([...listed.exceptions[0].matchingAssets].sort()).toEqual(excepted);
  });

  it('exits 2 naming the file and the place for a broken exceptions file', async () => {
    const noOwner = file('no-owner.yaml', [exception(trailArn(ONE, 'us-east-1', 'one-a')), { ...exception(trailArn(ONE, 'us-east-1', 'one-a')), owner: undefined }]);
    const broken = await runCli(['check', '--db', db, '--exceptions', noOwner]);
    expect(broken.code).toBe(2);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toContain(`${noOwner}: [1].owner: expected an owner`);
    const tooLong = file('too-long.yaml', [exception(trailArn(ONE, 'us-east-1', 'one-a'), daysFromToday(40))]);
    expect((await runCli(['check', '--db', db, '--exceptions', tooLong, '--max-exception-days', '30'])).stderr).toContain('[0].expires: ');
    expect((await runCli(['remediate', KMS, '--db', db, '--exceptions', tooLong, '--max-exception-days', '30'])).code).toBe(2);
    // A pattern that pins neither the account nor the resource is refused as a bare * is: it would except everything.
    const everything = file('everything.yaml', [exception('arn:*:*:*:*:*')]);
    const refused = await runCli(['check', '--db', db, '--no-record', '--exceptions', everything]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${everything}: [0].asset: a pattern must pin the account`);
    const unknown = file('unknown.yaml', [{ ...exception(trailArn(ONE, 'us-east-1', 'one-a')), control: 'nope' }]);
    expect((await runCli(['exceptions', 'list', '--db', db, '--exceptions', unknown])).code).toBe(2);
    expect(readFileSync(unknown, 'utf8')).toContain('control: nope');
  });
});
