// The shared store for deployments that outgrow one machine: PostgreSQL through a `pg` pool, migrated on open, with the
// same contract as the SQLite store (same results, same order). Writes that several processes may make at once (one
// scope of a sync, retiring an account) take advisory transaction locks in one fixed order: the account (shared, or
// exclusive to retire it), then the scope, then every trail the write may touch, sorted by lock key. No two writers can
// then wait on each other in a cycle, and a trail is read, merged and written by one transaction at a time.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Tag } from '../../model/asset.js';
import { trailCollector } from '../common.js';
import {
  configurationOf, mergeTrailViews, sameJson, TRAIL_ASSET_TYPE, trailFieldChanges, type StoredTrail, type TrailRecord,
} from '../../model/trail.js';
import { MIGRATIONS_DIR } from '../../paths.js';
import {
  checkListPage, contentHash, eachParentPage, groupBy, MAX_QUERY_LIMIT, now, processExists, byResult, catalogWithResults, toControlResultAccount, toControlResultAsset, runsWithTotals, STALE_RUN_MS, toControlResult, toScopeCoverage, toStoredControlException,
} from '../common.js';
import { POSTGRES_DIALECT } from '../dialect.js';
import { ACCOUNT_COLLECTORS, accountLastSyncedAtSql, accountNameSql, accountStatusSql, filterSchemas, RETIRED_BEFORE } from '../filter-schemas.js';
import { afterCursor, decodeCursor, encodeCursor, orderByTerms, type KeyValue } from '../pages.js';
import { noInventory, type StoreAccess } from '../location.js';
import type {
  AccountAttempt, AccountCoverage, AccountOutcome, AccountRetirement, AccountSummary, ApiToken, ApiTokenCredential, ApiTokenScope,
  ControlDescription, ControlLatestResult, ControlResultAccount, ControlResultAsset, ControlResultKey, ControlResultRecord, ControlRunListOptions,
  ControlRunRecord, GroupCount, InventoryStore, ListPage, NewControlException, NewSyncRun, ScopeCounts, ScopeCoverage, ScopeError, ScopeState,
  ScopeStatus, StoredControlException, SyncRun, SyncRunListOptions, SyncRunStatus, SyncRunSummary, TrailChange,
  TrailChangeKind, TrailPage, TrailPageRequest, TrailQueryOptions, TrailScopeResult, ScopeResult, TrailSighting, VerdictToRecord,
} from '../store.js';
import { StoreBusyError, type IntegrityReport } from '../store.js';
import { isComputed, isConstant, trailCatalog, type TrailColumn } from '../trail-columns.js';
import { compileOrderBy, compileWhere, FilterError, sortTerms, type FilterSchema } from '../where.js';
import { PostgresBulkSession } from './bulk.js';
import { migratePostgres } from './migrate.js';

const D = POSTGRES_DIALECT;
const CATALOG = trailCatalog(D);
const FILTERS = filterSchemas(D);

export interface PostgresStoreOptions {
  migrationsDir?: string;
  /** How old a running run's heartbeat may get before the run counts as interrupted (tests shorten it). */
  staleRunMs?: number;
  /** Connections in the pool (default 10; URL parameter pool_size). */
  poolSize?: number;
  /** statement_timeout in milliseconds for every statement (default none; URL parameter statement_timeout). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (URL parameter connect_timeout, in seconds; default 10 s). */
  connectTimeoutMs?: number;
  /** The schema the inventory lives in (default the server's search_path; URL parameter schema). */
  schema?: string;
  /** TLS options for the connections; `sslmode`, `sslrootcert`, `sslcert` and `sslkey` in the URL work as in libpq. */
  ssl?: pg.ConnectionConfig['ssl'];
  /** Read or write access needs an inventory in the schema; create (the default) makes one (README, The inventory file). */
  access?: StoreAccess;
}

type Row = Record<string, unknown>;

const TOKEN_COLUMNS = 'id, name, scope, created_at, last_used_at, revoked_at';
type Query = <R extends Row = Row>(sql: string, params?: readonly unknown[]) => Promise<R[]>;

/** pg gives int8 and numeric as strings (they may exceed 2^53); every count and sum here fits a number. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Deadlocks and serialization failures are retried (they should not happen: the lock order is fixed). */
const RETRYABLE = new Set(['40P01', '40001']);

/** The settings this store reads from a postgres:// URL's query, removed before pg sees the rest. */
export function parsePostgresUrl(url: string): { connectionString: string; options: PostgresStoreOptions } {
  const parsed = new URL(url);
  const options: PostgresStoreOptions = {};
  const take = (name: string): string | undefined => {
    const value = parsed.searchParams.get(name);
    parsed.searchParams.delete(name);
    return value ?? undefined;
  };
  const positive = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${value}"`);
    return n;
  };
  const poolSize = positive('pool_size', take('pool_size'));
  const statementTimeoutMs = positive('statement_timeout', take('statement_timeout'));
  const schema = take('schema');
  const connectTimeoutSeconds = positive('connect_timeout', take('connect_timeout'));
  if (connectTimeoutSeconds !== undefined) options.connectTimeoutMs = connectTimeoutSeconds * 1000;
  if (poolSize !== undefined) options.poolSize = poolSize;
  if (statementTimeoutMs !== undefined) options.statementTimeoutMs = statementTimeoutMs;
  if (schema !== undefined) options.schema = schema;
  return { connectionString: parsed.toString(), options };
}

export class PostgresStore implements InventoryStore {
  readonly kind = 'postgres' as const;
  private closed = false;
  /** As in the SQLite store: the content hash each incoming record settled into, so a trail seen in 17 regions is merged once. */
  private readonly settled = new WeakMap<TrailRecord, string>();

  /**
   * /healthz and /readyz read through a connection of their own (ping, trailTotals), so that a pool busy with queries
   * is not taken for a database that is down (README, PostgreSQL).
   */
  private readonly probes: pg.Pool;

  private constructor(readonly pool: pg.Pool, private readonly lockNamespace: string, private readonly staleRunMs: number) {
    this.probes = new pg.Pool({ ...pool.options, max: 1 });
    this.probes.on('error', () => undefined);
  }

  /**
   * Connects, and applies pending migrations (under an advisory lock: several processes may open at once). The URL's
   * parameters override `defaults`, and `options` override both.
   */
  static async open(url: string, options: PostgresStoreOptions = {}, defaults: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const fromUrl = parsePostgresUrl(url);
    const settings = { ...defaults, ...fromUrl.options, ...options };
    if (settings.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(settings.schema)) {
      throw new Error(`schema must be a lower-case SQL identifier, not "${settings.schema}"`);
    }
    const config: pg.PoolConfig = {
      connectionString: fromUrl.connectionString,
      max: settings.poolSize ?? 10,
      types: TYPES,
      application_name: 'cloud-inventory',
      // A server that does not answer is an error after this long, not a command that hangs.
      connectionTimeoutMillis: settings.connectTimeoutMs ?? 10_000,
    };
    if (settings.statementTimeoutMs !== undefined) config.statement_timeout = settings.statementTimeoutMs;
    if (settings.schema !== undefined) config.options = `-c search_path=${settings.schema}`;
    if (settings.ssl !== undefined) config.ssl = settings.ssl;
    const pool = new pg.Pool(config);
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      if ((settings.access ?? 'create') !== 'create') {
        const [found] = (await pool.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`)).rows;
        if (!found?.present) throw noInventory(url);
      }
      await migratePostgres(pool, settings.migrationsDir ?? join(MIGRATIONS_DIR, 'postgres'), now);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStore(pool, settings.schema ?? '', settings.staleRunMs ?? STALE_RUN_MS);
  }

  private readonly query: Query = async <R extends Row>(sql: string, params: readonly unknown[] = []) => {
    try {
      return (await this.pool.query<R>(sql, params as unknown[])).rows;
    } catch (error) {
      throw this.busyOr(error);
    }
  };

  /** A connection of the pool for a transaction; StoreBusyError when every one stayed in use for the connect timeout. */
  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.busyOr(error);
    }
  }

  /** pg says the same when the server does not answer: busy is when every connection of the pool exists and is in use. */
  private busyOr(error: unknown): unknown {
    const max = this.pool.options.max ?? 10;
    if (!/timeout exceeded when trying to connect/i.test((error as Error | undefined)?.message ?? '') || this.pool.totalCount < max) return error;
    return new StoreBusyError(`all ${max} connections to PostgreSQL are in use (pool_size); try again shortly`);
  }

  /** Runs `work` in one transaction on one connection, retrying it whole on a deadlock or serialization failure. */
  private async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      try {
        await client.query('BEGIN');
        const result = await work(async <R extends Row>(sql: string, params: readonly unknown[] = []) =>
          (await client.query<R>(sql, params as unknown[])).rows);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (attempt < 5 && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
        throw error;
      } finally {
        client.release();
      }
    }
  }

  /** 64-bit advisory lock keys, from the inventory's schema and the locked thing's name. */
  private lockKey(name: string): bigint {
    return createHash('sha256').update(`${this.lockNamespace}\0${name}`).digest().readBigInt64BE(0);
  }

  /** Takes the exclusive transaction locks of `names`, in the order of their keys (every writer uses this order). */
  private async lockAll(query: Query, names: Iterable<string>): Promise<void> {
    const keys = [...new Set([...names].map((name) => this.lockKey(name)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (keys.length === 0) return;
    // unnest yields the array in order, and the locks are taken row by row as it does.
    await query(`SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS t(k)`, [keys.map(String)]);
  }

  async startSyncRun(run: NewSyncRun): Promise<SyncRun> {
    const startedAt = now();
    const [row] = await this.query(
      `INSERT INTO sync_runs (collector, status, started_at, heartbeat_at, host, pid, requested_regions)
       VALUES ($1, 'running', $2, $2, $3, $4, $5::jsonb) RETURNING *`,
      [run.collector, startedAt, hostname(), process.pid, JSON.stringify(run.requestedRegions)],
    );
    return toSyncRun(row!);
  }

  async heartbeatSyncRun(runId: number): Promise<void> {
    await this.beat(this.query, runId);
  }

  async finishSyncRun(runId: number, status: Exclude<SyncRunStatus, 'running'>, error?: ScopeError): Promise<SyncRun> {
    await this.query(`UPDATE sync_runs SET status = $1, finished_at = $2, error_code = $3, error_message = $4 WHERE id = $5`, [
      status, now(), error?.code ?? null, error?.message ?? null, runId,
    ]);
    return (await this.readSyncRun(runId))!;
  }

  async latestSyncRun(collector: string): Promise<SyncRun | undefined> {
    await this.markInterruptedRuns();
    const [row] = await this.query(`SELECT * FROM sync_runs WHERE collector = $1 ORDER BY id DESC LIMIT 1`, [collector]);
    return row && toSyncRun(row);
  }

  async listSyncRuns(options: SyncRunListOptions = {}): Promise<SyncRunSummary[]> {
    const { collector, limit = 20, offset = 0 } = options;
    if (!Number.isInteger(limit) || limit < 0) throw new FilterError('limit must be a non-negative integer', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new FilterError('offset must be a non-negative integer', 'offset');
    await this.markInterruptedRuns();
    const rows = await this.query(`SELECT * FROM sync_runs WHERE $1::text IS NULL OR collector = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`, [
      collector ?? null, limit, offset,
    ]);
    return this.withTotals(rows.map(toSyncRun));
  }

  async syncRun(id: number): Promise<SyncRunSummary | undefined> {
    await this.markInterruptedRuns();
    const run = await this.readSyncRun(id);
    return run && (await this.withTotals([run]))[0];
  }

  private async withTotals(runs: SyncRun[]): Promise<SyncRunSummary[]> {
    const ids = runs.map((r) => r.id);
    const scopeRows = await this.query(
      `SELECT run_id, count(*) FILTER (WHERE status = 'ok') AS ok, count(*) FILTER (WHERE status = 'skipped') AS skipped,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              sum(assets_seen) AS seen, sum(assets_new) AS new, sum(assets_changed) AS changed, sum(assets_deleted) AS deleted
         FROM sync_scopes WHERE run_id = ANY($1::int[]) GROUP BY run_id`,
      [ids],
    );
    const accountRows = await this.query(
      `SELECT run_id, count(*) AS failed FROM sync_accounts WHERE status = 'failed' AND run_id = ANY($1::int[]) GROUP BY run_id`,
      [ids],
    );
    return runsWithTotals(runs, scopeRows, accountRows);
  }

  async writeScope(runId: number, scope: ScopeResult): Promise<ScopeCounts> {
    const { assetType: _type, assets, ...rest } = scope;
    return this.writeTrailScope(runId, trailCollector(scope.assetType), { ...rest, trails: assets as TrailRecord[] });
  }

  async writeTrailScope(runId: number, collector: string, scope: TrailScopeResult): Promise<ScopeCounts> {
    return this.transaction(async (query) => {
      // Lock order: the account (shared: scopes of one account may be written at once, but not while it is retired),
      // the scope, then every trail this scope lists or listed (sorted by key).
      await query(`SELECT pg_advisory_xact_lock_shared($1::bigint)`, [String(this.lockKey(`account\0${collector}\0${scope.accountId}`))]);
      await query(`SELECT pg_advisory_xact_lock($1::bigint)`, [String(this.lockKey(`scope\0${collector}\0${scope.accountId}\0${scope.region}`))]);
      const counts: ScopeCounts = { seen: 0, new: 0, changed: 0, deleted: 0 };
      const at = now();
      const [previous] = await query<{ last_success_at: string | null }>(
        `SELECT last_success_at FROM sync_scope_state WHERE collector = $1 AND account_id = $2 AND region = $3`,
        [collector, scope.accountId, scope.region],
      );
      if (scope.status === 'ok') {
        const listed = await query<{ trail_arn: string }>(`SELECT trail_arn FROM trail_sightings WHERE account_id = $1 AND region = $2`, [
          scope.accountId, scope.region,
        ]);
        await this.lockAll(query, [...scope.trails.map((t) => `trail\0${t.arn}`), ...listed.map((l) => `trail\0${l.trail_arn}`)]);
        const keepStored = new Set(scope.keepStoredDetailsOf ?? []);
        for (const trail of scope.trails) {
          const outcome = await this.upsertTrail(query, runId, trail, scope.accountId, at, keepStored.has(trail.arn));
          counts.seen += 1;
          if (outcome === 'new') counts.new += 1;
          if (outcome === 'changed') counts.changed += 1;
          // Only a sighting this scope never had before is written; one it still has is left as it is.
          await query(
            `INSERT INTO trail_sightings (trail_arn, account_id, region, last_run_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
            [trail.arn, scope.accountId, scope.region, runId],
          );
        }
        counts.deleted = await this.dropStaleSightings(query, runId, scope, previous?.last_success_at ?? null, at);
      }
      const succeeded = scope.status !== 'failed';
      await query(
        `INSERT INTO sync_scope_state (collector, account_id, region, last_run_id, last_status, last_attempt_at, last_error_code,
                                       last_error_message, last_success_run_id, last_success_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (collector, account_id, region) DO UPDATE SET
           last_run_id = excluded.last_run_id, last_status = excluded.last_status, last_attempt_at = excluded.last_attempt_at,
           last_error_code = excluded.last_error_code, last_error_message = excluded.last_error_message,
           last_success_run_id = coalesce(excluded.last_success_run_id, sync_scope_state.last_success_run_id),
           last_success_at = coalesce(excluded.last_success_at, sync_scope_state.last_success_at)`,
        [collector, scope.accountId, scope.region, runId, scope.status, at, scope.error?.code ?? null, scope.error?.message ?? null,
          succeeded ? runId : null, succeeded ? at : null],
      );
      await query(
        `INSERT INTO sync_scopes (run_id, collector, account_id, region, status, finished_at, error_code, error_message,
                                  assets_seen, assets_new, assets_changed, assets_deleted)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [runId, collector, scope.accountId, scope.region, scope.status, at, scope.error?.code ?? null,
          scope.error?.message ?? null, counts.seen, counts.new, counts.changed, counts.deleted],
      );
      await this.beat(query, runId, at);
      return counts;
    });
  }

  /** As SqliteStore.upsertTrail; the caller holds the trail's lock. */
  private async upsertTrail(query: Query, runId: number, incoming: TrailRecord, viewerAccountId: string, at: string, keepStored: boolean): Promise<'new' | 'changed' | 'unchanged' | 'seen again'> {
    const [head] = await query(`SELECT content_hash, last_run_id, deleted_at FROM trails WHERE arn = $1`, [incoming.arn]);
    const merge = viewerAccountId !== incoming.accountId || keepStored;
    if (head && head.deleted_at === null && this.settled.get(incoming) === `${merge}:${head.content_hash}`) {
      return head.last_run_id === runId ? 'seen again' : 'unchanged';
    }
    const existing = head && (await query(`SELECT * FROM trails WHERE arn = $1`, [incoming.arn]))[0]!;
    const seenAgain = existing !== undefined && existing.last_run_id === runId;
    const before = existing && toTrailRecord(existing, await this.tagsOf(query, incoming.arn));
    const record = before && merge ? mergeTrailViews(before, incoming) : incoming;
    const content = contentHash(record);
    const config = contentHash(configurationOf(record));
    const revived = existing !== undefined && existing.deleted_at !== null;
    const outcome = seenAgain ? 'seen again' : !existing ? 'new' : revived || existing.config_hash !== config ? 'changed' : 'unchanged';
    this.settled.set(incoming, `${merge}:${content}`);
    if (existing && existing.content_hash === content && !revived) return outcome;

    const values = CATALOG.content.map((c) => encodeColumn(c, (record as unknown as Row)[c.field]));
    const tagsKnown = record.tags !== null;
    const cast = (c: TrailColumn) => (c.kind === 'json' ? '::jsonb' : '');
    if (!existing) {
      const columns = [...CATALOG.content.map((c) => c.sql), 'first_seen_at', 'last_seen_at', 'last_run_id', 'content_hash', 'config_hash', 'tags_known'];
      const placeholders = [...CATALOG.content.map((c, i) => `$${i + 1}${cast(c)}`), ...[0, 1, 2, 3, 4, 5].map((i) => `$${CATALOG.content.length + i + 1}`)];
      await query(`INSERT INTO trails (${columns.join(', ')}) VALUES (${placeholders.join(', ')})`, [...values, at, at, runId, content, config, tagsKnown]);
      await this.recordChange(query, record.arn, runId, at, 'created');
    } else {
      const n = CATALOG.content.length;
      const assignments = [
        ...CATALOG.content.map((c, i) => `${c.sql} = $${i + 1}${cast(c)}`),
        `last_seen_at = $${n + 1}`, `last_run_id = $${n + 2}`, `content_hash = $${n + 3}`, `config_hash = $${n + 4}`, `tags_known = $${n + 5}`, 'deleted_at = NULL',
      ];
      await query(`UPDATE trails SET ${assignments.join(', ')} WHERE arn = $${n + 6}`, [...values, at, runId, content, config, tagsKnown, record.arn]);
      if (revived) await this.recordChange(query, record.arn, runId, at, 'restored');
      for (const change of trailFieldChanges(before!, record)) await this.recordChange(query, record.arn, runId, at, 'changed', change.field, change.from, change.to);
    }
    await this.updateTags(query, record.arn, before?.tags ?? [], record.tags ?? []);
    return outcome;
  }

  private async updateTags(query: Query, assetId: string, old: readonly Tag[], tags: readonly Tag[]): Promise<void> {
    const oldValues = new Map(old.map((t) => [t.key, t.value]));
    const newKeys = new Set(tags.map((t) => t.key));
    const removed = [...oldValues.keys()].filter((key) => !newKeys.has(key));
    if (removed.length > 0) await query(`DELETE FROM asset_tags WHERE asset_id = $1 AND key = ANY($2::text[])`, [assetId, removed]);
    const changed = tags.filter((tag) => oldValues.get(tag.key) !== tag.value);
    if (changed.length > 0) {
      await query(
        `INSERT INTO asset_tags (asset_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
         ON CONFLICT (asset_id, key) DO UPDATE SET value = excluded.value`,
        [assetId, changed.map((t) => t.key), changed.map((t) => t.value)],
      );
    }
  }

  private async tagsOf(query: Query, assetId: string): Promise<Tag[]> {
    return query<{ key: string; value: string }>(`SELECT key, value FROM asset_tags WHERE asset_id = $1 ORDER BY key`, [assetId]);
  }

  /** As SqliteStore.recordChange: one history entry per field and run, a deletion undone in the same run leaves nothing. */
  private async recordChange(query: Query, arn: string, runId: number, at: string, kind: TrailChangeKind, field: string | null = null, from: unknown = null, to: unknown = null): Promise<void> {
    const thisRun = await query<{ id: number; kind: TrailChangeKind; field: string | null; old_value: unknown }>(
      `SELECT id, kind, field, old_value FROM trail_changes WHERE run_id = $1 AND trail_arn = $2`,
      [runId, arn],
    );
    const remove = (id: number) => query(`DELETE FROM trail_changes WHERE id = $1`, [id]);
    if (kind === 'changed') {
      if (thisRun.some((c) => c.kind === 'created')) return;
      const prior = thisRun.find((c) => c.kind === 'changed' && c.field === field);
      if (prior) {
        if (sameJson(prior.old_value ?? null, to)) await remove(prior.id);
        else await query(`UPDATE trail_changes SET new_value = $1::jsonb, changed_at = $2 WHERE id = $3`, [jsonParam(to), at, prior.id]);
        return;
      }
    }
    const undone = kind === 'restored' ? 'deleted' : kind === 'deleted' ? 'restored' : undefined;
    const opposite = thisRun.find((c) => c.kind === undone);
    if (opposite) {
      await remove(opposite.id);
      return;
    }
    await query(
      `INSERT INTO trail_changes (trail_arn, run_id, changed_at, kind, field, old_value, new_value) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)`,
      [arn, runId, at, kind, field, jsonParam(from), jsonParam(to)],
    );
  }

  private async dropStaleSightings(query: Query, runId: number, scope: TrailScopeResult, previousSuccessAt: string | null, at: string): Promise<number> {
    const gone = await query<{ trail_arn: string }>(
      `DELETE FROM trail_sightings WHERE account_id = $1 AND region = $2 AND NOT (trail_arn = ANY($3::text[])) RETURNING trail_arn`,
      [scope.accountId, scope.region, scope.trails.map((t) => t.arn)],
    );
    if (gone.length === 0) return 0;
    const deleted = await query<{ arn: string }>(
      `UPDATE trails SET deleted_at = $1, last_seen_at = coalesce($2, last_seen_at)
        WHERE arn = ANY($3::text[]) AND deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM trail_sightings s WHERE s.trail_arn = trails.arn)
        RETURNING arn`,
      [at, previousSuccessAt, gone.map((g) => g.trail_arn)],
    );
    for (const { arn } of deleted) await this.recordChange(query, arn, runId, at, 'deleted');
    return deleted.length;
  }

  async recordAccount(runId: number, collector: string, outcome: AccountOutcome): Promise<void> {
    await this.query(
      `INSERT INTO sync_accounts (run_id, collector, account_id, status, enabled_regions, finished_at, error_code, error_message, account_name)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)`,
      [runId, collector, outcome.accountId, outcome.status, outcome.enabledRegions && JSON.stringify(outcome.enabledRegions), now(),
        outcome.error?.code ?? null, outcome.error?.message ?? null, outcome.name ?? null],
    );
  }

  async retireAccount(runId: number, collector: string, accountId: string, reason: string): Promise<AccountRetirement | undefined> {
    return this.transaction(async (query) => {
      // Exclusive on the account: no scope of it is being written meanwhile (they hold it shared).
      await query(`SELECT pg_advisory_xact_lock($1::bigint)`, [String(this.lockKey(`account\0${collector}\0${accountId}`))]);
      const known = await query(
        `SELECT 1 FROM sync_scope_state WHERE collector = $1 AND account_id = $2
         UNION ALL
         SELECT 1 FROM sync_accounts a WHERE a.collector = $1 AND a.account_id = $2 AND a.run_id > ${RETIRED_BEFORE('a')}
         LIMIT 1`,
        [collector, accountId],
      );
      if (known.length === 0) return undefined;
      const at = now();
      const sighted = await query<{ trail_arn: string }>(`SELECT DISTINCT trail_arn FROM trail_sightings WHERE account_id = $1`, [accountId]);
      await this.lockAll(query, sighted.map((s) => `trail\0${s.trail_arn}`));
      const regions = (await query(`DELETE FROM sync_scope_state WHERE collector = $1 AND account_id = $2 RETURNING 1`, [collector, accountId])).length;
      await query(
        `INSERT INTO retired_accounts (collector, account_id, run_id, retired_at, reason) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (collector, account_id) DO UPDATE SET run_id = excluded.run_id, retired_at = excluded.retired_at, reason = excluded.reason`,
        [collector, accountId, runId, at, reason],
      );
      const unseen = await query<{ trail_arn: string }>(`DELETE FROM trail_sightings WHERE account_id = $1 RETURNING trail_arn`, [accountId]);
      const deleted = await query<{ arn: string }>(
        `UPDATE trails SET deleted_at = $1 WHERE arn = ANY($2::text[]) AND deleted_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM trail_sightings s WHERE s.trail_arn = trails.arn)
          RETURNING arn`,
        [at, [...new Set(unseen.map((u) => u.trail_arn))]],
      );
      // RETURNING gives rows in no promised order; history is written in the order SQLite's rowid scan gives (by ARN).
      deleted.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
      for (const { arn } of deleted) await this.recordChange(query, arn, runId, at, 'deleted');
      return { regions, trailsDeleted: deleted.length };
    });
  }

  async accountCoverage(collector: string): Promise<AccountCoverage[]> {
    return (await this.accountAttempts(collector)).map(({ finishedAt: _finishedAt, ...account }) => account);
  }

  async accountAttempts(collector: string): Promise<AccountAttempt[]> {
    const rows = await this.query(
      `SELECT a.*, (SELECT k.enabled_regions FROM sync_accounts k
                      WHERE k.collector = a.collector AND k.account_id = a.account_id AND k.enabled_regions IS NOT NULL
                        AND k.run_id > ${RETIRED_BEFORE('k')}
                      ORDER BY k.run_id DESC LIMIT 1) AS known_regions
         FROM sync_accounts a
        WHERE a.collector = $1
          AND a.run_id = (SELECT max(run_id) FROM sync_accounts l WHERE l.collector = a.collector AND l.account_id = a.account_id)
          AND a.run_id > ${RETIRED_BEFORE('a')}
        ORDER BY a.account_id`,
      [collector],
    );
    return rows.map((row) => ({
      accountId: row.account_id as string,
      status: row.status as AccountCoverage['status'],
      runId: row.run_id as number,
      error: row.error_code ? { code: row.error_code as string, message: (row.error_message as string) ?? '' } : null,
      enabledRegions: (row.known_regions as string[] | null) ?? null,
      finishedAt: row.finished_at as string,
    }));
  }

  async scopeCoverage(collector: string): Promise<ScopeCoverage[]> {
    return (await this.scopeStates(collector)).map((state) => ({
      accountId: state.accountId,
      region: state.region,
      status: state.lastStatus,
      runId: state.lastRunId,
      finishedAt: state.lastAttemptAt,
      error: state.error,
      lastSuccessAt: state.lastSuccessAt,
    }));
  }

  async scopeStates(collector: string): Promise<ScopeState[]> {
    const rows = await this.query(`SELECT * FROM sync_scope_state WHERE collector = $1 ORDER BY account_id, region`, [collector]);
    return rows.map((row) => ({
      accountId: row.account_id as string,
      region: row.region as string,
      lastRunId: row.last_run_id as number,
      lastStatus: row.last_status as ScopeState['lastStatus'],
      lastAttemptAt: row.last_attempt_at as string,
      error: row.last_error_code ? { code: row.last_error_code as string, message: (row.last_error_message as string) ?? '' } : null,
      lastSuccessRunId: (row.last_success_run_id as number | null) ?? null,
      lastSuccessAt: (row.last_success_at as string | null) ?? null,
    }));
  }

  async scopesOfRun(runId: number): Promise<(ScopeCoverage & ScopeCounts)[]> {
    return (await this.scopesOfRuns([runId]))[0]!;
  }

  async scopesOfRuns(runIds: readonly number[], status?: ScopeStatus, page?: ListPage): Promise<(ScopeCoverage & ScopeCounts)[][]> {
    const paged = postgresPage(page, 'run_id', 'account_id, region', 3);
    const rows = await this.query(
      `SELECT * FROM (SELECT s.*, NULL AS last_success_at${paged.column} FROM sync_scopes s
        WHERE run_id = ANY($1::int[]) AND ($2::text IS NULL OR status = $2)) scopes WHERE ${paged.keep} ORDER BY run_id, account_id, region`,
      [runIds, status ?? null, ...paged.params],
    );
    return groupBy(runIds.map(String), rows, (row) => String(row.run_id), (row) => ({
      ...toScopeCoverage(row),
      seen: row.assets_seen as number,
      new: row.assets_new as number,
      changed: row.assets_changed as number,
      deleted: row.assets_deleted as number,
    }));
  }

  async findTrails(where: unknown, options: TrailQueryOptions = {}): Promise<StoredTrail[]> {
    return this.selectTrails(where, FILTERS.trail, options);
  }

  private async selectTrails(where: unknown, filter: FilterSchema, options: TrailQueryOptions): Promise<StoredTrail[]> {
    const predicate = compileWhere(where, filter, D);
    const orderBy = compileOrderBy(options.sort, filter.columns, 'arn');
    const { limit, offset } = options;
    if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || limit < 0 || limit > MAX_QUERY_LIMIT)) {
      throw new FilterError(`limit must be an integer from 0 to ${MAX_QUERY_LIMIT}`, 'options.limit');
    }
    if (offset !== undefined && offset !== null && (!Number.isInteger(offset) || offset < 0)) {
      throw new FilterError('offset must be a non-negative integer', 'options.offset');
    }
    const n = predicate.params.length;
    const rows = await this.query(
      `SELECT ${selectList(options.fields)} FROM trails WHERE ${options.includeDeleted ? '' : 'deleted_at IS NULL AND '}${predicate.sql}
        ORDER BY ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...predicate.params, limit === undefined || limit === null ? null : limit + (options.oneMore ? 1 : 0), offset ?? 0],
    );
    return rows.map(toStoredTrail);
  }

  async trailsById(ids: readonly string[]): Promise<(StoredTrail | undefined)[]> {
    const rows = await this.query(`SELECT ${CATALOG.allValues} FROM trails WHERE arn = ANY($1::text[])`, [ids]);
    const byId = new Map(rows.map((row) => [row.arn as string, toStoredTrail(row)]));
    return ids.map((id) => byId.get(id));
  }

  async tagsByAssetId(ids: readonly string[], page?: ListPage): Promise<Tag[][]> {
    // A page of each asset's tags by the primary key (asset_id, key), LIMIT and OFFSET per asset.
    const { limit, offset } = checkListPage(page);
    const rows = await this.query<{ asset_id: string; key: string; value: string }>(
      `SELECT id.asset_id, tag.key, tag.value FROM unnest($1::text[]) AS id(asset_id)
         CROSS JOIN LATERAL (SELECT t.key, t.value FROM asset_tags t WHERE t.asset_id = id.asset_id ORDER BY t.key LIMIT $2 OFFSET $3) tag
        ORDER BY id.asset_id, tag.key`,
      [[...new Set(ids)], limit ?? null, offset],
    );
    const byAsset = new Map<string, Tag[]>();
    for (const { asset_id: assetId, key, value } of rows) {
      const tags = byAsset.get(assetId);
      if (tags) tags.push({ key, value });
      else byAsset.set(assetId, [{ key, value }]);
    }
    return ids.map((id) => byAsset.get(id) ?? []);
  }

  async sightingsByTrailArn(arns: readonly string[], page?: ListPage): Promise<TrailSighting[][]> {
    const paged = postgresPage(page, 'trail_arn', 'account_id, region', 2);
    const rows = await this.query<{ trail_arn: string; account_id: string; region: string }>(
      `SELECT trail_arn, account_id, region FROM (SELECT trail_arn, account_id, region${paged.column} FROM trail_sightings WHERE trail_arn = ANY($1::text[])) seen
        WHERE ${paged.keep} ORDER BY account_id, region`,
      [arns, ...paged.params],
    );
    return groupBy(arns, rows, (row) => row.trail_arn, (row) => ({ accountId: row.account_id, region: row.region }));
  }

  async trailsOfAccounts(accountIds: readonly string[], page?: ListPage): Promise<StoredTrail[][]> {
    // The (account, trail) pairs are paged first, so only the trails of each account's page are read whole.
    const paged = postgresPage(page, 'seen_by', 'trail_arn', 2);
    const rows = await this.query(
      `SELECT pairs.seen_by, ${CATALOG.allValues}
         FROM (SELECT seen_by, trail_arn${paged.column}
                 FROM (SELECT DISTINCT s.account_id AS seen_by, s.trail_arn FROM trail_sightings s JOIN trails t ON t.arn = s.trail_arn
                        WHERE s.account_id = ANY($1::text[]) AND t.deleted_at IS NULL) seen) pairs
         JOIN trails ON trails.arn = pairs.trail_arn
        WHERE ${paged.keep} ORDER BY trails.arn`,
      [accountIds, ...paged.params],
    );
    return groupBy(accountIds, rows, (row) => row.seen_by as string, toStoredTrail);
  }

  async trailHistory(arns: readonly string[], page?: ListPage): Promise<TrailChange[][]> {
    const paged = postgresPage(page, 'trail_arn', 'id DESC', 2);
    const rows = await this.query(
      `SELECT * FROM (SELECT *${paged.column} FROM trail_changes WHERE trail_arn = ANY($1::text[])) changes WHERE ${paged.keep} ORDER BY id DESC`,
      [arns, ...paged.params],
    );
    return groupBy(arns, rows, (row) => row.trail_arn as string, (row) => ({
      trailArn: row.trail_arn as string,
      runId: row.run_id as number,
      changedAt: row.changed_at as string,
      kind: row.kind as TrailChangeKind,
      field: (row.field as string | null) ?? null,
      from: row.old_value ?? null,
      to: row.new_value ?? null,
    }));
  }

  async ping(): Promise<void> {
    await this.probes.query('SELECT 1');
  }

  /**
   * PostgreSQL has no check of a whole database comparable to SQLite's integrity_check without the amcheck extension
   * (not installed by default, and needing superuser grants); page checksums, when the cluster has them, make a damaged
   * page an error on read, which fails the query and so the verdict (ERROR). Nothing is checked here, and it says so.
   */
  async checkIntegrity(): Promise<IntegrityReport> {
    return { ok: true, problems: [], method: 'not checked: PostgreSQL has no integrity check without the amcheck extension (see README, PostgreSQL)' };
  }

  async changeStamp(): Promise<string> {
    return '';
  }

  /**
   * For `inventory store copy` (src/store/copy.ts): runs `work` in one transaction on one connection, committed when it
   * returns and rolled back, all of it, when it throws. Never retried: a copy is all or nothing, once.
   */
  async bulkTransaction<T>(work: (session: PostgresBulkSession) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const result = await work(new PostgresBulkSession(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.probes.end()]);
  }

  private async readSyncRun(id: number): Promise<SyncRun | undefined> {
    const [row] = await this.query(`SELECT * FROM sync_runs WHERE id = $1`, [id]);
    return row && toSyncRun(row);
  }

  private async beat(query: Query, runId: number, at = now()): Promise<void> {
    await query(`UPDATE sync_runs SET heartbeat_at = $1 WHERE id = $2 AND status = 'running'`, [at, runId]);
  }

  private async markInterruptedRuns(): Promise<void> {
    const running = await this.query<{ id: number; host: string; pid: number; alive_at: string }>(
      `SELECT id, host, pid, coalesce(heartbeat_at, started_at) AS alive_at FROM sync_runs WHERE status = 'running'`,
    );
    const staleBefore = new Date(Date.now() - this.staleRunMs).toISOString();
    for (const run of running) {
      if ((run.host === hostname() && !processExists(run.pid)) || run.alive_at < staleBefore) {
        await this.query(`UPDATE sync_runs SET status = 'interrupted' WHERE id = $1 AND status = 'running'`, [run.id]);
      }
    }
  }

  // ---- Accounts, pages, aggregates and assets of any type.

  async findAccounts(where: unknown, page?: ListPage): Promise<AccountSummary[]> {
    const predicate = compileWhere(where, FILTERS.account, D);
    const { limit, offset } = checkListPage(page);
    const n = predicate.params.length;
    const rows = await this.query(
      `WITH accounts(account_id) AS (
         SELECT account_id FROM trails WHERE deleted_at IS NULL
         UNION SELECT account_id FROM sync_scope_state WHERE collector = ANY($${n + 1}::text[])
         UNION SELECT a.account_id FROM sync_accounts a WHERE a.collector = ANY($${n + 1}::text[]) AND a.run_id > ${RETIRED_BEFORE('a')})
       SELECT ${accountValues('accounts.account_id')} FROM accounts WHERE ${predicate.sql} ORDER BY accounts.account_id LIMIT $${n + 2} OFFSET $${n + 3}`,
      [...predicate.params, ACCOUNT_COLLECTORS, limit ?? null, offset],
    );
    return rows.map(toAccountSummary);
  }

  async accountsById(ids: readonly string[]): Promise<(AccountSummary | undefined)[]> {
    const rows = await this.query(
      `SELECT ${accountValues('ids.value')} FROM unnest($1::text[]) AS ids(value)
        WHERE EXISTS (SELECT 1 FROM trails t WHERE t.account_id = ids.value AND t.deleted_at IS NULL)
           OR EXISTS (SELECT 1 FROM sync_scope_state s WHERE s.collector = ANY($2::text[]) AND s.account_id = ids.value)
           OR EXISTS (SELECT 1 FROM sync_accounts a WHERE a.collector = ANY($2::text[]) AND a.account_id = ids.value AND a.run_id > ${RETIRED_BEFORE('a')})`,
      [[...new Set(ids)], ACCOUNT_COLLECTORS],
    );
    const byId = new Map(rows.map((row) => [row.account_id as string, toAccountSummary(row)]));
    return ids.map((id) => byId.get(id));
  }

  async findTrailsPage(where: unknown, page: TrailPageRequest): Promise<TrailPage> {
    const predicate = compileWhere(where, FILTERS.trail, D);
    const terms = sortTerms(page.sort, CATALOG.byField);
    const { first } = page;
    if (!Number.isInteger(first) || first < 0 || first > MAX_QUERY_LIMIT) throw new FilterError(`first must be an integer from 0 to ${MAX_QUERY_LIMIT}`, 'first');
    const keyset = page.after === undefined || page.after === null
      ? { sql: D.trueLiteral, params: [] }
      : afterCursor(terms, decodeCursor(page.after, terms), 'arn', D);
    const keys = terms.map((term, i) => `${term.column.sql} AS page_key_${i}`);
    const n = predicate.params.length + keyset.params.length;
    const rows = await this.query(
      `SELECT ${[selectList(page.fields), ...keys].join(', ')} FROM trails
        WHERE deleted_at IS NULL AND ${predicate.sql} AND ${shiftPlaceholders(keyset.sql, predicate.params.length)}
        ORDER BY ${orderByTerms(terms, 'arn')} LIMIT $${n + 1}`,
      [...predicate.params, ...keyset.params, first + 1],
    );
    const shown = rows.slice(0, first);
    return {
      trails: shown.map(toStoredTrail),
      cursors: shown.map((row) => encodeCursor(terms, { keys: terms.map((_, i) => cursorKey(row[`page_key_${i}`])), id: row.arn as string })),
      hasNextPage: rows.length > first,
    };
  }

  async hasTrailsBefore(where: unknown, page: Pick<TrailPageRequest, 'after' | 'sort'> & { after: string }): Promise<boolean> {
    const predicate = compileWhere(where, FILTERS.trail, D);
    const terms = sortTerms(page.sort, CATALOG.byField);
    const keyset = afterCursor(terms, decodeCursor(page.after, terms), 'arn', D);
    const [row] = await this.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM trails WHERE deleted_at IS NULL AND ${predicate.sql}
                         AND NOT coalesce(${shiftPlaceholders(keyset.sql, predicate.params.length)}, FALSE)) AS found`,
      [...predicate.params, ...keyset.params],
    );
    return row!.found;
  }

  async countTrails(where: unknown): Promise<number> {
    const predicate = compileWhere(where, FILTERS.trail, D);
    const [row] = await this.query<{ n: number }>(`SELECT count(*) AS n FROM trails WHERE deleted_at IS NULL AND ${predicate.sql}`, predicate.params);
    return row!.n;
  }

  async countTrailsBy(where: unknown, field: string, page?: ListPage): Promise<GroupCount[]> {
    const column = CATALOG.byField.get(field);
    if (!column || (column.kind !== 'string' && column.kind !== 'boolean')) throw new FilterError(`cannot count by "${field}": a string or boolean field`, 'field');
    const predicate = compileWhere(where, FILTERS.trail, D);
    const { limit, offset } = checkListPage(page);
    const n = predicate.params.length;
    const rows = await this.query<{ value: string | boolean | null; n: number }>(
      `SELECT value, n FROM (SELECT ${column.sql} AS value, count(*) AS n FROM trails WHERE deleted_at IS NULL AND ${predicate.sql} GROUP BY 1) counted
        ORDER BY n DESC, value IS NULL, value LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...predicate.params, limit ?? null, offset],
    );
    return rows.map(({ value, n }) => ({ value: value === null ? null : String(value), count: n }));
  }

  async findAssets(where: unknown, options: TrailQueryOptions = {}): Promise<StoredTrail[]> {
    return this.selectTrails(where, FILTERS.trailAsset, options);
  }

  // ---- API tokens (migrations 0004 and 0008: a revoked token keeps its row, its id and name) and inventory size for /metrics.

  async createApiToken(token: { name: string | null; scope: ApiTokenScope; hash: string }): Promise<ApiToken | undefined> {
    return this.transaction(async (query) => {
      if (token.name !== null) {
        // A name some token ever had, or that a stored exception names as its actor (a token deleted before tokens were kept).
        await query(`LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE`);
        const [used] = await query(
          `SELECT 1 FROM api_tokens WHERE name = $1 UNION ALL SELECT 1 FROM control_exceptions WHERE created_by = $1 OR revoked_by = $1 LIMIT 1`,
          [token.name],
        );
        if (used) return undefined;
      }
      const [row] = await query(
        `INSERT INTO api_tokens (name, scope, token_sha256, created_at) VALUES ($1, $2, $3, $4) RETURNING ${TOKEN_COLUMNS}`,
        [token.name, token.scope, token.hash, now()],
      );
      return toToken(row!);
    });
  }

  async listApiTokens(options: { includeRevoked?: boolean } = {}): Promise<ApiToken[]> {
    return (await this.query(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ${options.includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY id`)).map(toToken);
  }

  async revokeApiToken(nameOrId: string): Promise<{ token: ApiToken; newlyRevoked: boolean } | undefined> {
    return this.transaction(async (query) => {
      let [row] = await query(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE name = $1 FOR UPDATE`, [nameOrId]);
      if (!row && /^\d+$/.test(nameOrId) && Number(nameOrId) <= 2 ** 31 - 1) [row] = await query(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1 FOR UPDATE`, [Number(nameOrId)]);
      if (!row) return undefined;
      if (row.revoked_at !== null) return { token: toToken(row), newlyRevoked: false };
      const [revoked] = await query(`UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 RETURNING ${TOKEN_COLUMNS}`, [now(), row.id]);
      return { token: toToken(revoked!), newlyRevoked: true };
    });
  }

  async apiTokenCredentials(): Promise<ApiTokenCredential[]> {
    return this.query<{ id: number; scope: ApiTokenScope; hash: string }>(`SELECT id, scope, token_sha256 AS hash FROM api_tokens WHERE revoked_at IS NULL`);
  }

  async touchApiToken(id: number, at: string): Promise<void> {
    await this.query(`UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)`, [at, id]);
  }

  async trailTotals(): Promise<{ live: number; deleted: number }> {
    // On the probes' connection: /readyz asks it, and must answer while the pool is busy.
    const { rows: [row] } = await this.probes.query<{ live: number; deleted: number }>(
      `SELECT count(*) - count(deleted_at) AS live, count(deleted_at) AS deleted FROM trails`,
    );
    return { live: row!.live, deleted: row!.deleted };
  }

  // ---- Control history (migration 0005).

  async recordControlRun(verdicts: readonly VerdictToRecord[], source: string, catalog?: readonly ControlDescription[]): Promise<ControlRunRecord> {
    const runId = await this.transaction(async (query) => {
      const finishedAt = now();
      const startedAt = verdicts.map((v) => v.evaluatedAt).sort()[0] ?? finishedAt;
      const [run] = await query<{ id: number }>(
        `INSERT INTO control_runs (started_at, finished_at, controls_evaluated, source) VALUES ($1, $2, $3, $4) RETURNING id`,
        [startedAt, finishedAt, verdicts.length, source],
      );
      const id = run!.id;
      for (const v of verdicts) {
        const excepted = v.exceptedAssets ?? [];
        await query(
          `INSERT INTO control_results (run_id, control_id, title, severity, verdict, reason, failing_count, excepted_count, evaluated_count, evaluated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [id, v.controlId, v.title, v.severity, v.verdict, v.reason, v.failingAssets.length, excepted.length, v.evaluatedCount ?? null, v.evaluatedAt],
        );
        const accounts = v.accounts ?? [];
        if (accounts.length > 0) {
          await query(
            `INSERT INTO control_result_accounts (run_id, control_id, account_id, verdict, evaluated_count, failing_count, excepted_count)
             SELECT $1, $2, a, v, e, f, x FROM unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::int[]) AS t(a, v, e, f, x)`,
            [id, v.controlId, accounts.map((a) => a.accountId), accounts.map((a) => a.verdict), accounts.map((a) => a.evaluated),
              accounts.map((a) => a.failing), accounts.map((a) => a.excepted)],
          );
        }
        const assets = [
          ...v.failingAssets.map((a) => ({ ...a, state: 'failing', owner: null as string | null, expires: null as string | null })),
          ...excepted.map((a) => ({ ...a, state: 'excepted', owner: a.exception.owner, expires: a.exception.expires })),
        ];
        if (assets.length > 0) {
          // ON CONFLICT DO NOTHING keeps the first of duplicates, as INSERT OR IGNORE does row by row.
          await query(
            `INSERT INTO control_result_assets (run_id, control_id, asset_id, account_id, region, state, exception_owner, exception_expires)
             SELECT $1, $2, i, a, r, s, o, x FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(i, a, r, s, o, x)
             ON CONFLICT DO NOTHING`,
            [id, v.controlId, assets.map((a) => a.id), assets.map((a) => a.accountId), assets.map((a) => a.region), assets.map((a) => a.state),
              assets.map((a) => a.owner), assets.map((a) => a.expires)],
          );
        }
      }
      if (catalog) {
        await query(`DELETE FROM control_catalog`);
        if (catalog.length > 0) {
          await query(
            `INSERT INTO control_catalog (control_id, title, severity, recorded_at) SELECT c, t, s, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(c, t, s)`,
            [catalog.map((c) => c.id), catalog.map((c) => c.title), catalog.map((c) => c.severity), finishedAt],
          );
        }
      }
      return id;
    });
    return (await this.readControlRuns([runId]))[0]!;
  }

  async latestControlResults(page?: ListPage): Promise<ControlLatestResult[]> {
    const { limit, offset } = checkListPage(page);
    const [{ found }] = (await this.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM control_catalog) AS found`)) as [{ found: boolean }];
    // A page of the catalog, and only its controls' latest results; before any catalog was recorded, a page of the controls with results.
    const catalog = found
      ? await this.query(`SELECT control_id, title, severity FROM control_catalog ORDER BY control_id LIMIT $1 OFFSET $2`, [limit ?? null, offset])
      : [];
    const latest = await this.query(
      `SELECT r.* FROM control_results r
        WHERE ${found ? 'r.control_id = ANY($1::text[])' : 'r.control_id IN (SELECT DISTINCT control_id FROM control_results ORDER BY control_id LIMIT $1 OFFSET $2)'}
          AND r.run_id = (SELECT max(l.run_id) FROM control_results l WHERE l.control_id = r.control_id)`,
      found ? [catalog.map((row) => row.control_id)] : [limit ?? null, offset],
    );
    const results = new Map(latest.map((row) => [row.control_id as string, toControlResult(row)]));
    return catalogWithResults(catalog, results, found);
  }

  async controlRuns(options: ControlRunListOptions = {}): Promise<ControlRunRecord[]> {
    const { controlId, limit = 20, offset = 0, withResults = true } = options;
    if (!Number.isInteger(limit) || limit < 0) throw new FilterError('limit must be a non-negative integer', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new FilterError('offset must be a non-negative integer', 'offset');
    const ids = controlId === undefined
      ? await this.query<{ id: number }>(`SELECT id FROM control_runs ORDER BY id DESC LIMIT $1 OFFSET $2`, [limit, offset])
      : await this.query<{ id: number }>(`SELECT run_id AS id FROM control_results WHERE control_id = $1 ORDER BY run_id DESC LIMIT $2 OFFSET $3`, [controlId, limit, offset]);
    return this.readControlRuns(ids.map((row) => row.id), controlId, withResults);
  }

  async resultsOfRuns(runIds: readonly number[], controlId?: string, page?: ListPage): Promise<ControlResultRecord[][]> {
    const paged = postgresPage(page, 'run_id', 'control_id', 3);
    const rows = await this.query(
      `SELECT * FROM (SELECT *${paged.column} FROM control_results WHERE run_id = ANY($1::int[]) AND ($2::text IS NULL OR control_id = $2)) results
        WHERE ${paged.keep} ORDER BY run_id, control_id`,
      [runIds, controlId ?? null, ...paged.params],
    );
    return groupBy(runIds.map(String), rows, (row) => String(row.run_id), toControlResult);
  }

  async resultAssets(keys: readonly ControlResultKey[], page?: ListPage): Promise<ControlResultAsset[][]> {
    if (keys.length === 0) return [];
    const paged = postgresPage(page, 'a.run_id, a.control_id, a.state', 'a.asset_id', 3);
    const rows = await this.query(
      `SELECT * FROM (SELECT a.*${paged.column} FROM control_result_assets a
         JOIN unnest($1::int[], $2::text[]) AS k(run_id, control_id) ON a.run_id = k.run_id AND a.control_id = k.control_id) assets
        WHERE ${paged.keep} ORDER BY run_id, control_id, state, asset_id`,
      [keys.map((k) => k.runId), keys.map((k) => k.controlId), ...paged.params],
    );
    return byResult(keys, rows, toControlResultAsset);
  }

  async resultAccounts(keys: readonly ControlResultKey[], page?: ListPage): Promise<ControlResultAccount[][]> {
    if (keys.length === 0) return [];
    const paged = postgresPage(page, 'a.run_id, a.control_id', 'a.account_id', 3);
    const rows = await this.query(
      `SELECT * FROM (SELECT a.*${paged.column} FROM control_result_accounts a
         JOIN unnest($1::int[], $2::text[]) AS k(run_id, control_id) ON a.run_id = k.run_id AND a.control_id = k.control_id) accounts
        WHERE ${paged.keep} ORDER BY run_id, control_id, account_id`,
      [keys.map((k) => k.runId), keys.map((k) => k.controlId), ...paged.params],
    );
    return byResult(keys, rows, toControlResultAccount);
  }

  private async readControlRuns(ids: readonly number[], controlId?: string, withResults = true): Promise<ControlRunRecord[]> {
    if (ids.length === 0) return [];
    const runs = await this.query(`SELECT * FROM control_runs WHERE id = ANY($1::int[]) ORDER BY id DESC`, [ids]);
    const results = withResults
      ? await this.query(
        `SELECT * FROM control_results WHERE run_id = ANY($1::int[]) AND ($2::text IS NULL OR control_id = $2) ORDER BY run_id, control_id`,
        [ids, controlId ?? null],
      )
      : [];
    const byRun = groupBy(runs.map((row) => String(row.id)), results, (row) => String(row.run_id), toControlResult);
    return runs.map((row, i) => ({
      id: row.id as number,
      startedAt: row.started_at as string,
      finishedAt: row.finished_at as string,
      controlsEvaluated: row.controls_evaluated as number,
      source: row.source as string,
      results: byRun[i]!,
    }));
  }

  // ---- Stored exceptions (migration 0007).

  async addControlException(exception: NewControlException): Promise<StoredControlException> {
    const [row] = await this.query(
      `INSERT INTO control_exceptions (control_id, asset, owner, reason, approver, expires, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [exception.control, exception.asset, exception.owner, exception.reason, exception.approver, exception.expires, now(), exception.createdBy],
    );
    return toStoredControlException(row!);
  }

  async listControlExceptions(options: { includeRevoked?: boolean } & ListPage = {}): Promise<StoredControlException[]> {
    const { limit, offset } = checkListPage(options);
    const rows = await this.query(`SELECT * FROM control_exceptions WHERE $1 OR revoked_at IS NULL ORDER BY id LIMIT $2 OFFSET $3`, [
      options.includeRevoked ?? false, limit ?? null, offset,
    ]);
    return rows.map(toStoredControlException);
  }

  async revokeControlException(id: number, revokedBy: string): Promise<StoredControlException | undefined> {
    if (!Number.isInteger(id) || id < 1 || id > 2 ** 31 - 1) return undefined;
    const rows = await this.query(
      `WITH revoked AS (UPDATE control_exceptions SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL RETURNING *)
       SELECT * FROM revoked UNION ALL SELECT * FROM control_exceptions WHERE id = $3 AND NOT EXISTS (SELECT 1 FROM revoked)`,
      [now(), revokedBy, id],
    );
    return rows[0] && toStoredControlException(rows[0]);
  }
}

/** `$n` placeholders of a fragment compiled on its own, renumbered to follow `offset` parameters bound before it. */
function shiftPlaceholders(sql: string, offset: number): string {
  return offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

/** Cursors hold sort keys as SQLite gives them (booleans as 0 and 1), so a cursor reads the same on both stores. */
function cursorKey(value: unknown): KeyValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return (value ?? null) as KeyValue;
}

function accountValues(idSql: string): string {
  const collectors = ACCOUNT_COLLECTORS.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ');
  return `${idSql} AS account_id,
    ${accountLastSyncedAtSql(idSql)} AS last_synced_at,
    ${accountStatusSql(idSql)} AS status,
    (SELECT k.enabled_regions FROM sync_accounts k WHERE k.collector IN (${collectors}) AND k.account_id = ${idSql}
        AND k.enabled_regions IS NOT NULL AND k.run_id > ${RETIRED_BEFORE('k')}
      ORDER BY k.run_id DESC LIMIT 1) AS enabled_regions,
    ${accountNameSql(idSql)} AS account_name`;
}

function toAccountSummary(row: Row): AccountSummary {
  return {
    accountId: row.account_id as string,
    lastSyncedAt: (row.last_synced_at as string | null) ?? null,
    status: (row.status as AccountSummary['status']) ?? null,
    enabledRegions: (row.enabled_regions as string[] | null) ?? null,
    name: (row.account_name as string | null) ?? null,
  };
}

function toToken(row: Row): ApiToken {
  return {
    id: row.id as number,
    name: (row.name as string | null) ?? null,
    scope: row.scope as ApiTokenScope,
    createdAt: row.created_at as string,
    lastUsedAt: (row.last_used_at as string | null) ?? null,
    revokedAt: (row.revoked_at as string | null) ?? null,
  };
}

/** A JSON value as a jsonb parameter (text), SQL NULL for null and undefined. */
function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function encodeColumn(column: TrailColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.kind === 'boolean') return Boolean(value);
  if (column.kind === 'json') return JSON.stringify(value);
  return value;
}

function selectList(fields: readonly string[] | undefined): string {
  if (!fields) return CATALOG.allValues;
  const columns = new Set(['arn']);
  for (const field of fields) {
    const column = CATALOG.byField.get(field);
    if (!column || isConstant(column)) continue;
    columns.add(isComputed(column) ? `${column.sql} AS ${column.name}` : column.sql);
  }
  return [...columns].join(', ');
}

/** Maps a row to the API's field names: pg already gives booleans and parsed jsonb. */
function toStoredTrail(row: Row): StoredTrail {
  const trail: Row = { assetType: TRAIL_ASSET_TYPE, provider: 'aws' };
  for (const column of CATALOG.columns) {
    if (isConstant(column) || !(column.name in row)) continue;
    const value = row[column.name];
    trail[column.field] = value === undefined ? null : value;
  }
  return trail as unknown as StoredTrail;
}

function toTrailRecord(row: Row, tags: Tag[]): TrailRecord {
  const stored = toStoredTrail(row);
  const record: Row = { tags: stored.tagsKnown ? tags : null };
  for (const column of CATALOG.content) record[column.field] = (stored as unknown as Row)[column.field];
  return record as unknown as TrailRecord;
}

function toSyncRun(row: Row): SyncRun {
  return {
    id: row.id as number,
    collector: row.collector as string,
    status: row.status as SyncRunStatus,
    startedAt: row.started_at as string,
    finishedAt: (row.finished_at as string | null) ?? null,
    requestedRegions: row.requested_regions as string[],
    errorCode: (row.error_code as string | null) ?? null,
    errorMessage: (row.error_message as string | null) ?? null,
    heartbeatAt: (row.heartbeat_at as string | null) ?? null,
  };
}

/**
 * A page of each parent's list in PostgreSQL: `column` (", row_number() ... AS page_row") to select in the inner query,
 * `keep` for the outer WHERE, with its parameters numbered from `firstPosition`. Without a page: every row kept.
 */
function postgresPage(page: ListPage | undefined, partitionBy: string, orderBy: string, firstPosition: number): { column: string; keep: string; params: number[] } {
  const paged = eachParentPage(page, partitionBy, orderBy, (position) => `$${position}`, firstPosition);
  return paged ? { column: `, ${paged.column}`, keep: paged.keep, params: paged.params } : { column: '', keep: 'true', params: [] };
}
