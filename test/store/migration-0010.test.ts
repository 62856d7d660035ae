// Migration 0010 carries every trail sighting and history row over to asset_sightings and asset_changes as it was:
// the same ids in the same order, every column, and the id sequence (an id merged away is never given again).
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { InventoryStore } from '../../src/store/store.js';
import { createTestSchema, ON_POSTGRES, postgresTestUrl, removeDir, tempDir } from '../support/store.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The migrations of the release before 0010, in a folder of their own. */
function migrationsBefore0010(engine: string): string {
  const dir = tempDir('migrations-');
  cleanups.push(async () => removeDir(dir));
  for (const file of readdirSync(join(MIGRATIONS_DIR, engine))) {
    if (file < '0010') cpSync(join(MIGRATIONS_DIR, engine, file), join(dir, file));
  }
  return dir;
}

const ARN_A = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/a';
const ARN_B = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/b';
const SIGHTINGS = [
  [ARN_A, '111122223333', 'us-east-1', 1],
  [ARN_A, '444455556666', 'eu-west-1', 2],
  [ARN_B, '111122223333', 'us-east-1', 2],
];
// Ids 3, 4, 7 and 8 were merged away in their run: the sequence stands at 8.
const RUN = `INSERT INTO sync_runs (id, collector, status, started_at, host, pid, requested_regions)
  VALUES (?, 'aws.cloudtrail.trails', 'succeeded', '2026-01-01T00:00:00.000Z', 'host', 1, '[]')`;
const CHANGES = [
  [1, ARN_A, 1, '2026-01-01T00:00:00.000Z', 'created', null, null, null],
  [2, ARN_B, 1, '2026-01-01T00:00:00.000Z', 'created', null, null, null],
  [5, ARN_A, 2, '2026-01-02T00:00:00.000Z', 'changed', 'isLogging', 'true', 'false'],
  [6, ARN_B, 2, '2026-01-02T00:00:00.000Z', 'changed', 'eventSelectors', '[{"a":1}]', null],
];

describe('migration 0010', () => {
  it('carries trail_sightings and trail_changes over to asset_sightings and asset_changes losslessly', async () => {
    let store: InventoryStore;
    let sql: (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
    if (!ON_POSTGRES) {
      const dir = tempDir();
      cleanups.push(async () => removeDir(dir));
      const path = join(dir, 'inventory.db');
      await SqliteStore.open(path, { migrationsDir: migrationsBefore0010('sqlite') }).close();
      const db = new Database(path);
      db.pragma('foreign_keys = OFF'); // the sightings refer to trails this test leaves out
      for (const id of [1, 2]) db.prepare(RUN).run(id);
      for (const row of SIGHTINGS) db.prepare(`INSERT INTO trail_sightings (trail_arn, account_id, region, last_run_id) VALUES (?, ?, ?, ?)`).run(...row);
      for (const row of CHANGES) {
        db.prepare(`INSERT INTO trail_changes (id, trail_arn, run_id, changed_at, kind, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(...row);
      }
      db.prepare(`UPDATE sqlite_sequence SET seq = 8 WHERE name = 'trail_changes'`).run();
      db.close();
      const sqlite = SqliteStore.open(path);
      store = sqlite;
      sql = async (text, params = []) => {
        const statement = sqlite.db.prepare(text);
        return statement.reader ? (statement.all(...params) as Record<string, unknown>[]) : (statement.run(...params), []);
      };
    } else {
      const { url, schema, drop } = await createTestSchema();
      cleanups.push(drop);
      await PostgresStore.open(url, { migrationsDir: migrationsBefore0010('postgres') }).then((s) => s.close());
      const client = new pg.Client({ connectionString: postgresTestUrl(), options: `-c search_path=${schema}` });
      await client.connect();
      cleanups.push(() => client.end());
      for (const id of [1, 2]) await client.query(RUN.replace('?', '$1'), [id]);
      await client.query(`SELECT setval(pg_get_serial_sequence('sync_runs', 'id'), 2)`);
      await client.query(`SET session_replication_role = replica`); // the sightings refer to trails this test leaves out
      for (const row of SIGHTINGS) await client.query(`INSERT INTO trail_sightings (trail_arn, account_id, region, last_run_id) VALUES ($1, $2, $3, $4)`, row);
      for (const row of CHANGES) {
        await client.query(
          `INSERT INTO trail_changes (id, trail_arn, run_id, changed_at, kind, field, old_value, new_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          row,
        );
      }
      await client.query(`SELECT setval(pg_get_serial_sequence('trail_changes', 'id'), 8)`);
      await client.query(`SET session_replication_role = DEFAULT`);
      store = await PostgresStore.open(url);
      sql = async (text, params = []) => {
        let n = 0;
        return (
          await client.query(
            text.replace(/\?/g, () => `$${++n}`),
            params,
          )
        ).rows;
      };
    }
    cleanups.push(() => store.close());

    expect(await sql(`SELECT asset_type, asset_id, account_id, region, last_run_id FROM asset_sightings ORDER BY account_id, region, asset_id`)).toEqual(
      ([SIGHTINGS[0], SIGHTINGS[2], SIGHTINGS[1]] as (string | number)[][]).map(([id, account, region, run]) => ({
        asset_type: 'Trail',
        asset_id: id,
        account_id: account,
        region,
        last_run_id: run,
      })),
    );
    const changes = await sql(`SELECT id, asset_id, run_id, changed_at, kind, field, old_value, new_value FROM asset_changes ORDER BY id`);
    expect(changes.map((row) => ({ ...row, old_value: json(row.old_value), new_value: json(row.new_value) }))).toEqual(
      CHANGES.map(([id, asset, run, at, kind, field, from, to]) => ({
        id,
        asset_id: asset,
        run_id: run,
        changed_at: at,
        kind,
        field,
        old_value: parsed(from),
        new_value: parsed(to),
      })),
    );
    expect((await store.sightingsByTrailArn([ARN_A]))[0]).toEqual([
      { accountId: '111122223333', region: 'us-east-1' },
      { accountId: '444455556666', region: 'eu-west-1' },
    ]);
    expect((await store.trailHistory([ARN_A]))[0]!.map((c) => [c.kind, c.field, c.from, c.to])).toEqual([
      ['changed', 'isLogging', true, false],
      ['created', null, null, null],
    ]);
    const left = await sql(
      `SELECT count(*) AS n FROM ${ON_POSTGRES ? 'pg_tables WHERE schemaname = current_schema() AND tablename' : 'sqlite_schema WHERE name'} IN ('trail_sightings', 'trail_changes')`,
    );
    expect(Number(left[0]!.n)).toBe(0);

    // The next history id follows the last ever given (8), not the last kept (6).
    const run = await store.startSyncRun({ collector: 'aws.cloudtrail.trails', requestedRegions: [] });
    await sql(`INSERT INTO asset_changes (asset_id, run_id, changed_at, kind) VALUES (?, ?, ?, 'created')`, [ARN_A, run.id, '2026-01-03T00:00:00.000Z']);
    expect(await sql(`SELECT max(id) AS id FROM asset_changes`)).toEqual([{ id: 9 }]);
  });
});

const parsed = (text: unknown): unknown => (text === null ? null : JSON.parse(text as string));

/** A JSON column's value, parsed (SQLite gives the text, PostgreSQL the value). */
function json(value: unknown): unknown {
  return typeof value === 'string' && !ON_POSTGRES ? JSON.parse(value) : (value ?? null);
}
