// The embedded default store: one SQLite file in WAL mode, migrated on open.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Tag } from '../../model/asset.js';
import { configurationOf, mergeTrailViews, TRAIL_ASSET_TYPE, type StoredTrail, type TrailRecord } from '../../model/trail.js';
import { MIGRATIONS_DIR } from '../../paths.js';
import { loadMigrations, MigrationError, pendingMigrations, type AppliedMigration } from '../migrations.js';
import type {
  AccountCoverage, AccountOutcome, InventoryStore, NewSyncRun, ScopeCounts, ScopeCoverage, ScopeError, SyncRun, SyncRunStatus,
  TrailQueryOptions, TrailScopeResult, TrailSighting,
} from '../store.js';
import { TRAIL_COLUMNS, TRAIL_COLUMNS_BY_FIELD, TRAIL_CONTENT_COLUMNS, type TrailColumn } from '../trail-columns.js';
import { compileOrderBy, compileWhere, FilterError, type SqlDialect } from '../where.js';

export const SQLITE_DIALECT: SqlDialect = {
  placeholder: () => '?',
  booleanParam: (value) => (value ? 1 : 0),
  trueLiteral: '1',
  falseLiteral: '0',
  contains: (text, bind) => `instr(${text}, ${bind()}) > 0`,
  startsWith: (text, bind) => `instr(${text}, ${bind()}) = 1`,
  // substr from (length - suffix length + 1) is '' for an empty suffix and never equal when the suffix is longer.
  endsWith: (text, bind) => `substr(${text}, length(${text}) - length(${bind()}) + 1) = ${bind()}`,
};

/** The largest `limit` a trail query may ask for. */
export const MAX_QUERY_LIMIT = 10_000;

type Row = Record<string, unknown>;

export class SqliteStore implements InventoryStore {
  readonly kind = 'sqlite' as const;
  private closed = false;

  private constructor(readonly db: Database.Database, readonly path: string) {}

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static open(path: string, options: { migrationsDir?: string } = {}): SqliteStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db, options.migrationsDir ?? join(MIGRATIONS_DIR, 'sqlite'));
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db, path);
  }

  async startSyncRun(run: NewSyncRun): Promise<SyncRun> {
    const startedAt = now();
    const info = this.db
      .prepare(
        `INSERT INTO sync_runs (collector, status, started_at, host, pid, requested_regions)
         VALUES (?, 'running', ?, ?, ?, ?)`,
      )
      .run(run.collector, startedAt, hostname(), process.pid, JSON.stringify(run.requestedRegions));
    return this.syncRun(Number(info.lastInsertRowid))!;
  }

  async finishSyncRun(runId: number, status: Exclude<SyncRunStatus, 'running'>, error?: ScopeError): Promise<SyncRun> {
    this.db
      .prepare(`UPDATE sync_runs SET status = ?, finished_at = ?, error_code = ?, error_message = ? WHERE id = ?`)
      .run(status, now(), error?.code ?? null, error?.message ?? null, runId);
    return this.syncRun(runId)!;
  }

  async latestSyncRun(collector: string): Promise<SyncRun | undefined> {
    this.markInterruptedRuns();
    const row = this.db.prepare(`SELECT * FROM sync_runs WHERE collector = ? ORDER BY id DESC LIMIT 1`).get(collector) as Row | undefined;
    return row && toSyncRun(row);
  }

  async writeTrailScope(runId: number, collector: string, scope: TrailScopeResult): Promise<ScopeCounts> {
    const write = this.db.transaction((): ScopeCounts => {
      const counts: ScopeCounts = { seen: 0, new: 0, changed: 0, deleted: 0 };
      if (scope.status === 'ok') {
        const at = now();
        for (const trail of scope.trails) {
          const outcome = this.upsertTrail(runId, trail, scope.accountId, at);
          counts.seen += 1;
          if (outcome === 'new') counts.new += 1;
          if (outcome === 'changed') counts.changed += 1;
          this.db
            .prepare(
              `INSERT INTO trail_sightings (trail_arn, account_id, region, last_run_id) VALUES (?, ?, ?, ?)
               ON CONFLICT (account_id, region, trail_arn) DO UPDATE SET last_run_id = excluded.last_run_id`,
            )
            .run(trail.arn, scope.accountId, scope.region, runId);
        }
        counts.deleted = this.dropStaleSightings(runId, scope.accountId, scope.region, at);
      }
      this.db
        .prepare(
          `INSERT INTO sync_scopes (run_id, collector, account_id, region, status, finished_at, error_code, error_message,
                                    assets_seen, assets_new, assets_changed, assets_deleted)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(runId, collector, scope.accountId, scope.region, scope.status, now(), scope.error?.code ?? null,
          scope.error?.message ?? null, counts.seen, counts.new, counts.changed, counts.deleted);
      return counts;
    });
    return write.immediate();
  }

  /**
   * Inserts or updates one trail and says what happened to it: 'changed' only when its configuration changed (or it
   * came back after deletion), 'seen again' when an earlier scope of this run already wrote it.
   */
  private upsertTrail(runId: number, incoming: TrailRecord, viewerAccountId: string, at: string): 'new' | 'changed' | 'unchanged' | 'seen again' {
    const existing = this.db.prepare(`SELECT * FROM trails WHERE arn = ?`).get(incoming.arn) as Row | undefined;
    const seenAgain = existing !== undefined && existing.last_run_id === runId;
    // Another account's view (a member's view of an organization trail) cannot read the status, selectors or tags:
    // it keeps what the owner's view knew instead of erasing it. The owner's own view always replaces the record.
    const ownerView = viewerAccountId === incoming.accountId;
    const record = existing && !ownerView ? mergeTrailViews(toTrailRecord(existing, this.tagsOf(incoming.arn)), incoming) : incoming;
    const content = contentHash(record);
    const config = contentHash(configurationOf(record));
    const revived = existing !== undefined && existing.deleted_at !== null;
    const outcome = seenAgain ? 'seen again' : !existing ? 'new' : revived || existing.config_hash !== config ? 'changed' : 'unchanged';

    if (existing && existing.content_hash === content && !revived) {
      if (!seenAgain) this.db.prepare(`UPDATE trails SET last_seen_at = ?, last_run_id = ? WHERE arn = ?`).run(at, runId, record.arn);
      return outcome;
    }
    const values = TRAIL_CONTENT_COLUMNS.map((c) => encodeColumn(c, (record as unknown as Row)[c.field]));
    const tagsKnown = record.tags === null ? 0 : 1;
    if (!existing) {
      const columns = [...TRAIL_CONTENT_COLUMNS.map((c) => c.sql), 'first_seen_at', 'last_seen_at', 'last_run_id', 'content_hash', 'config_hash', 'tags_known'];
      this.db
        .prepare(`INSERT INTO trails (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
        .run(...values, at, at, runId, content, config, tagsKnown);
    } else {
      const assignments = [...TRAIL_CONTENT_COLUMNS.map((c) => `${c.sql} = ?`), 'last_seen_at = ?', 'last_run_id = ?', 'content_hash = ?', 'config_hash = ?', 'tags_known = ?', 'deleted_at = NULL'];
      this.db
        .prepare(`UPDATE trails SET ${assignments.join(', ')} WHERE arn = ?`)
        .run(...values, at, runId, content, config, tagsKnown, record.arn);
    }
    this.replaceTags(record.arn, record.tags ?? []);
    return outcome;
  }

  private replaceTags(assetId: string, tags: readonly Tag[]): void {
    this.db.prepare(`DELETE FROM asset_tags WHERE asset_id = ?`).run(assetId);
    const insert = this.db.prepare(`INSERT INTO asset_tags (asset_id, key, value) VALUES (?, ?, ?)`);
    for (const tag of tags) insert.run(assetId, tag.key, tag.value);
  }

  private tagsOf(assetId: string): Tag[] {
    return this.db.prepare(`SELECT key, value FROM asset_tags WHERE asset_id = ? ORDER BY key`).all(assetId) as Tag[];
  }

  /** Forgets where this scope no longer sees trails; a trail seen nowhere any more is marked deleted. */
  private dropStaleSightings(runId: number, accountId: string, region: string, at: string): number {
    const gone = this.db
      .prepare(`DELETE FROM trail_sightings WHERE account_id = ? AND region = ? AND last_run_id <> ? RETURNING trail_arn`)
      .all(accountId, region, runId) as { trail_arn: string }[];
    let deleted = 0;
    const markDeleted = this.db.prepare(
      `UPDATE trails SET deleted_at = ? WHERE arn = ? AND deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM trail_sightings s WHERE s.trail_arn = trails.arn)`,
    );
    for (const { trail_arn } of gone) deleted += markDeleted.run(at, trail_arn).changes;
    return deleted;
  }

  async recordAccount(runId: number, collector: string, outcome: AccountOutcome): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO sync_accounts (run_id, collector, account_id, status, enabled_regions, finished_at, error_code, error_message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, collector, outcome.accountId, outcome.status, outcome.enabledRegions && JSON.stringify(outcome.enabledRegions), now(),
        outcome.error?.code ?? null, outcome.error?.message ?? null);
  }

  async accountCoverage(collector: string): Promise<AccountCoverage[]> {
    const rows = this.db
      .prepare(
        `SELECT a.*, (SELECT k.enabled_regions FROM sync_accounts k
                        WHERE k.collector = a.collector AND k.account_id = a.account_id AND k.enabled_regions IS NOT NULL
                        ORDER BY k.run_id DESC LIMIT 1) AS known_regions
           FROM sync_accounts a
          WHERE a.collector = ?
            AND a.run_id = (SELECT max(run_id) FROM sync_accounts l WHERE l.collector = a.collector AND l.account_id = a.account_id)
          ORDER BY a.account_id`,
      )
      .all(collector) as Row[];
    return rows.map((row) => ({
      accountId: row.account_id as string,
      status: row.status as AccountCoverage['status'],
      runId: row.run_id as number,
      error: row.error_code ? { code: row.error_code as string, message: (row.error_message as string) ?? '' } : null,
      enabledRegions: row.known_regions ? (JSON.parse(row.known_regions as string) as string[]) : null,
    }));
  }

  async scopeCoverage(collector: string): Promise<ScopeCoverage[]> {
    const rows = this.db
      .prepare(
        `SELECT s.*, (SELECT max(ok.finished_at) FROM sync_scopes ok
                        WHERE ok.collector = s.collector AND ok.account_id = s.account_id AND ok.region = s.region
                          AND ok.status IN ('ok', 'skipped')) AS last_success_at
           FROM sync_scopes s
          WHERE s.collector = ?
            AND s.run_id = (SELECT max(run_id) FROM sync_scopes l
                             WHERE l.collector = s.collector AND l.account_id = s.account_id AND l.region = s.region)
          ORDER BY s.account_id, s.region`,
      )
      .all(collector) as Row[];
    return rows.map(toScopeCoverage);
  }

  async scopesOfRun(runId: number): Promise<(ScopeCoverage & ScopeCounts)[]> {
    const rows = this.db
      .prepare(`SELECT s.*, NULL AS last_success_at FROM sync_scopes s WHERE run_id = ? ORDER BY account_id, region`)
      .all(runId) as Row[];
    return rows.map((row) => ({
      ...toScopeCoverage(row),
      seen: row.assets_seen as number,
      new: row.assets_new as number,
      changed: row.assets_changed as number,
      deleted: row.assets_deleted as number,
    }));
  }

  async findTrails(where: unknown, options: TrailQueryOptions = {}): Promise<StoredTrail[]> {
    const predicate = compileWhere(where, TRAIL_COLUMNS_BY_FIELD, SQLITE_DIALECT);
    const orderBy = compileOrderBy(options.sort, TRAIL_COLUMNS_BY_FIELD, 'arn');
    const { limit, offset } = options;
    if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || limit < 0 || limit > MAX_QUERY_LIMIT)) {
      throw new FilterError(`limit must be an integer from 0 to ${MAX_QUERY_LIMIT}`, 'options.limit');
    }
    if (offset !== undefined && offset !== null && (!Number.isInteger(offset) || offset < 0)) {
      throw new FilterError('offset must be a non-negative integer', 'options.offset');
    }
    const rows = this.db
      .prepare(
        `SELECT ${selectList(options.fields)} FROM trails WHERE ${options.includeDeleted ? '' : 'deleted_at IS NULL AND '}${predicate.sql}
          ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      )
      .all(...predicate.params, limit ?? -1, offset ?? 0) as Row[];
    return rows.map(toStoredTrail);
  }

  async trailsById(ids: readonly string[]): Promise<(StoredTrail | undefined)[]> {
    const rows = this.db.prepare(`SELECT * FROM trails WHERE arn IN ${JSON_LIST}`).all(JSON.stringify(ids)) as Row[];
    const byId = new Map(rows.map((row) => [row.arn as string, toStoredTrail(row)]));
    return ids.map((id) => byId.get(id));
  }

  async tagsByAssetId(ids: readonly string[]): Promise<Tag[][]> {
    const rows = this.db
      .prepare(`SELECT asset_id, key, value FROM asset_tags WHERE asset_id IN ${JSON_LIST} ORDER BY key`)
      .all(JSON.stringify(ids)) as { asset_id: string; key: string; value: string }[];
    return groupBy(ids, rows, (row) => row.asset_id, (row) => ({ key: row.key, value: row.value }));
  }

  async sightingsByTrailArn(arns: readonly string[]): Promise<TrailSighting[][]> {
    const rows = this.db
      .prepare(`SELECT trail_arn, account_id, region FROM trail_sightings WHERE trail_arn IN ${JSON_LIST} ORDER BY account_id, region`)
      .all(JSON.stringify(arns)) as { trail_arn: string; account_id: string; region: string }[];
    return groupBy(arns, rows, (row) => row.trail_arn, (row) => ({ accountId: row.account_id, region: row.region }));
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private syncRun(id: number): SyncRun | undefined {
    const row = this.db.prepare(`SELECT * FROM sync_runs WHERE id = ?`).get(id) as Row | undefined;
    return row && toSyncRun(row);
  }

  /** A run left 'running' by a process on this host that no longer exists was interrupted (killed or crashed). */
  private markInterruptedRuns(): void {
    const running = this.db.prepare(`SELECT id, host, pid FROM sync_runs WHERE status = 'running'`).all() as { id: number; host: string; pid: number }[];
    for (const run of running) {
      if (run.host === hostname() && !processExists(run.pid)) {
        this.db.prepare(`UPDATE sync_runs SET status = 'interrupted' WHERE id = ? AND status = 'running'`).run(run.id);
      }
    }
  }
}

function migrate(db: Database.Database, dir: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = db.prepare(`SELECT version, name, checksum FROM schema_migrations ORDER BY version`).all() as AppliedMigration[];
  for (const migration of pendingMigrations(loadMigrations(dir), applied)) {
    const apply = db.transaction(() => {
      db.exec(migration.sql);
      db.prepare(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`)
        .run(migration.version, migration.name, migration.checksum, now());
    });
    try {
      apply.immediate();
    } catch (error) {
      throw new MigrationError(`${migration.file}: ${(error as Error).message} (nothing of this migration was applied)`);
    }
  }
}

function now(): string {
  return new Date().toISOString();
}

/** A hash of the record's content that ignores key order, so the same content always hashes the same. */
function contentHash(content: object): string {
  return createHash('sha256').update(stableJson(content)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Row).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function encodeColumn(column: TrailColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.kind === 'boolean') return value ? 1 : 0;
  if (column.kind === 'json') return JSON.stringify(value);
  return value;
}

function decodeColumn(column: TrailColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.kind === 'boolean') return value === 1;
  if (column.kind === 'json') return JSON.parse(value as string);
  return value;
}

/** The columns behind the fields asked for, and always the ARN (the id); every column when no fields are given. */
function selectList(fields: readonly string[] | undefined): string {
  if (!fields) return '*';
  const columns = new Set(['arn']);
  for (const field of fields) {
    const column = TRAIL_COLUMNS_BY_FIELD.get(field);
    if (column && !column.sql.startsWith("'")) columns.add(column.sql);
  }
  return [...columns].join(', ');
}

/** Maps a row (all columns, or those a query selected) to the API's field names. */
function toStoredTrail(row: Row): StoredTrail {
  const trail: Row = {};
  for (const column of TRAIL_COLUMNS) {
    if (column.sql.startsWith("'") || !(column.sql in row)) continue;
    trail[column.field] = decodeColumn(column, row[column.sql]);
  }
  trail.assetType = TRAIL_ASSET_TYPE;
  trail.provider = 'aws';
  return trail as unknown as StoredTrail;
}

function toTrailRecord(row: Row, tags: Tag[]): TrailRecord {
  const stored = toStoredTrail(row);
  const record: Row = { tags: stored.tagsKnown ? tags : null };
  for (const column of TRAIL_CONTENT_COLUMNS) record[column.field] = (stored as unknown as Row)[column.field];
  return record as unknown as TrailRecord;
}

function toSyncRun(row: Row): SyncRun {
  return {
    id: row.id as number,
    collector: row.collector as string,
    status: row.status as SyncRunStatus,
    startedAt: row.started_at as string,
    finishedAt: (row.finished_at as string | null) ?? null,
    requestedRegions: JSON.parse(row.requested_regions as string) as string[],
    errorCode: (row.error_code as string | null) ?? null,
    errorMessage: (row.error_message as string | null) ?? null,
  };
}

function toScopeCoverage(row: Row): ScopeCoverage {
  return {
    accountId: row.account_id as string,
    region: row.region as string,
    status: row.status as ScopeCoverage['status'],
    runId: row.run_id as number,
    finishedAt: row.finished_at as string,
    error: row.error_code ? { code: row.error_code as string, message: (row.error_message as string) ?? '' } : null,
    lastSuccessAt: (row.last_success_at as string | null) ?? null,
  };
}

/** A list of any length as one parameter (a JSON array), so a batch of ids is one statement, not one per id. */
const JSON_LIST = '(SELECT value FROM json_each(?))';

/** The rows for each key, in the order of `keys`: the shape DataLoader batch functions return. */
function groupBy<R, T>(keys: readonly string[], rows: R[], keyOf: (row: R) => string, map: (row: R) => T): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(keyOf(row)) ?? [];
    group.push(map(row));
    groups.set(keyOf(row), group);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
