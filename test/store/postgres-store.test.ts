// The PostgreSQL store's own behaviour, beyond the contract the other store tests prove on both backends: migrations
// under an advisory lock, and several processes (pools) writing the same inventory at once. Needs a PostgreSQL server:
// INVENTORY_TEST_POSTGRES_URL (see the README); without it this file is skipped, and says so.
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { StoreConfigError } from '../../src/store/location.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { parsePostgresUrl, PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { COLLECTOR, trailRecord } from '../support/records.js';
import { createTestSchema } from '../support/store.js';

const URL_SET = Boolean(process.env.INVENTORY_TEST_POSTGRES_URL);
if (!URL_SET) console.log('PostgreSQL store tests skipped: INVENTORY_TEST_POSTGRES_URL is not set (see README, "Testing against PostgreSQL")');

const OWNER = '111122223333';
const MEMBERS = ['222233334444', '333344445555', '444455556666'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function schema() {
  const created = await createTestSchema();
  cleanups.push(() => created.drop());
  return created;
}

async function open(url: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(url);
  cleanups.push(() => store.close());
  return store;
}

describe('parsing a postgres:// URL', () => {
  it('takes pool_size, statement_timeout and schema out of the query, and leaves the rest (sslmode, ...) to pg', () => {
    expect(parsePostgresUrl('postgres://u:p@db:5432/inv?pool_size=20&statement_timeout=5000&schema=inv&sslmode=require')).toEqual({
      connectionString: 'postgres://u:p@db:5432/inv?sslmode=require',
      options: { poolSize: 20, statementTimeoutMs: 5000, schema: 'inv' },
    });
    expect(() => parsePostgresUrl('postgres://db/inv?pool_size=0')).toThrow(/pool_size must be a positive integer/);
  });
});

describe.skipIf(!URL_SET)('PostgreSQL store (INVENTORY_TEST_POSTGRES_URL)', () => {
  it('applies each migration once when several processes open a new database at once, recording its checksum', async () => {
    const { url } = await schema();
    const stores = await Promise.all([open(url), open(url), open(url)]);
    const { rows } = await stores[0]!.pool.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(loadMigrations(join(MIGRATIONS_DIR, 'postgres')).map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
    // The same version numbers and names as SQLite's, so a schema version means the same on both.
    expect(rows.map((r) => `${r.version}_${r.name}`)).toEqual(loadMigrations(join(MIGRATIONS_DIR, 'sqlite')).map((m) => `${m.version}_${m.name}`));
  });

  it('needs an inventory in the schema for read and write access, creating nothing there; create makes one', async () => {
    const { url, schema: name } = await schema();
    for (const access of ['read', 'write'] as const) {
      await expect(PostgresStore.open(url, { access })).rejects.toThrow(StoreConfigError);
      await expect(PostgresStore.open(url, { access })).rejects.toThrow(/^no inventory at postgres:\/\/\S+; run inventory sync first$/);
    }
    const client = new pg.Client({ connectionString: process.env.INVENTORY_TEST_POSTGRES_URL });
    await client.connect();
    try {
      expect((await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [name])).rows).toEqual([]);
    } finally {
      await client.end();
    }
    const store = await open(url);
    const { rows } = await store.pool.query(`SELECT count(*)::int AS n FROM schema_migrations`);
    expect(rows[0].n).toBe(loadMigrations(join(MIGRATIONS_DIR, 'postgres')).length);
    await (await PostgresStore.open(url, { access: 'read' })).close();
  });

  it('refuses a database whose applied migration was edited since, naming the file', async () => {
    const { url } = await schema();
    const store = await open(url);
    await store.pool.query(`UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1`);
    await expect(PostgresStore.open(url)).rejects.toThrow(/0001_init\.sql was edited after it was applied/);
  });

  it('loses and duplicates nothing, and never deadlocks, when two processes sync the same and different accounts at once', async () => {
    const { url } = await schema();
    const [one, two] = [await open(url), await open(url)];
    const org = trailRecord('org', { account: OWNER, trail: { IsMultiRegionTrail: true, IsOrganizationTrail: true } });
    const scopes = [OWNER, ...MEMBERS].flatMap((accountId) =>
      REGIONS.map((region) => ({
        accountId,
        region,
        status: 'ok' as const,
        trails: [org, ...(region === 'us-east-1' ? [trailRecord(`own-${accountId}`, { account: accountId })] : [])],
      })),
    );
    // Each process syncs every scope (the same accounts), in its own order, all scopes in flight at once.
    const sync = async (store: PostgresStore, order: typeof scopes) => {
      const run = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: REGIONS });
      await Promise.all(order.map((scope) => store.writeTrailScope(run.id, COLLECTOR, scope)));
      await store.finishSyncRun(run.id, 'succeeded');
    };
    await Promise.all([sync(one, scopes), sync(two, [...scopes].reverse())]);

    const trails = await one.findTrails({});
    expect(trails.map((t) => t.name).sort()).toEqual(['org', ...[OWNER, ...MEMBERS].map((a) => `own-${a}`)].sort());
    const q = async (sql: string) => (await one.pool.query(sql)).rows;
    expect(await q(`SELECT count(*) AS n FROM asset_sightings`)).toEqual([{ n: scopes.length + 1 + MEMBERS.length }]);
    expect(await q(`SELECT count(*) AS n FROM sync_scope_state`)).toEqual([{ n: scopes.length }]);
    expect(await q(`SELECT count(*) AS n FROM sync_scopes`)).toEqual([{ n: 2 * scopes.length }]);
    // Each trail was created once, by whichever process wrote it first.
    expect(await q(`SELECT asset_id, count(*) AS n FROM asset_changes WHERE kind = 'created' GROUP BY asset_id HAVING count(*) <> 1`)).toEqual([]);
    // What one process committed, the other (another replica) reads at once.
    expect((await two.findTrails({})).length).toBe(trails.length);
  });
});
