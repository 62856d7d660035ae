// A known failure is not hidden behind ERROR: after a sync of 3 of an account's enabled regions, the unencrypted trails
// found there make the KMS control FAIL (exit 1), listing them and the regions never synced; ERROR stays for a
// control with no failure known on that incomplete inventory. Through the CLI, in every output format.
import { join } from 'node:path';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, stubAwsEnv } from '../support/aws.js';
import { runCli } from '../support/cli.js';
import { kmsKey, simAccount, simTrail, trailArn } from '../support/scenarios.js';
import { tempDir } from '../support/store.js';

const PARTIAL = '210987654321';
const GAPPY = '345678901234';
const CLEAN = '456789012345';
const SYNCED = ['us-east-1', 'eu-west-1', 'eu-central-1'];
const KMS = 'cloudtrail-kms-encryption';
const LOGGING = 'cloudtrail-logging';

/** Several CLI processes per test: a safety net for a loaded machine, not a target. */
const CLI_TESTS_MS = 180_000;

describe('a known failure on an incomplete inventory', () => {
  let sim: Simulator;
  let db: string;
  let enabled: number;
  const check = (...args: string[]) => runCli(['check', '--db', db, '--no-record', ...args]);

  beforeAll(async () => {
    sim = await startSimulator({
      accounts: [
        simAccount(PARTIAL, [
          simTrail('plain-east', 'us-east-1', { IsMultiRegionTrail: true }),
          simTrail('plain-west', 'eu-west-1'),
          // In a region no sync read: the inventory cannot know it.
          simTrail('plain-tokyo', 'ap-northeast-1'),
          simTrail('sealed', 'us-east-1', { KmsKeyId: kmsKey(PARTIAL, 'us-east-1') }),
        ]),
        simAccount(GAPPY, [simTrail('sealed-gappy', 'eu-west-1', { KmsKeyId: kmsKey(GAPPY, 'eu-west-1') })]),
        simAccount(CLEAN, [simTrail('sealed-clean', 'us-east-1', { KmsKeyId: kmsKey(CLEAN, 'us-east-1') })]),
      ],
    });
    stubAwsEnv(sim);
    db = join(tempDir('known-failures-'), 'inventory.db');
    const store = SqliteStore.open(db);
    try {
      await syncInventory(store, { accounts: accountTargets(sim.scenario, [PARTIAL, GAPPY]), regions: SYNCED, log: silentLogger, maxAttempts: 1 });
      await syncInventory(store, { accounts: accountTargets(sim.scenario, [CLEAN]), log: silentLogger, maxAttempts: 1 });
      enabled = (await store.accountCoverage('aws.cloudtrail.trails')).find((a) => a.accountId === PARTIAL)!.enabledRegions!.length;
    } finally {
      await store.close();
    }
    expect(enabled).toBeGreaterThan(SYNCED.length);
  });
  afterAll(() => sim.close());

  const KNOWN = [trailArn(PARTIAL, 'eu-west-1', 'plain-west'), trailArn(PARTIAL, 'us-east-1', 'plain-east')];
  const gapOf = (account: string) => expect.stringMatching(new RegExp(`^account ${account} has ${enabled - SYNCED.length} enabled regions never synced \\(`));

  it(
    'is FAIL (exit 1) listing the known failing assets and the gaps; ERROR stays where no failure is known',
    async () => {
      const { code, stdout } = await check('--format', 'json');
      expect(code).toBe(1);
      const verdicts = JSON.parse(stdout).verdicts as Record<string, any>[];
      const kms = verdicts.find((v) => v.controlId === KMS)!;
      expect(kms.verdict).toBe('FAIL');
      expect(kms.failingAssets.map((a: { id: string }) => a.id).sort()).toEqual(KNOWN);
      expect(kms.gaps).toEqual([gapOf(PARTIAL), gapOf(GAPPY)]);
      expect(kms.reason).toMatch(/^2 assets fail; expected "eq \[\]"; the Trail inventory is also incomplete or stale, so more may fail: account /);
      expect(kms.accounts.map((a: { accountId: string; verdict: string; failing: number }) => [a.accountId, a.verdict, a.failing])).toEqual(
        [
          [PARTIAL, 'FAIL', 2],
          [GAPPY, 'ERROR', 0],
          [CLEAN, 'PASS', 0],
        ].sort(([a], [b]) => String(a).localeCompare(String(b))),
      );
      expect(kms.accounts.find((a: { accountId: string }) => a.accountId === PARTIAL).gaps).toEqual([gapOf(PARTIAL)]);
      // No trail is known not to log: the gaps decide, and the control cannot be decided.
      const logging = verdicts.find((v) => v.controlId === LOGGING)!;
      expect(logging).toMatchObject({ verdict: 'ERROR', failingAssets: [] });
      expect(logging.reason).toMatch(/^the Trail inventory is incomplete or stale: /);

      const onlyLogging = await check('--control', LOGGING);
      expect(onlyLogging.code).toBe(3);
      const table = await check('--control', KMS);
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(/^FAIL {3}cloudtrail-kms-encryption /m);
      expect(table.stdout).toContain(`failing:\n         ${KNOWN[0]}  (account ${PARTIAL}, eu-west-1)`);
      expect(table.stdout).toContain(`account ${PARTIAL} has ${enabled - SYNCED.length} enabled regions never synced`);
    },
    CLI_TESTS_MS,
  );

  it(
    'is FAIL per account where failures are known, ERROR where none is',
    async () => {
      const partial = await check('--control', KMS, '--account', PARTIAL, '--format', 'json');
      expect(partial.code).toBe(1);
      const [verdict] = JSON.parse(partial.stdout).verdicts;
      expect(verdict.verdict).toBe('FAIL');
      expect(verdict.failingAssets.map((a: { id: string }) => a.id).sort()).toEqual(KNOWN);
      expect(verdict.reason).toContain(`its inventory is also incomplete or stale, so more may fail: account ${PARTIAL} has`);
      const gappy = await check('--control', KMS, '--account', GAPPY, '--format', 'json');
      expect(gappy.code).toBe(3);
      expect(JSON.parse(gappy.stdout).verdicts[0].verdict).toBe('ERROR');
      expect((await check('--control', KMS, '--account', CLEAN)).code).toBe(0);
      // No remediation plan while the inventory has gaps, as before: exit 3, saying why.
      const plan = await runCli(['remediate', KMS, '--db', db]);
      expect(plan.code).toBe(3);
      expect(plan.stderr).toContain(`${KMS} fails, but no remediation plan is given on an incomplete or stale inventory: 2 assets fail;`);
    },
    CLI_TESTS_MS,
  );

  it(
    'carries both the failing assets and the gaps in JUnit and OCSF',
    async () => {
      const junit = await check('--control', KMS, '--format', 'junit');
      expect(junit.code).toBe(1);
      const suite = ((await parseJunit(junit.stdout)) as TestSuites).testsuite![0]!;
      expect(suite).toMatchObject({ tests: 1, failures: 1, errors: 0 });
      const failure = suite.testcase![0]!.failure![0]!;
      expect(failure.message).toContain(`failing: ${KNOWN.join(', ')}`);
      expect(failure.inner).toContain('inventory gaps (more may fail):');
      expect(failure.inner).toContain(`account ${PARTIAL} has ${enabled - SYNCED.length} enabled regions never synced`);
      expect(failure.inner).toContain(`account ${GAPPY} has ${enabled - SYNCED.length} enabled regions never synced`);

      const ocsf = await check('--control', KMS, '--format', 'ocsf');
      expect(ocsf.code).toBe(1);
      const findings = JSON.parse(ocsf.stdout) as Record<string, any>[];
      expect(findings.map((f) => [f.compliance.status, f.resources[0].uid])).toEqual(KNOWN.map((arn) => ['Fail', arn]));
      for (const f of findings) expect(f.unmapped.inventory_gaps).toEqual([gapOf(PARTIAL), gapOf(GAPPY)]);
    },
    CLI_TESTS_MS,
  );
});
