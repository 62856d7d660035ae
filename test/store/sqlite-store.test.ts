// The SQLite store: migrations, one transaction per scope, deletion semantics and the empty-string guard.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { loadMigrations, pendingMigrations } from '../../src/store/migrations.js';
import { openStore, StoreConfigError } from '../../src/store/open.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { COLLECTOR, syncScope, trailRecord } from '../support/records.js';
import { openTempSqliteStore, openTempStore, tempDir, type TempStore } from '../support/store.js';

const ACCOUNT = '111122223333';
let temp: TempStore;
afterEach(async () => temp?.cleanup());

describe('opening and migrating', () => {
  it('creates the schema in WAL mode and records each migration with its checksum', async () => {
    const sqlite = openTempSqliteStore();
    temp = { ...sqlite, cleanup: () => sqlite.cleanup() } as unknown as TempStore;
    expect(sqlite.store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const applied = sqlite.store.db.prepare('SELECT version, name, checksum FROM schema_migrations').all();
    const files = loadMigrations(join(MIGRATIONS_DIR, 'sqlite'));
    expect(applied).toEqual(files.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
  });

  it('opens an existing database without applying anything twice', async () => {
    const sqlite = openTempSqliteStore();
    temp = { ...sqlite, cleanup: () => sqlite.cleanup() } as unknown as TempStore;
    await temp.store.close();
    const again = SqliteStore.open(temp.path);
    expect(again.db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: readdirSync(join(MIGRATIONS_DIR, 'sqlite')).length });
    await again.close();
  });

  it('refuses a database whose applied migration was edited since, naming the file', async () => {
    const sqlite = openTempSqliteStore();
    temp = { ...sqlite, cleanup: () => sqlite.cleanup() } as unknown as TempStore;
    sqlite.store.db.prepare(`UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1`).run();
    await temp.store.close();
    expect(() => SqliteStore.open(temp.path)).toThrow(/0001_init\.sql was edited after it was applied/);
  });

  it('applies a failing migration not at all, names its file, and keeps the ones before it', () => {
    const dir = tempDir();
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001_good.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(migrations, '0002_bad.sql'), 'CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);');
    const path = join(dir, 'x.db');
    expect(() => SqliteStore.open(path, { migrationsDir: migrations })).toThrow(/0002_bad\.sql: no such table: nowhere \(nothing of this migration was applied\)/);
    const db = new Database(path);
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }]);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name IN ('a', 'b') ORDER BY name`).all()).toEqual([{ name: 'a' }]);
    db.close();
  });

  it('refuses migration files that are misnamed, numbered with gaps, or missing for an applied version', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '0001_first.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '0003_third.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/0003_third\.sql: expected migration number 2/);
    writeFileSync(join(dir, 'second.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/second\.sql: a migration file is named NNNN_name\.sql/);
    const files = loadMigrations(join(MIGRATIONS_DIR, 'sqlite'));
    expect(() => pendingMigrations(files, [{ version: 99, name: 'future', checksum: 'x' }])).toThrow(/made by a newer cloud-inventory/);
  });

  it('says clearly that a PostgreSQL URL cannot be reached, without echoing the password', async () => {
    // Port 1 on this machine: nothing listens there, so the connection is refused at once.
    const opening = openStore('postgres://app:s3cret@127.0.0.1:1/inventory', 'create');
    await expect(opening).rejects.toThrow(StoreConfigError);
    await expect(opening).rejects.toThrow(/^postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/inventory: cannot open the PostgreSQL inventory \(ECONNREFUSED/);
    await expect(opening).rejects.not.toThrow(/s3cret/);
    await expect(openStore('postgres://app:s3cret@127.0.0.1:1/inventory?pool_size=zero', 'create')).rejects.toThrow(/pool_size must be a positive integer, not "zero"/);
  });
});

describe('writing scopes', () => {
  it('stores a trail once however many regions see it, remembering each sighting', async () => {
    temp = await openTempStore();
    const trail = trailRecord('everywhere', { trail: { IsMultiRegionTrail: true } });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    const first = await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trail] });
    const second = await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'eu-west-1', status: 'ok', trails: [trail] });
    expect(first).toEqual({ seen: 1, new: 1, changed: 0, deleted: 0 });
    expect(second).toEqual({ seen: 1, new: 0, changed: 0, deleted: 0 });
    expect(await temp.store.findTrails({})).toHaveLength(1);
    expect(await temp.store.sightingsByTrailArn([trail.arn])).toEqual([
      [
        { accountId: ACCOUNT, region: 'eu-west-1' },
        { accountId: ACCOUNT, region: 'us-east-1' },
      ],
    ]);
  });

  it('keeps every trail of a scope that failed, and records why', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('kept')] });
    const counts = await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      status: 'failed',
      error: { code: 'AccessDeniedException', message: 'denied' },
      trails: [],
    });
    expect(counts).toEqual({ seen: 0, new: 0, changed: 0, deleted: 0 });
    expect((await temp.store.findTrails({})).map((t) => t.name)).toEqual(['kept']);
    const [coverage] = await temp.store.scopeCoverage(COLLECTOR);
    expect(coverage).toMatchObject({ accountId: ACCOUNT, region: 'us-east-1', status: 'failed', error: { code: 'AccessDeniedException', message: 'denied' } });
    expect(coverage!.lastSuccessAt).not.toBeNull();
  });

  it('marks a trail gone from a successful scope as deleted, hides it, and revives it when it returns', async () => {
    temp = await openTempStore();
    const trail = trailRecord('short-lived');
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trail] });
    expect(await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] })).toMatchObject({ deleted: 1 });
    expect(await temp.store.findTrails({})).toEqual([]);
    const [stored] = await temp.store.trailsById([trail.arn]);
    expect(stored!.deletedAt).not.toBeNull();

    expect(await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trail] })).toMatchObject({ changed: 1 });
    const [revived] = await temp.store.findTrails({});
    expect(revived!.deletedAt).toBeNull();
    expect(revived!.firstSeenAt).toBe(stored!.firstSeenAt);
  });

  it('does not delete a multi-region trail while another region still sees it', async () => {
    temp = await openTempStore();
    const trail = trailRecord('multi', { trail: { IsMultiRegionTrail: true } });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trail] });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', trails: [trail] });
    expect(await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', trails: [] })).toMatchObject({ deleted: 0 });
    expect(await temp.store.findTrails({})).toHaveLength(1);
  });

  it('counts a trail whose only news is a later log delivery as unchanged, yet stores the new time', async () => {
    temp = await openTempStore();
    const delivered = (at: string) => trailRecord('t', { status: { LatestDeliveryTime: new Date(at) } });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [delivered('2026-11-29T01:00:00Z')] });
    expect(await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [delivered('2026-11-29T01:05:00Z')] })).toMatchObject({ changed: 0 });
    expect((await temp.store.findTrails({}))[0]!.latestDeliveryTime).toBe('2026-11-29T01:05:00.000Z');
    const stopped = trailRecord('t', { status: { IsLogging: false, LatestDeliveryTime: new Date('2026-11-29T01:05:00Z') } });
    expect(await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [stopped] })).toMatchObject({ changed: 1 });
  });

  it('returns deleted trails only when asked to', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('gone'), trailRecord('kept')] });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('kept')] });
    expect((await temp.store.findTrails({})).map((t) => t.name)).toEqual(['kept']);
    const withDeleted = await temp.store.findTrails({ deletedAt_GT: '2000-01-01T00:00:00Z' }, { includeDeleted: true });
    expect(withDeleted.map((t) => t.name)).toEqual(['gone']);
  });

  it('records a changed trail as changed and an unchanged one as unchanged', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('t')] });
    expect(await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('t')] })).toEqual({ seen: 1, new: 0, changed: 0, deleted: 0 });
    const encrypted = trailRecord('t', { trail: { KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k' } });
    expect(await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [encrypted] })).toEqual({ seen: 1, new: 0, changed: 1, deleted: 0 });
    expect(await temp.store.findTrails({ kmsKeyID: '' })).toEqual([]);
  });

  it("lets a member account's view of an organization trail keep the status and tags only the owner can read", async () => {
    temp = await openTempStore();
    const org = { IsOrganizationTrail: true, IsMultiRegionTrail: true };
    const ownerView = trailRecord('org', { account: '999988887777', trail: org, tags: [{ key: 'team', value: 'security' }] });
    const memberView = trailRecord('org', { account: '999988887777', trail: org, status: null, tags: null });
    await syncScope(temp.store, { accountId: '999988887777', region: 'us-east-1', trails: [ownerView] });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [memberView] });
    const [stored] = await temp.store.findTrails({});
    expect(stored).toMatchObject({ isLogging: true, tagsKnown: true, collectionErrors: [] });
    expect(await temp.store.tagsByAssetId([stored!.id])).toEqual([[{ key: 'team', value: 'security' }]]);

    // The owner's own view replaces what it could not read, so an unknown is never hidden behind an old value.
    await syncScope(temp.store, { accountId: '999988887777', region: 'us-east-1', trails: [memberView] });
    expect((await temp.store.findTrails({}))[0]).toMatchObject({ isLogging: null, tagsKnown: false });
  });

  it('rejects a trail whose kmsKeyID is null rather than storing it (the empty-string rule)', async () => {
    temp = await openTempStore();
    const broken = { ...trailRecord('broken'), kmsKeyID: null as unknown as string };
    await expect(syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('fine'), broken] })).rejects.toThrow(
      /NOT NULL constraint failed: trails.kms_key_id|null value in column "kms_key_id" of relation "trails" violates not-null constraint/,
    );
    // The scope's transaction rolled back: not even the valid trail landed.
    expect(await temp.store.findTrails({})).toEqual([]);
  });

  it('marks a run left running by a process that no longer exists as interrupted', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.sql('UPDATE sync_runs SET pid = ? WHERE id = ?', [2 ** 22 + 12345, run.id]);
    expect(await temp.store.latestSyncRun(COLLECTOR)).toMatchObject({ id: run.id, status: 'interrupted' });
  });
});
