// Incremental writes: an unchanged organization writes no trail, sighting or tag row, yet lastSeenAt moves on.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { TrailRecord } from '../../src/model/trail.js';
import { COLLECTOR, syncRun, trailRecord } from '../support/records.js';
import { countRowWrites, ON_POSTGRES, openTempStore, sqliteOf, tempDir, type TempStore } from '../support/store.js';

const OWNER = '999988887777';
const MEMBER = '111122223333';
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'];
const INVENTORY_TABLES = ['trails', 'asset_sightings', 'asset_tags'];

let temp: TempStore;
afterEach(async () => temp?.cleanup());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An organization as DescribeTrails shows it: the owner's view of its trails, and a member's view of the organization trail. */
function organization(): { accountId: string; region: string; trails: TrailRecord[] }[] {
  const org = { IsOrganizationTrail: true, IsMultiRegionTrail: true, KmsKeyId: 'arn:aws:kms:us-east-1:999988887777:key/k' };
  const ownerView = trailRecord('org', {
    account: OWNER,
    trail: org,
    tags: [
      { key: 'team', value: 'security' },
      { key: 'cost', value: 'central' },
    ],
  });
  const memberView = trailRecord('org', { account: OWNER, trail: org, status: null, tags: null });
  const local = trailRecord('local', { account: MEMBER, region: 'eu-west-1', tags: [{ key: 'env', value: 'prod' }] });
  return [
    ...REGIONS.map((region) => ({ accountId: OWNER, region, trails: [ownerView] })),
    ...REGIONS.map((region) => ({ accountId: MEMBER, region, trails: region === 'eu-west-1' ? [memberView, local] : [memberView] })),
  ];
}

describe('an unchanged organization', () => {
  // Counts row writes through SQLite triggers on the store's own connection: SQLite only.
  it.skipIf(ON_POSTGRES)('writes no row of trails, asset_sightings or asset_tags on the second sync, while lastSeenAt advances (SQLite row-write triggers)', async () => {
    temp = await openTempStore();
    const writes = countRowWrites(sqliteOf(temp), INVENTORY_TABLES);
    const first = await syncRun(temp.store, organization());
    expect(writes.read()).toEqual({ trails: 2, asset_sightings: 7, asset_tags: 3 });
    expect(first.counts.reduce((n, c) => n + c.new, 0)).toBe(2);
    const before = await temp.store.findTrails({}, { sort: [{ name: 'ASC' }] });

    await pause(5);
    writes.reset();
    const second = await syncRun(temp.store, organization());
    expect(writes.read()).toEqual({ trails: 0, asset_sightings: 0, asset_tags: 0 });
    expect(second.counts.every((c) => c.new === 0 && c.changed === 0 && c.deleted === 0)).toBe(true);

    const after = await temp.store.findTrails({}, { sort: [{ name: 'ASC' }] });
    for (const [i, trail] of after.entries()) {
      expect(trail.lastSeenAt > before[i]!.lastSeenAt).toBe(true);
      expect(trail.firstSeenAt).toBe(before[i]!.firstSeenAt);
    }
    // The scopes' state is what moved on.
    const states = await temp.store.scopeStates(COLLECTOR);
    expect(states).toHaveLength(6);
    expect(states.every((s) => s.lastRunId === second.runId && s.lastSuccessRunId === second.runId)).toBe(true);
  });

  it('filters and sorts on the computed lastSeenAt', async () => {
    temp = await openTempStore();
    await syncRun(temp.store, [{ accountId: MEMBER, region: 'us-east-1', trails: [trailRecord('old'), trailRecord('fresh')] }]);
    await pause(5);
    const cut = new Date().toISOString();
    await pause(5);
    // Only eu-west-1 syncs again, and only 'fresh' is seen from there too.
    await syncRun(temp.store, [{ accountId: MEMBER, region: 'eu-west-1', trails: [trailRecord('fresh')] }]);
    expect((await temp.store.findTrails({ lastSeenAt_GT: cut })).map((t) => t.name)).toEqual(['fresh']);
    expect((await temp.store.findTrails({}, { sort: [{ lastSeenAt: 'DESC' }] })).map((t) => t.name)).toEqual(['fresh', 'old']);
    const projected = await temp.store.findTrails({ name: 'old' }, { fields: ['lastSeenAt'] });
    expect(projected[0]!.lastSeenAt).toMatch(/Z$/);
  });
});

describe('counting within one run', () => {
  // Counts row writes through SQLite triggers on the store's own connection: SQLite only.
  it.skipIf(ON_POSTGRES)('writes an organization trail seen by many scopes once per run, and counts it new or changed once (SQLite row-write triggers)', async () => {
    temp = await openTempStore();
    const writes = countRowWrites(sqliteOf(temp), ['trails']);
    const first = await syncRun(temp.store, organization());
    expect(first.counts.reduce((n, c) => n + c.new + c.changed, 0)).toBe(2);
    expect(writes.read().trails).toBe(2);

    writes.reset();
    const renamedBucket = organization().map((scope) => ({
      ...scope,
      trails: scope.trails.map((t) => (t.name === 'org' ? { ...t, s3BucketName: 'moved' } : t)),
    }));
    const second = await syncRun(temp.store, renamedBucket);
    expect(second.counts.reduce((n, c) => n + c.changed, 0)).toBe(1);
    expect(second.counts.reduce((n, c) => n + c.seen, 0)).toBe(7);
    expect(writes.read().trails).toBe(1);
  });
});

describe('deletion', () => {
  it('keeps, for a deleted trail, the time it was last seen', async () => {
    temp = await openTempStore();
    const trail = trailRecord('gone');
    await syncRun(temp.store, [{ accountId: MEMBER, region: 'us-east-1', trails: [trail] }]);
    await pause(5);
    await syncRun(temp.store, [{ accountId: MEMBER, region: 'us-east-1', trails: [trail] }]);
    const [lastSeen] = await temp.store.trailsById([trail.arn]);
    await pause(5);
    await syncRun(temp.store, [{ accountId: MEMBER, region: 'us-east-1', trails: [] }]);
    await pause(5);
    await syncRun(temp.store, [{ accountId: MEMBER, region: 'us-east-1', trails: [] }]);
    const [deleted] = await temp.store.trailsById([trail.arn]);
    expect(deleted!.deletedAt).not.toBeNull();
    expect(deleted!.lastSeenAt).toBe(lastSeen!.lastSeenAt);
    expect(deleted!.deletedAt! > deleted!.lastSeenAt).toBe(true);
  });

  // Counts row writes through SQLite triggers on the store's own connection: SQLite only.
  it.skipIf(ON_POSTGRES)("leaves a failed scope's sightings and state of success alone (SQLite row-write triggers)", async () => {
    temp = await openTempStore();
    const { runId } = await syncRun(temp.store, [{ accountId: MEMBER, region: 'us-east-1', trails: [trailRecord('kept')] }]);
    const writes = countRowWrites(sqliteOf(temp), INVENTORY_TABLES);
    const failed = await syncRun(temp.store, [
      { accountId: MEMBER, region: 'us-east-1', status: 'failed', error: { code: 'AccessDeniedException', message: 'denied' }, trails: [] },
    ]);
    expect(writes.read()).toEqual({ trails: 0, asset_sightings: 0, asset_tags: 0 });
    expect(await temp.store.scopeStates(COLLECTOR)).toEqual([
      {
        accountId: MEMBER,
        region: 'us-east-1',
        lastRunId: failed.runId,
        lastStatus: 'failed',
        lastAttemptAt: expect.any(String),
        error: { code: 'AccessDeniedException', message: 'denied' },
        lastSuccessRunId: runId,
        lastSuccessAt: expect.any(String),
      },
    ]);
  });
});

describe('migration 0002', () => {
  // Builds a database with SQLite's first migration only: this test is of the SQLite migration itself.
  it.skipIf(ON_POSTGRES)('backfills the scope state from the sync history of a database made before it (SQLite file)', async () => {
    const dir = tempDir();
    const firstOnly = join(dir, 'migrations');
    mkdirSync(firstOnly);
    copyFileSync(join(MIGRATIONS_DIR, 'sqlite', '0001_init.sql'), join(firstOnly, '0001_init.sql'));
    const path = join(dir, 'old.db');
    const old = SqliteStore.open(path, { migrationsDir: firstOnly });
    old.db.exec(`
      INSERT INTO sync_runs (id, collector, status, started_at, finished_at, host, pid, requested_regions) VALUES
        (1, '${COLLECTOR}', 'succeeded', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', 'h', 1, '[]'),
        (2, '${COLLECTOR}', 'partial',   '2026-01-02T00:00:00.000Z', '2026-01-02T00:01:00.000Z', 'h', 1, '[]');
      INSERT INTO sync_scopes (run_id, collector, account_id, region, status, finished_at, error_code, error_message) VALUES
        (1, '${COLLECTOR}', '${MEMBER}', 'us-east-1', 'ok', '2026-01-01T00:00:10.000Z', NULL, NULL),
        (1, '${COLLECTOR}', '${MEMBER}', 'eu-west-1', 'ok', '2026-01-01T00:00:20.000Z', NULL, NULL),
        (2, '${COLLECTOR}', '${MEMBER}', 'us-east-1', 'failed', '2026-01-02T00:00:10.000Z', 'ThrottlingException', 'Rate exceeded'),
        (2, '${COLLECTOR}', '${MEMBER}', 'eu-west-1', 'ok', '2026-01-02T00:00:20.000Z', NULL, NULL);`);
    await old.close();

    const reopened = SqliteStore.open(path);
    temp = { store: reopened, cleanup: async () => reopened.close() } as unknown as TempStore;
    expect(await temp.store.scopeStates(COLLECTOR)).toEqual([
      {
        accountId: MEMBER,
        region: 'eu-west-1',
        lastRunId: 2,
        lastStatus: 'ok',
        lastAttemptAt: '2026-01-02T00:00:20.000Z',
        error: null,
        lastSuccessRunId: 2,
        lastSuccessAt: '2026-01-02T00:00:20.000Z',
      },
      {
        accountId: MEMBER,
        region: 'us-east-1',
        lastRunId: 2,
        lastStatus: 'failed',
        lastAttemptAt: '2026-01-02T00:00:10.000Z',
        error: { code: 'ThrottlingException', message: 'Rate exceeded' },
        lastSuccessRunId: 1,
        lastSuccessAt: '2026-01-01T00:00:10.000Z',
      },
    ]);
    expect((await temp.store.syncRun(1))!.heartbeatAt).toBeNull();
  });
});
