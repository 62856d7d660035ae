// An unchanged organization, synced twice by every collector of the registry with the real SDK against the simulator,
// writes no row the second time: not in any asset type's table, nor in the shared sightings, changes and tags. The
// tables come from the registry, so a new type is held to this without touching the test.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import { silentLogger } from '../../src/log.js';
import { organizationScenario, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { type SyncSummary, syncInventory } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { stubAwsEnv } from '../support/aws.js';
import { countRowWrites, ON_POSTGRES, openTempStore, sqliteOf, type TempStore } from '../support/store.js';

const SHARED_TABLES = ['asset_sightings', 'asset_changes', 'asset_tags'];

// Counts row writes through SQLite triggers on the store's own connection: SQLite only.
describe.skipIf(ON_POSTGRES)('an unchanged organization synced again by every collector', () => {
  let sim: Simulator;
  let temp: TempStore;
  const org = organizationScenario({ accounts: 4, latencyMs: 0, transientErrorRate: 0, unassumableRole: false, deniedRegion: false, suspendedAccounts: 0, seed: 3 });
  delete org.scenario.rateLimit;

  const sync = (): Promise<SyncSummary> => {
    const config = parseAccountsConfig(`organization:\n  member_role_name: ${org.memberRoleName}\n`, 'accounts.yaml');
    return syncInventory(temp.store, {
      accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }),
      log: silentLogger,
    });
  };

  beforeAll(async () => {
    sim = await startSimulator(org.scenario);
    temp = await openTempStore();
  });
  afterAll(async () => {
    await sim?.close();
    await temp?.cleanup();
  });

  it('writes no row of any type or shared table, and every run succeeds both times', async () => {
    // Stubbed here: test/support/aws.ts undoes every stub after each test.
    stubAwsEnv(sim);
    vi.stubEnv('AWS_ACCESS_KEY_ID', org.management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.management.SecretAccessKey);
    const tables = [...ASSET_TYPES.map((type) => type.table), ...SHARED_TABLES];
    const writes = countRowWrites(sqliteOf(temp), tables);
    const first = await sync();
    expect(first.runs.map((run) => run.status)).toEqual(ASSET_TYPES.map(() => 'succeeded'));
    const written = writes.read();
    // The first sync wrote every type, so the zeros below are not a sync that wrote nothing at all.
    for (const type of ASSET_TYPES) expect(written[type.table], type.table).toBeGreaterThan(0);

    writes.reset();
    const second = await sync();
    expect(second.runs.map((run) => run.status)).toEqual(ASSET_TYPES.map(() => 'succeeded'));
    expect(writes.read()).toEqual(Object.fromEntries(tables.map((table) => [table, 0])));
    expect(second.totals.new + second.totals.changed + second.totals.deleted).toBe(0);
  });
});
