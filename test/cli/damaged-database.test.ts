// `inventory check` and `inventory remediate` on a damaged SQLite inventory: no verdict, no plan, exit 3, saying why.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, stubAwsEnv } from '../support/aws.js';
import { runCli } from '../support/cli.js';
import { dropUnencryptedFromKmsIndex } from '../support/damage.js';
import { kmsKey, simAccount, simTrail } from '../support/scenarios.js';
import { tempDir } from '../support/store.js';

const ACCOUNT = '210987654321';
const KMS = 'cloudtrail-kms-encryption';

/** Several CLI processes per test: a safety net for a loaded machine, not a target. */
const CLI_TESTS_MS = 180_000;

describe('a damaged inventory through the CLI', () => {
  let sim: Simulator;
  let db: string;

  beforeAll(async () => {
    sim = await startSimulator({
      accounts: [
        simAccount(ACCOUNT, [
          simTrail('plain-a', 'us-east-1'),
          simTrail('plain-b', 'eu-west-1'),
          simTrail('sealed', 'us-east-1', { KmsKeyId: kmsKey(ACCOUNT, 'us-east-1') }),
        ]),
      ],
    });
    stubAwsEnv(sim);
    db = join(tempDir('damaged-'), 'inventory.db');
    const store = SqliteStore.open(db);
    expect((await syncInventory(store, { accounts: accountTargets(sim.scenario), log: silentLogger, maxAttempts: 1 })).run.status).toBe('succeeded');
    await store.close();
    dropUnencryptedFromKmsIndex(db);
  });
  afterAll(() => sim.close());

  it(
    'check gives every control ERROR, exit 3, naming what the integrity check found, and records nothing',
    async () => {
      const { code, stdout, stderr } = await runCli(['check', '--db', db]);
      expect(code).toBe(3);
      expect(stdout).toMatch(/^ERROR {2}cloudtrail-kms-encryption {2}/m);
      expect(stdout).toMatch(
        /the inventory database fails its integrity check \(SQLite PRAGMA integrity_check of the whole database\): row \d+ missing from index trails_by_kms_key_id/,
      );
      expect(stdout).toMatch(/28 controls: 0 pass, 0 fail, 28 error\n$/);
      expect(stderr).toContain('the verdicts are not recorded: the database fails its integrity check');
      const json = await runCli(['check', '--db', db, '--no-record', '--format', 'json', '--control', KMS]);
      expect(json.code).toBe(3);
      const [verdict] = JSON.parse(json.stdout).verdicts;
      expect(verdict).toMatchObject({ verdict: 'ERROR', failingAssets: [] });
      expect(verdict.databaseProblems[0]).toMatch(/^row \d+ missing from index trails_by_kms_key_id$/);
      const store = SqliteStore.open(db);
      try {
        expect(await store.controlRuns()).toEqual([]);
      } finally {
        await store.close();
      }
    },
    CLI_TESTS_MS,
  );

  it(
    'remediate gives no plan, exit 3, saying the database fails its integrity check',
    async () => {
      const { code, stdout, stderr } = await runCli(['remediate', KMS, '--db', db]);
      expect(code).toBe(3);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/cloudtrail-kms-encryption cannot be decided, so no remediation plan is given: the inventory database fails its integrity check/);
    },
    CLI_TESTS_MS,
  );
});
