// A synthetic inventory in a fresh schema of the PostgreSQL database BENCH_POSTGRES_URL names (default
// postgres://postgres@127.0.0.1:5432/test), built once per benchmark and dropped after.
//
// Up to `syncTrails` trails the inventory is exactly bench/lib/synthetic.ts's organization, written through the sync
// path (writeOrganization), as on SQLite. Above it, the sync path is too slow to be practical (about 1,000 trails/s
// measured at 100,000 trails: some 17 minutes for 1,000,000; see the README's Performance section), so the inventory
// is that organization of `syncTrails` trails written through the sync path, then copied in SQL (INSERT … SELECT over
// generate_series) into the rest: copy k of trail i is trail i + k × syncTrails, named trail-<that>, with the ARN
// derived from that name and the same account and region as trail i (so the same 100 accounts × 17 regions, and the
// same sync_scope_state rows for lastSeenAt). Every trails column is copied from trail i but arn and name (raw, the
// API responses, keeps trail i's: no benchmarked query reads it); each copy has trail i's sightings (one, its home
// scope), tags ('team', and 'env' for every other trail) and 'created' change row under its own ARN. The share of
// unencrypted and of logging trails is exactly the base's. The schema is vacuumed and ANALYZEd once filled.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { DEFAULT_SHAPE, isUnencrypted, writeOrganization, type OrganizationShape } from './synthetic.js';

export const DEFAULT_BENCH_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function benchPostgresUrl(): string {
  return process.env.BENCH_POSTGRES_URL || DEFAULT_BENCH_POSTGRES_URL;
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/** Why PostgreSQL cannot be used for a benchmark (one line), or undefined when it answers. */
export async function postgresUnavailable(url = benchPostgresUrl()): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${safeUrl(url)} is unreachable (${(error as Error).message || (error as { code?: string }).code || 'no answer'}); set BENCH_POSTGRES_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface PostgresBenchInventory {
  store: PostgresStore;
  /** The database URL with schema= set: the inventory's own. */
  url: string;
  schema: string;
  trails: number;
  /** Trails written through the sync path (the rest are SQL copies of them). */
  syncedTrails: number;
  unencrypted: number;
  /** Runs SQL in the inventory's schema, on the store's pool. */
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** The organization's accounts and regions; the benchmarks' figures use DEFAULT_SHAPE's, their tests a smaller one. */
export type OrganizationSize = Pick<OrganizationShape, 'accounts' | 'regions'>;

/**
 * A fresh schema with `trails` trails: all through the sync path when trails ≤ syncTrails, otherwise syncTrails through
 * the sync path and the rest copied in SQL (see the top of this file). Dropped by close().
 */
export async function openPostgresBenchInventory(
  trails: number,
  log: (line: string) => void,
  { syncTrails = trails, baseUrl = benchPostgresUrl(), organization }: { syncTrails?: number; baseUrl?: string; organization?: OrganizationSize } = {},
): Promise<PostgresBenchInventory> {
  const synced = Math.min(trails, syncTrails);
  const schema = `inventory_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end();
    }
  };
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  let store: PostgresStore | undefined;
  try {
    store = await PostgresStore.open(url.toString());
    const opened = store;
    const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await opened.pool.query<R>(sql, params)).rows;
    const shape: OrganizationShape = { ...DEFAULT_SHAPE, ...organization, trails: synced };
    let started = performance.now();
    await writeOrganization(store, shape);
    const seconds = (performance.now() - started) / 1000;
    log(
      `wrote ${synced} trails in ${shape.accounts} accounts × ${shape.regions} regions through the sync path in ${seconds.toFixed(1)} s (${Math.round(synced / seconds)} trails/s)`,
    );
    if (trails > synced) {
      started = performance.now();
      await copyTrails(store, synced, trails, log);
      log(`copied them in SQL to ${trails} trails in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    // The statistics, and the visibility map that index-only scans (a page's count) rely on: the state autovacuum
    // leaves an inventory in soon after a copy, and would otherwise reach in the middle of a measurement.
    await query('VACUUM (ANALYZE)');
    const [counted] = await query<{ n: string; unencrypted: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE kms_key_id = '') AS unencrypted FROM trails WHERE deleted_at IS NULL`,
    );
    const unencrypted = Number(counted!.unencrypted);
    let expected = 0;
    for (let i = 0; i < trails; i++) if (isUnencrypted(i % synced, shape)) expected++;
    if (Number(counted!.n) !== trails || unencrypted !== expected) {
      throw new Error(`the PostgreSQL bench inventory has ${counted!.n} trails (${unencrypted} unencrypted), not ${trails} (${expected})`);
    }
    log(`PostgreSQL inventory in schema ${schema}: ${trails} trails, ${unencrypted} without a KMS key`);
    return {
      store,
      url: url.toString(),
      schema,
      trails,
      syncedTrails: synced,
      unencrypted,
      query,
      close: async () => {
        await opened.close();
        await drop();
      },
    };
  } catch (error) {
    await store?.close().catch(() => undefined);
    await drop().catch(() => undefined);
    throw error;
  }
}

/**
 * Copies the `base` trails (named trail-0 … trail-<base-1>) into trails base … total-1, one round of copies per
 * statement group, each round in its own transaction.
 */
async function copyTrails(store: PostgresStore, base: number, total: number, log: (line: string) => void): Promise<void> {
  const client = await store.pool.connect();
  try {
    await copyTrailsOn(client, base, total, log);
  } finally {
    client.release();
  }
}

async function copyTrailsOn(client: pg.PoolClient, base: number, total: number, log: (line: string) => void): Promise<void> {
  const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await client.query<R>(sql, params)).rows;
  const columns = (
    await query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'trails' ORDER BY ordinal_position`,
    )
  ).map((row) => row.column_name);
  const derived: Record<string, string> = { arn: 'copy.arn', name: 'copy.name' };
  const list = columns.join(', ');
  const values = columns.map((c) => derived[c] ?? `src.${c}`).join(', ');
  // Copy k of base trail i (i + k × base < total): its new name and ARN, same account and region.
  const copies = `(SELECT src_i.arn AS src_arn,
                          'trail-' || (src_i.i + k.k * $1::int) AS name,
                          'arn:aws:cloudtrail:' || src_i.region || ':' || src_i.account_id || ':trail/trail-' || (src_i.i + k.k * $1::int) AS arn
                     FROM (SELECT arn, region, account_id, substring(name FROM 7)::int AS i FROM trails WHERE name LIKE 'trail-%') src_i
                     CROSS JOIN generate_series($2::int, $3::int) AS k(k)
                    WHERE src_i.i < $1::int AND src_i.i + k.k * $1::int < $4::int)`;
  const rounds = Math.ceil(total / base) - 1;
  // Rounds go in batches so that one statement writes at most ~100,000 trails.
  const perBatch = Math.max(1, Math.floor(100_000 / base));
  for (let first = 1; first <= rounds; first += perBatch) {
    const last = Math.min(rounds, first + perBatch - 1);
    const params = [base, first, last, total];
    await query('BEGIN');
    try {
      await query(`INSERT INTO trails (${list}) SELECT ${values} FROM ${copies} copy JOIN trails src ON src.arn = copy.src_arn`, params);
      await query(
        `INSERT INTO asset_sightings (asset_type, asset_id, account_id, region, last_run_id)
         SELECT s.asset_type, copy.arn, s.account_id, s.region, s.last_run_id FROM ${copies} copy JOIN asset_sightings s ON s.asset_id = copy.src_arn`,
        params,
      );
      await query(
        `INSERT INTO asset_tags (asset_id, key, value) SELECT copy.arn, t.key, t.value FROM ${copies} copy JOIN asset_tags t ON t.asset_id = copy.src_arn`,
        params,
      );
      await query(
        `INSERT INTO asset_changes (asset_id, run_id, changed_at, kind, field, old_value, new_value)
         SELECT copy.arn, c.run_id, c.changed_at, c.kind, c.field, c.old_value, c.new_value
           FROM ${copies} copy JOIN asset_changes c ON c.asset_id = copy.src_arn ORDER BY c.id`,
        params,
      );
      await query('COMMIT');
    } catch (error) {
      await query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    log(`  copied rounds ${first}-${last} of ${rounds}`);
  }
}
