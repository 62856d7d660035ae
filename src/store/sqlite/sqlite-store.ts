// The embedded default store: one SQLite file in WAL mode, migrated on open.
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Tag } from '../../model/asset.js';
import { trailCollector } from '../common.js';
import {
  configurationOf, mergeTrailViews, sameJson, TRAIL_ASSET_TYPE, trailFieldChanges, type StoredTrail, type TrailRecord,
} from '../../model/trail.js';
import { MIGRATIONS_DIR } from '../../paths.js';
import {
  ACCOUNT_COLLECTORS, ACCOUNT_FILTER, accountLastSyncedAtSql, accountNameSql, accountStatusSql, RETIRED_BEFORE, TRAIL_ASSET_FILTER, TRAIL_FILTER,
} from '../filter-schemas.js';
import { afterCursor, decodeCursor, encodeCursor, orderByTerms, type KeyValue } from '../pages.js';
import { loadMigrations, MigrationError, pendingMigrations, type AppliedMigration } from '../migrations.js';
import type {
  AccountAttempt, AccountCoverage, AccountSummary, GroupCount, TrailPage, TrailPageRequest, AccountOutcome, AccountRetirement, InventoryStore, NewSyncRun, ScopeCounts, ScopeCoverage, ScopeError, ScopeState, ScopeStatus,
  SyncRun, SyncRunListOptions, SyncRunStatus, SyncRunSummary, TrailChange, TrailChangeKind, TrailQueryOptions,
  TrailScopeResult, ScopeResult, TrailSighting,
} from '../store.js';
import {
  ALL_TRAIL_VALUES, isComputed, isConstant, TRAIL_COLUMNS, TRAIL_COLUMNS_BY_FIELD, TRAIL_CONTENT_COLUMNS, type TrailColumn,
} from '../trail-columns.js';
import { compileOrderBy, compileWhere, FilterError, sortTerms, type FilterSchema } from '../where.js';
import { SQLITE_DIALECT } from '../dialect.js';
import {
  checkListPage, contentHash, eachParentPage, fromJson, groupBy, MAX_QUERY_LIMIT, now, processExists, byResult, catalogWithResults, toControlResultAccount, toControlResultAsset, runsWithTotals, STALE_RUN_MS, toControlResult, toJson, toScopeCoverage, toStoredControlException,
} from '../common.js';
import type { ApiToken, ApiTokenCredential, ApiTokenScope } from '../store.js';
import type {
  ControlDescription, ControlLatestResult, ControlResultAccount, ControlResultAsset, ControlResultKey, ControlResultRecord, ControlRunListOptions,
  ControlRunRecord, ListPage, NewControlException, StoredControlException, VerdictToRecord,
} from '../store.js';
import type { IntegrityReport } from '../store.js';
import { SqliteBulkSource } from './bulk.js';
import { fileProblem, noInventory, StoreAccessError, StoreConfigError, type StoreAccess } from '../location.js';
import {
  canWriteInventory, createInventoryFile, INVENTORY_APPLICATION_ID, inspectInventoryFile, readOnlyConnection, type ReadOnlyKind,
} from './inventory-file.js';
import { checkIntegrityHere, checkIntegrityInWorker, sqliteChangeStamp } from './integrity.js';
import {
  insertApiToken, revokeApiTokenRow, selectApiTokenCredentials, selectApiTokens, selectTrailTotals, updateApiTokenLastUsed,
} from './tokens.js';

export { SQLITE_DIALECT, MAX_QUERY_LIMIT, STALE_RUN_MS };



export interface SqliteStoreOptions {
  migrationsDir?: string;
  /** How old a running run's heartbeat may get before the run counts as interrupted (tests shorten it). */
  staleRunMs?: number;
  /** What the caller does with the file (README, The inventory file); create by default (tests, benchmarks). */
  access?: StoreAccess;
}

/** How the store's connection reaches the file: read-write, read-only through SQLite, or a read-only copy in memory. */
export type SqliteConnectionKind = 'read-write' | ReadOnlyKind;

export interface SqliteReaderOptions {
  staleRunMs?: number;
  /**
   * Called for every row a filtered statement of trails or accounts considers (the SQL function rowCheck()): throwing
   * stops the statement where it is, so a request past its deadline or whose client left stops reading (README, "No
   * request stops the server").
   */
  rowCheck?: () => void;
}

/** What every filtered statement calls per row it considers: a read-only connection may stop its statement there. */
const ROW_CHECK = 'rowCheck()';

type Row = Record<string, unknown>;

export class SqliteStore implements InventoryStore {
  readonly kind = 'sqlite' as const;
  private closed = false;
  /** Prepared statements by SQL text: preparing costs more than running for the small statements a sync repeats. */
  private readonly statements = new Map<string, Database.Statement>();
  /** Statements whose rows are arrays (preparedRaw), apart from the others so that a cached statement never changes mode. */
  private readonly rawStatements = new Map<string, Database.Statement>();
  /**
   * The content hash each incoming record led to, and whether it was merged with the stored record. The collector hands every scope of an account the same record
   * object for a trail, so a trail seen in 17 regions is merged and hashed once, not 17 times.
   */
  private readonly settled = new WeakMap<TrailRecord, string>();
  /** Runs found interrupted that the file could not be told about (a read-only connection, a full disk): shown so all the same. */
  private readonly interruptedRuns = new Set<number>();

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
    private readonly staleRunMs: number,
    readonly connection: SqliteConnectionKind = 'read-write',
    rowCheck?: () => void,
  ) {
    db.function('rowCheck', { deterministic: false }, rowCheck ? () => (rowCheck(), 1) : () => 1);
  }

  /**
   * Opens the inventory file for `options.access` (create by default) and applies pending migrations. Nothing is
   * written before the file is known to be an inventory, or empty or new where it may be created; a file this user
   * cannot write is opened read-only for read access and refused for the others.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const access = options.access ?? 'create';
    const migrationsDir = options.migrationsDir ?? join(MIGRATIONS_DIR, 'sqlite');
    const staleRunMs = options.staleRunMs ?? STALE_RUN_MS;
    if (path === ':memory:') return new SqliteStore(openToWrite(path, migrationsDir), path, staleRunMs);
    const state = inspectInventoryFile(path);
    if (state !== 'inventory' && access !== 'create') throw noInventory(path);
    if (state === 'missing') createInventoryFile(path);
    if (!canWriteInventory(path)) {
      if (access !== 'read') throw new StoreAccessError(`${path}: this user cannot write it (read-only here); commands that only read it work, such as check --no-record`);
      const { db, kind } = readOnlyConnection(path);
      try {
        const pending = pendingMigrations(loadMigrations(migrationsDir), appliedMigrations(db));
        if (pending.length > 0) {
          throw new StoreConfigError(
            `${path} needs the migrations of this cloud-inventory (${pending.map((m) => m.version).join(', ')}), and this user cannot write it: ` +
              'run inventory migrate as a user who can',
          );
        }
      } catch (error) {
        db.close();
        throw error;
      }
      return new SqliteStore(db, path, staleRunMs, kind);
    }
    return new SqliteStore(openToWrite(path, migrationsDir), path, staleRunMs);
  }

  /**
   * Opens an inventory file that exists, read-only and without migrating it: a connection of the server's GraphQL
   * workers (src/server/graphql-worker.ts). In WAL mode it reads what the writer has committed, without waiting for it.
   */
  static openReader(path: string, options: SqliteReaderOptions = {}): SqliteStore {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      return new SqliteStore(db, path, options.staleRunMs ?? STALE_RUN_MS, 'read-only', options.rowCheck);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Like prepared, for a statement whose rows are arrays of the selected values, in order (cached apart). */
  private preparedRaw(sql: string): Database.Statement {
    let statement = this.rawStatements.get(sql);
    if (!statement) {
      if (this.rawStatements.size >= MAX_CACHED_STATEMENTS) this.rawStatements.clear();
      this.rawStatements.set(sql, (statement = this.db.prepare(sql).raw(true)));
    }
    return statement;
  }

  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // Filters make many distinct queries; keep the cache bounded.
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      this.statements.set(sql, (statement = this.db.prepare(sql)));
    }
    return statement;
  }

  async startSyncRun(run: NewSyncRun): Promise<SyncRun> {
    const startedAt = now();
    const info = this
      .prepared(
        `INSERT INTO sync_runs (collector, status, started_at, heartbeat_at, host, pid, requested_regions)
         VALUES (?, 'running', ?, ?, ?, ?, ?)`,
      )
      .run(run.collector, startedAt, startedAt, hostname(), process.pid, JSON.stringify(run.requestedRegions));
    return this.readSyncRun(Number(info.lastInsertRowid))!;
  }

  async heartbeatSyncRun(runId: number): Promise<void> {
    this.beat(runId);
  }

  async finishSyncRun(runId: number, status: Exclude<SyncRunStatus, 'running'>, error?: ScopeError): Promise<SyncRun> {
    this
      .prepared(`UPDATE sync_runs SET status = ?, finished_at = ?, error_code = ?, error_message = ? WHERE id = ?`)
      .run(status, now(), error?.code ?? null, error?.message ?? null, runId);
    return this.readSyncRun(runId)!;
  }

  async latestSyncRun(collector: string): Promise<SyncRun | undefined> {
    this.markInterruptedRuns();
    const row = this.prepared(`SELECT * FROM sync_runs WHERE collector = ? ORDER BY id DESC LIMIT 1`).get(collector) as Row | undefined;
    return row && this.toRun(row);
  }

  async listSyncRuns(options: SyncRunListOptions = {}): Promise<SyncRunSummary[]> {
    const { collector, limit = 20, offset = 0 } = options;
    if (!Number.isInteger(limit) || limit < 0) throw new FilterError('limit must be a non-negative integer', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new FilterError('offset must be a non-negative integer', 'offset');
    this.markInterruptedRuns();
    const rows = this
      .prepared(`SELECT * FROM sync_runs WHERE ? IS NULL OR collector = ? ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(collector ?? null, collector ?? null, limit, offset) as Row[];
    return this.withTotals(rows.map((row) => this.toRun(row)));
  }

  async syncRun(id: number): Promise<SyncRunSummary | undefined> {
    this.markInterruptedRuns();
    const run = this.readSyncRun(id);
    return run && this.withTotals([run])[0];
  }

  /** The runs with their totals, summed in two statements over the runs' own scope and account rows. */
  private withTotals(runs: SyncRun[]): SyncRunSummary[] {
    const ids = JSON.stringify(runs.map((r) => r.id));
    const scopeRows = this
      .prepared(
        `SELECT run_id, sum(status = 'ok') AS ok, sum(status = 'skipped') AS skipped, sum(status = 'failed') AS failed,
                sum(assets_seen) AS seen, sum(assets_new) AS new, sum(assets_changed) AS changed, sum(assets_deleted) AS deleted
           FROM sync_scopes WHERE run_id IN ${JSON_LIST} GROUP BY run_id`,
      )
      .all(ids) as Row[];
    const accountRows = this
      .prepared(`SELECT run_id, count(*) AS failed FROM sync_accounts WHERE status = 'failed' AND run_id IN ${JSON_LIST} GROUP BY run_id`)
      .all(ids) as Row[];
    return runsWithTotals(runs, scopeRows, accountRows);
  }

  async writeScope(runId: number, scope: ScopeResult): Promise<ScopeCounts> {
    const { assetType: _type, assets, ...rest } = scope;
    return this.writeTrailScope(runId, trailCollector(scope.assetType), { ...rest, trails: assets as TrailRecord[] });
  }

  async writeTrailScope(runId: number, collector: string, scope: TrailScopeResult): Promise<ScopeCounts> {
    const write = this.db.transaction((): ScopeCounts => {
      const counts: ScopeCounts = { seen: 0, new: 0, changed: 0, deleted: 0 };
      const at = now();
      const previous = this
        .prepared(`SELECT last_success_at FROM sync_scope_state WHERE collector = ? AND account_id = ? AND region = ?`)
        .get(collector, scope.accountId, scope.region) as { last_success_at: string | null } | undefined;
      if (scope.status === 'ok') {
        const keepStored = new Set(scope.keepStoredDetailsOf ?? []);
        // Only a sighting this scope never had before is written; one it still has is left as it is.
        const addSighting = this.prepared(`INSERT OR IGNORE INTO trail_sightings (trail_arn, account_id, region, last_run_id) VALUES (?, ?, ?, ?)`);
        for (const trail of scope.trails) {
          const outcome = this.upsertTrail(runId, trail, scope.accountId, at, keepStored.has(trail.arn));
          counts.seen += 1;
          if (outcome === 'new') counts.new += 1;
          if (outcome === 'changed') counts.changed += 1;
          addSighting.run(trail.arn, scope.accountId, scope.region, runId);
        }
        counts.deleted = this.dropStaleSightings(runId, scope, previous?.last_success_at ?? null, at);
      }
      const succeeded = scope.status !== 'failed';
      this
        .prepared(
          `INSERT INTO sync_scope_state (collector, account_id, region, last_run_id, last_status, last_attempt_at, last_error_code,
                                         last_error_message, last_success_run_id, last_success_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (collector, account_id, region) DO UPDATE SET
             last_run_id = excluded.last_run_id, last_status = excluded.last_status, last_attempt_at = excluded.last_attempt_at,
             last_error_code = excluded.last_error_code, last_error_message = excluded.last_error_message,
             last_success_run_id = coalesce(excluded.last_success_run_id, last_success_run_id),
             last_success_at = coalesce(excluded.last_success_at, last_success_at)`,
        )
        .run(collector, scope.accountId, scope.region, runId, scope.status, at, scope.error?.code ?? null, scope.error?.message ?? null,
          succeeded ? runId : null, succeeded ? at : null);
      this
        .prepared(
          `INSERT INTO sync_scopes (run_id, collector, account_id, region, status, finished_at, error_code, error_message,
                                    assets_seen, assets_new, assets_changed, assets_deleted)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(runId, collector, scope.accountId, scope.region, scope.status, at, scope.error?.code ?? null,
          scope.error?.message ?? null, counts.seen, counts.new, counts.changed, counts.deleted);
      // A written scope is proof of life, whether or not the sync also sends heartbeats.
      this.beat(runId, at);
      return counts;
    });
    return write.immediate();
  }

  /**
   * Inserts or updates one trail, records its history, and says what happened to it: 'changed' only when its
   * configuration changed (or it came back after deletion), 'seen again' when an earlier scope of this run already
   * wrote it. An unchanged trail is not written at all.
   */
  private upsertTrail(runId: number, incoming: TrailRecord, viewerAccountId: string, at: string, keepStored: boolean): 'new' | 'changed' | 'unchanged' | 'seen again' {
    const head = this.prepared(`SELECT content_hash, last_run_id, deleted_at FROM trails WHERE arn = ?`).get(incoming.arn) as Row | undefined;
    // Another account's view (a member's view of an organization trail) cannot read the status, selectors or tags,
    // and the owner's view cannot either when the trail's home region failed: what it could not read keeps what was
    // known instead of being erased. Otherwise the owner's view replaces the record, unknowns included.
    const merge = viewerAccountId !== incoming.accountId || keepStored;
    // This very record, merged or not, already settled into the row as it stands: nothing to merge or write.
    if (head && head.deleted_at === null && this.settled.get(incoming) === `${merge}:${head.content_hash}`) {
      return head.last_run_id === runId ? 'seen again' : 'unchanged';
    }
    const existing = head && (this.prepared(`SELECT * FROM trails WHERE arn = ?`).get(incoming.arn) as Row);
    const seenAgain = existing !== undefined && existing.last_run_id === runId;
    const before = existing && toTrailRecord(existing, this.tagsOf(incoming.arn));
    const record = before && merge ? mergeTrailViews(before, incoming) : incoming;
    const content = contentHash(record);
    const config = contentHash(configurationOf(record));
    const revived = existing !== undefined && existing.deleted_at !== null;
    const outcome = seenAgain ? 'seen again' : !existing ? 'new' : revived || existing.config_hash !== config ? 'changed' : 'unchanged';
    this.settled.set(incoming, `${merge}:${content}`);
    if (existing && existing.content_hash === content && !revived) return outcome;

    const values = TRAIL_CONTENT_COLUMNS.map((c) => encodeColumn(c, (record as unknown as Row)[c.field]));
    const tagsKnown = record.tags === null ? 0 : 1;
    if (!existing) {
      const columns = [...TRAIL_CONTENT_COLUMNS.map((c) => c.sql), 'first_seen_at', 'last_seen_at', 'last_run_id', 'content_hash', 'config_hash', 'tags_known'];
      this
        .prepared(`INSERT INTO trails (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
        .run(...values, at, at, runId, content, config, tagsKnown);
      this.recordChange(record.arn, runId, at, 'created');
    } else {
      const assignments = [...TRAIL_CONTENT_COLUMNS.map((c) => `${c.sql} = ?`), 'last_seen_at = ?', 'last_run_id = ?', 'content_hash = ?', 'config_hash = ?', 'tags_known = ?', 'deleted_at = NULL'];
      this
        .prepared(`UPDATE trails SET ${assignments.join(', ')} WHERE arn = ?`)
        .run(...values, at, runId, content, config, tagsKnown, record.arn);
      if (revived) this.recordChange(record.arn, runId, at, 'restored');
      for (const change of trailFieldChanges(before!, record)) this.recordChange(record.arn, runId, at, 'changed', change.field, change.from, change.to);
    }
    this.updateTags(record.arn, before?.tags ?? [], record.tags ?? []);
    return outcome;
  }

  /** Writes only the tags that differ: removed keys, new keys and new values. */
  private updateTags(assetId: string, old: readonly Tag[], tags: readonly Tag[]): void {
    const oldValues = new Map(old.map((t) => [t.key, t.value]));
    const newKeys = new Set(tags.map((t) => t.key));
    const remove = this.prepared(`DELETE FROM asset_tags WHERE asset_id = ? AND key = ?`);
    for (const key of oldValues.keys()) if (!newKeys.has(key)) remove.run(assetId, key);
    const upsert = this.prepared(
      `INSERT INTO asset_tags (asset_id, key, value) VALUES (?, ?, ?) ON CONFLICT (asset_id, key) DO UPDATE SET value = excluded.value`,
    );
    for (const tag of tags) if (oldValues.get(tag.key) !== tag.value) upsert.run(assetId, tag.key, tag.value);
  }

  private tagsOf(assetId: string): Tag[] {
    return this.prepared(`SELECT key, value FROM asset_tags WHERE asset_id = ? ORDER BY key`).all(assetId) as Tag[];
  }

  /**
   * Adds one entry to a trail's history. Several writes of a trail in one run make one entry per field (the first
   * old value, the last new value; none when they end equal), and a deletion undone in the same run leaves nothing.
   */
  private recordChange(arn: string, runId: number, at: string, kind: TrailChangeKind, field: string | null = null, from: unknown = null, to: unknown = null): void {
    const thisRun = this
      .prepared(`SELECT id, kind, field, old_value FROM trail_changes WHERE run_id = ? AND trail_arn = ?`)
      .all(runId, arn) as { id: number; kind: TrailChangeKind; field: string | null; old_value: string | null }[];
    const remove = (id: number) => this.prepared(`DELETE FROM trail_changes WHERE id = ?`).run(id);
    if (kind === 'changed') {
      // A trail created in this run has no earlier configuration to differ from.
      if (thisRun.some((c) => c.kind === 'created')) return;
      const prior = thisRun.find((c) => c.kind === 'changed' && c.field === field);
      if (prior) {
        if (sameJson(fromJson(prior.old_value), to)) remove(prior.id);
        else this.prepared(`UPDATE trail_changes SET new_value = ?, changed_at = ? WHERE id = ?`).run(toJson(to), at, prior.id);
        return;
      }
    }
    const undone = kind === 'restored' ? 'deleted' : kind === 'deleted' ? 'restored' : undefined;
    const opposite = thisRun.find((c) => c.kind === undone);
    if (opposite) {
      remove(opposite.id);
      return;
    }
    this
      .prepared(`INSERT INTO trail_changes (trail_arn, run_id, changed_at, kind, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(arn, runId, at, kind, field, toJson(from), toJson(to));
  }

  /**
   * Forgets, in one statement, every sighting of this scope whose trail it no longer returns; a trail seen nowhere any
   * more is marked deleted, keeping as its last-seen time this scope's previous success.
   */
  private dropStaleSightings(runId: number, scope: TrailScopeResult, previousSuccessAt: string | null, at: string): number {
    const gone = this
      .prepared(
        `DELETE FROM trail_sightings WHERE account_id = ? AND region = ? AND trail_arn NOT IN ${JSON_LIST} RETURNING trail_arn`,
      )
      .all(scope.accountId, scope.region, JSON.stringify(scope.trails.map((t) => t.arn))) as { trail_arn: string }[];
    if (gone.length === 0) return 0;
    const deleted = this
      .prepared(
        `UPDATE trails SET deleted_at = ?, last_seen_at = coalesce(?, last_seen_at)
          WHERE arn IN ${JSON_LIST} AND deleted_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM trail_sightings s WHERE s.trail_arn = trails.arn)
          RETURNING arn`,
      )
      .all(at, previousSuccessAt, JSON.stringify(gone.map((g) => g.trail_arn))) as { arn: string }[];
    for (const { arn } of deleted) this.recordChange(arn, runId, at, 'deleted');
    return deleted.length;
  }

  async recordAccount(runId: number, collector: string, outcome: AccountOutcome): Promise<void> {
    this
      .prepared(
        `INSERT INTO sync_accounts (run_id, collector, account_id, status, enabled_regions, finished_at, error_code, error_message, account_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, collector, outcome.accountId, outcome.status, outcome.enabledRegions && JSON.stringify(outcome.enabledRegions), now(),
        outcome.error?.code ?? null, outcome.error?.message ?? null, outcome.name ?? null);
  }

  async retireAccount(runId: number, collector: string, accountId: string, reason: string): Promise<AccountRetirement | undefined> {
    const retire = this.db.transaction((): AccountRetirement | undefined => {
      const known = this.prepared(
        `SELECT 1 FROM sync_scope_state WHERE collector = ? AND account_id = ?
         UNION ALL
         SELECT 1 FROM sync_accounts a WHERE a.collector = ? AND a.account_id = ? AND a.run_id > ${RETIRED_BEFORE('a')}
         LIMIT 1`,
      ).get(collector, accountId, collector, accountId);
      if (!known) return undefined; // nothing of it in the inventory: nothing to retire
      const at = now();
      const regions = this.prepared(`DELETE FROM sync_scope_state WHERE collector = ? AND account_id = ?`).run(collector, accountId).changes;
      this.prepared(
        `INSERT INTO retired_accounts (collector, account_id, run_id, retired_at, reason) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (collector, account_id) DO UPDATE SET run_id = excluded.run_id, retired_at = excluded.retired_at, reason = excluded.reason`,
      ).run(collector, accountId, runId, at, reason);
      // What only this account saw leaves default queries, as a trail gone from a synced region does.
      const unseen = this.prepared(`DELETE FROM trail_sightings WHERE account_id = ? RETURNING trail_arn`).all(accountId) as { trail_arn: string }[];
      const deleted = this.prepared(
        `UPDATE trails SET deleted_at = ? WHERE arn IN ${JSON_LIST} AND deleted_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM trail_sightings s WHERE s.trail_arn = trails.arn)
          RETURNING arn`,
      ).all(at, JSON.stringify([...new Set(unseen.map((u) => u.trail_arn))])) as { arn: string }[];
      for (const { arn } of deleted) this.recordChange(arn, runId, at, 'deleted');
      return { regions, trailsDeleted: deleted.length };
    });
    return retire.immediate();
  }

  async accountCoverage(collector: string): Promise<AccountCoverage[]> {
    return (await this.accountAttempts(collector)).map(({ finishedAt: _finishedAt, ...account }) => account);
  }

  async accountAttempts(collector: string): Promise<AccountAttempt[]> {
    const rows = this
      .prepared(
        `SELECT a.*, (SELECT k.enabled_regions FROM sync_accounts k
                        WHERE k.collector = a.collector AND k.account_id = a.account_id AND k.enabled_regions IS NOT NULL
                          AND k.run_id > ${RETIRED_BEFORE('k')}
                        ORDER BY k.run_id DESC LIMIT 1) AS known_regions
           FROM sync_accounts a
          WHERE a.collector = ?
            AND a.run_id = (SELECT max(run_id) FROM sync_accounts l WHERE l.collector = a.collector AND l.account_id = a.account_id)
            AND a.run_id > ${RETIRED_BEFORE('a')}
          ORDER BY a.account_id`,
      )
      .all(collector) as Row[];
    return rows.map((row) => ({
      accountId: row.account_id as string,
      status: row.status as AccountCoverage['status'],
      runId: row.run_id as number,
      error: row.error_code ? { code: row.error_code as string, message: (row.error_message as string) ?? '' } : null,
      enabledRegions: row.known_regions ? (JSON.parse(row.known_regions as string) as string[]) : null,
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
    const rows = this.prepared(`SELECT * FROM sync_scope_state WHERE collector = ? ORDER BY account_id, region`).all(collector) as Row[];
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
    const paged = sqlitePage(page, 'run_id', 'account_id, region');
    const rows = this
      .prepared(
        `SELECT * FROM (SELECT s.*, NULL AS last_success_at${paged.column} FROM sync_scopes s
          WHERE run_id IN ${JSON_LIST} AND (? IS NULL OR status = ?)) WHERE ${paged.keep} ORDER BY run_id, account_id, region`,
      )
      .all(JSON.stringify(runIds), status ?? null, status ?? null, ...paged.params) as Row[];
    return groupBy(runIds.map(String), rows, (row) => String(row.run_id), (row) => ({
      ...toScopeCoverage(row),
      seen: row.assets_seen as number,
      new: row.assets_new as number,
      changed: row.assets_changed as number,
      deleted: row.assets_deleted as number,
    }));
  }

  async findTrails(where: unknown, options: TrailQueryOptions = {}): Promise<StoredTrail[]> {
    return this.selectTrails(where, TRAIL_FILTER, options);
  }

  /** Trails matching a filter compiled against `filter` and sorted by its fields: one statement, at most MAX_QUERY_LIMIT rows (one more with oneMore). */
  private selectTrails(where: unknown, filter: FilterSchema, options: TrailQueryOptions): StoredTrail[] {
    const predicate = compileWhere(where, filter, SQLITE_DIALECT);
    const orderBy = compileOrderBy(options.sort, filter.columns, 'arn');
    const { limit, offset } = options;
    if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || limit < 0 || limit > MAX_QUERY_LIMIT)) {
      throw new FilterError(`limit must be an integer from 0 to ${MAX_QUERY_LIMIT}`, 'options.limit');
    }
    if (offset !== undefined && offset !== null && (!Number.isInteger(offset) || offset < 0)) {
      throw new FilterError('offset must be a non-negative integer', 'options.offset');
    }
    const statement = this.preparedRaw(
      `SELECT ${selectList(options.fields)} FROM trails WHERE ${options.includeDeleted ? '' : 'deleted_at IS NULL AND '}${ROW_CHECK} AND ${predicate.sql}
        ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
    );
    const read = limit === undefined || limit === null ? -1 : limit + (options.oneMore ? 1 : 0);
    return toStoredTrails(statement, statement.all(...predicate.params, read, offset ?? 0) as unknown[][]);
  }

  async trailsById(ids: readonly string[]): Promise<(StoredTrail | undefined)[]> {
    const rows = this.prepared(`SELECT ${ALL_TRAIL_VALUES} FROM trails WHERE arn IN ${JSON_LIST}`).all(JSON.stringify(ids)) as Row[];
    const byId = new Map(rows.map((row) => [row.arn as string, toStoredTrail(row)]));
    return ids.map((id) => byId.get(id));
  }

  async tagsByAssetId(ids: readonly string[], page?: ListPage): Promise<Tag[][]> {
    // From each id to its tags by the primary key (asset_id, key), rows as arrays: the tags of 10,000 trails at once
    // are read without a sort of all of them and without an object per row. A page is a range of keys, each end found
    // by the same index (keys are unique per asset), which costs the seed query far less than numbering every row.
    const { limit, offset } = checkListPage(page);
    if (limit === 0) return ids.map(() => []);
    const nthKey = `(SELECT k.key FROM asset_tags k WHERE k.asset_id = id.value ORDER BY k.key LIMIT 1 OFFSET ?)`;
    const rows = this
      .preparedRaw(
        `SELECT tag.asset_id, tag.key, tag.value FROM json_each(?) id CROSS JOIN asset_tags tag ON tag.asset_id = id.value
          WHERE ${offset > 0 ? `tag.key >= ${nthKey}` : '1'} AND ${limit !== undefined ? `tag.key <= coalesce(${nthKey}, tag.key)` : '1'}
          ORDER BY id.key, tag.key`,
      )
      .all(JSON.stringify([...new Set(ids)]), ...(offset > 0 ? [offset] : []), ...(limit !== undefined ? [offset + limit - 1] : [])) as [string, string, string][];
    const byAsset = new Map<string, Tag[]>();
    for (const [assetId, key, value] of rows) {
      const tags = byAsset.get(assetId);
      if (tags) tags.push({ key, value });
      else byAsset.set(assetId, [{ key, value }]);
    }
    return ids.map((id) => byAsset.get(id) ?? []);
  }

  async sightingsByTrailArn(arns: readonly string[], page?: ListPage): Promise<TrailSighting[][]> {
    const paged = sqlitePage(page, 'trail_arn', 'account_id, region');
    const rows = this
      .prepared(
        `SELECT * FROM (SELECT trail_arn, account_id, region${paged.column} FROM trail_sightings WHERE trail_arn IN ${JSON_LIST})
          WHERE ${paged.keep} ORDER BY account_id, region`,
      )
      .all(JSON.stringify(arns), ...paged.params) as { trail_arn: string; account_id: string; region: string }[];
    return groupBy(arns, rows, (row) => row.trail_arn, (row) => ({ accountId: row.account_id, region: row.region }));
  }

  async trailsOfAccounts(accountIds: readonly string[], page?: ListPage): Promise<StoredTrail[][]> {
    // The (account, trail) pairs are paged first, so only the trails of each account's page are read whole.
    const paged = sqlitePage(page, 'seen_by', 'trail_arn');
    const rows = this
      .prepared(
        `SELECT pairs.seen_by, ${ALL_TRAIL_VALUES}
           FROM (SELECT seen_by, trail_arn${paged.column}
                   FROM (SELECT DISTINCT seen.account_id AS seen_by, seen.trail_arn FROM trail_sightings seen JOIN trails ON trails.arn = seen.trail_arn
                          WHERE seen.account_id IN ${JSON_LIST} AND trails.deleted_at IS NULL)) pairs
           JOIN trails ON trails.arn = pairs.trail_arn
          WHERE ${paged.keep} ORDER BY trails.arn`,
      )
      .all(JSON.stringify(accountIds), ...paged.params) as Row[];
    return groupBy(accountIds, rows, (row) => row.seen_by as string, toStoredTrail);
  }

  async trailHistory(arns: readonly string[], page?: ListPage): Promise<TrailChange[][]> {
    const paged = sqlitePage(page, 'trail_arn', 'id DESC');
    const rows = this
      .prepared(`SELECT * FROM (SELECT *${paged.column} FROM trail_changes WHERE trail_arn IN ${JSON_LIST}) WHERE ${paged.keep} ORDER BY id DESC`)
      .all(JSON.stringify(arns), ...paged.params) as Row[];
    return groupBy(arns, rows, (row) => row.trail_arn as string, (row) => ({
      trailArn: row.trail_arn as string,
      runId: row.run_id as number,
      changedAt: row.changed_at as string,
      kind: row.kind as TrailChangeKind,
      field: (row.field as string | null) ?? null,
      from: fromJson(row.old_value as string | null),
      to: fromJson(row.new_value as string | null),
    }));
  }

  async ping(): Promise<void> {
    this.prepared('SELECT 1').get();
  }

  async checkIntegrity(options: { offThread?: boolean } = {}): Promise<IntegrityReport> {
    // An in-memory database has no file another connection could open; an in-memory copy is what the verdicts read, so it is checked.
    const elsewhere = options.offThread && this.path !== ':memory:' && this.connection !== 'in-memory copy' ? await checkIntegrityInWorker(this.path) : undefined;
    return elsewhere ?? checkIntegrityHere(this.db);
  }

  async changeStamp(): Promise<string> {
    return sqliteChangeStamp(this.db, this.path);
  }

  /**
   * For `inventory store copy` (src/store/copy.ts): runs `work` inside one read transaction, so that every table it
   * reads is of the same moment, whatever a sync in another process commits meanwhile. Nothing is written.
   */
  async readSnapshot<T>(work: (source: SqliteBulkSource) => Promise<T>): Promise<T> {
    this.db.exec('BEGIN DEFERRED');
    try {
      // The first read starts the snapshot; from here on, other connections' commits are not seen.
      this.db.prepare('SELECT count(*) FROM schema_migrations').get();
      return await work(new SqliteBulkSource(this.db));
    } finally {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private readSyncRun(id: number): SyncRun | undefined {
    const row = this.prepared(`SELECT * FROM sync_runs WHERE id = ?`).get(id) as Row | undefined;
    return row && this.toRun(row);
  }

  private toRun(row: Row): SyncRun {
    const run = toSyncRun(row);
    return run.status === 'running' && this.interruptedRuns.has(run.id) ? { ...run, status: 'interrupted' } : run;
  }

  private beat(runId: number, at = now()): void {
    this.prepared(`UPDATE sync_runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`).run(at, runId);
  }

  /**
   * A run left 'running' was interrupted (killed or crashed) when its process no longer exists on this host, or when
   * its heartbeat stopped (a process on another host, or one that hangs).
   */
  private markInterruptedRuns(): void {
    const running = this
      .prepared(`SELECT id, host, pid, coalesce(heartbeat_at, started_at) AS alive_at FROM sync_runs WHERE status = 'running'`)
      .all() as { id: number; host: string; pid: number; alive_at: string }[];
    const staleBefore = new Date(Date.now() - this.staleRunMs).toISOString();
    for (const run of running) {
      if ((run.host === hostname() && !processExists(run.pid)) || run.alive_at < staleBefore) {
        // A read never fails for want of writing: where the file cannot record it, the run shows as interrupted all the same.
        if (this.connection !== 'read-write') {
          this.interruptedRuns.add(run.id);
          continue;
        }
        try {
          this.prepared(`UPDATE sync_runs SET status = 'interrupted' WHERE id = ? AND status = 'running'`).run(run.id);
        } catch (error) {
          if (!DISK_FAILURE.test(String((error as { code?: unknown }).code))) throw error;
          this.interruptedRuns.add(run.id);
        }
      }
    }
  }

  // ---- Accounts, pages, aggregates and assets of any type (InventoryStore's last block). ----

  async findAccounts(where: unknown, page?: ListPage): Promise<AccountSummary[]> {
    const predicate = compileWhere(where, ACCOUNT_FILTER, SQLITE_DIALECT);
    const { limit, offset } = checkListPage(page);
    const collectors = ACCOUNT_COLLECTORS.map(() => '?').join(', ');
    const rows = this
      .prepared(
        `WITH accounts(account_id) AS (
           SELECT account_id FROM trails WHERE deleted_at IS NULL
           UNION SELECT account_id FROM sync_scope_state WHERE collector IN (${collectors})
           UNION SELECT a.account_id FROM sync_accounts a WHERE a.collector IN (${collectors}) AND a.run_id > ${RETIRED_BEFORE('a')})
         SELECT ${accountValues('accounts.account_id')} FROM accounts WHERE ${ROW_CHECK} AND ${predicate.sql} ORDER BY accounts.account_id LIMIT ? OFFSET ?`,
      )
      .all(...ACCOUNT_COLLECTORS, ...ACCOUNT_COLLECTORS, ...predicate.params, limit ?? -1, offset) as Row[];
    return rows.map(toAccountSummary);
  }

  async accountsById(ids: readonly string[]): Promise<(AccountSummary | undefined)[]> {
    const collectors = ACCOUNT_COLLECTORS.map(() => '?').join(', ');
    const rows = this
      .prepared(
        `SELECT ${accountValues('ids.value')} FROM json_each(?) ids
          WHERE EXISTS (SELECT 1 FROM trails t WHERE t.account_id = ids.value AND t.deleted_at IS NULL)
             OR EXISTS (SELECT 1 FROM sync_scope_state s WHERE s.collector IN (${collectors}) AND s.account_id = ids.value)
             OR EXISTS (SELECT 1 FROM sync_accounts a WHERE a.collector IN (${collectors}) AND a.account_id = ids.value AND a.run_id > ${RETIRED_BEFORE('a')})`,
      )
      .all(JSON.stringify([...new Set(ids)]), ...ACCOUNT_COLLECTORS, ...ACCOUNT_COLLECTORS) as Row[];
    const byId = new Map(rows.map((row) => [row.account_id as string, toAccountSummary(row)]));
    return ids.map((id) => byId.get(id));
  }

  async findTrailsPage(where: unknown, page: TrailPageRequest): Promise<TrailPage> {
    const predicate = compileWhere(where, TRAIL_FILTER, SQLITE_DIALECT);
    const terms = sortTerms(page.sort, TRAIL_COLUMNS_BY_FIELD);
    const { first } = page;
    if (!Number.isInteger(first) || first < 0 || first > MAX_QUERY_LIMIT) throw new FilterError(`first must be an integer from 0 to ${MAX_QUERY_LIMIT}`, 'first');
    const keyset = page.after === undefined || page.after === null
      ? { sql: SQLITE_DIALECT.trueLiteral, params: [] }
      : afterCursor(terms, decodeCursor(page.after, terms), 'arn', SQLITE_DIALECT);
    const keys = terms.map((term, i) => `${term.column.sql} AS page_key_${i}`);
    // One more row than asked says whether there is a next page.
    const statement = this.preparedRaw(
      `SELECT ${[selectList(page.fields), ...keys].join(', ')} FROM trails
        WHERE deleted_at IS NULL AND ${ROW_CHECK} AND ${predicate.sql} AND ${keyset.sql}
        ORDER BY ${orderByTerms(terms, 'arn')} LIMIT ?`,
    );
    const rows = statement.all(...predicate.params, ...keyset.params, first + 1) as unknown[][];
    const shown = rows.slice(0, first);
    const names = statement.columns().map((c) => c.name);
    const arnAt = names.indexOf('arn');
    const keyAt = terms.map((_, i) => names.indexOf(`page_key_${i}`));
    return {
      trails: toStoredTrails(statement, shown),
      cursors: shown.map((row) => encodeCursor(terms, { keys: keyAt.map((at) => row[at] as KeyValue), id: row[arnAt] as string })),
      hasNextPage: rows.length > first,
    };
  }

  async hasTrailsBefore(where: unknown, page: Pick<TrailPageRequest, 'after' | 'sort'> & { after: string }): Promise<boolean> {
    const predicate = compileWhere(where, TRAIL_FILTER, SQLITE_DIALECT);
    const terms = sortTerms(page.sort, TRAIL_COLUMNS_BY_FIELD);
    const keyset = afterCursor(terms, decodeCursor(page.after, terms), 'arn', SQLITE_DIALECT);
    const row = this
      .prepared(`SELECT EXISTS (SELECT 1 FROM trails WHERE deleted_at IS NULL AND ${ROW_CHECK} AND ${predicate.sql} AND NOT coalesce(${keyset.sql}, 0)) AS found`)
      .get(...predicate.params, ...keyset.params) as { found: number };
    return row.found === 1;
  }

  async countTrails(where: unknown): Promise<number> {
    const predicate = compileWhere(where, TRAIL_FILTER, SQLITE_DIALECT);
    const row = this.prepared(`SELECT count(*) AS n FROM trails WHERE deleted_at IS NULL AND ${ROW_CHECK} AND ${predicate.sql}`).get(...predicate.params) as { n: number };
    return row.n;
  }

  async countTrailsBy(where: unknown, field: string, page?: ListPage): Promise<GroupCount[]> {
    const column = TRAIL_COLUMNS_BY_FIELD.get(field);
    if (!column || (column.kind !== 'string' && column.kind !== 'boolean')) throw new FilterError(`cannot count by "${field}": a string or boolean field`, 'field');
    const predicate = compileWhere(where, TRAIL_FILTER, SQLITE_DIALECT);
    const { limit, offset } = checkListPage(page);
    const rows = this
      .prepared(
        `SELECT ${column.sql} AS value, count(*) AS n FROM trails WHERE deleted_at IS NULL AND ${ROW_CHECK} AND ${predicate.sql}
          GROUP BY 1 ORDER BY n DESC, value IS NULL, value LIMIT ? OFFSET ?`,
      )
      .all(...predicate.params, limit ?? -1, offset) as { value: string | number | null; n: number }[];
    return rows.map(({ value, n }) => ({
      value: value === null ? null : column.kind === 'boolean' ? String(value === 1) : String(value),
      count: n,
    }));
  }

  async findAssets(where: unknown, options: TrailQueryOptions = {}): Promise<StoredTrail[]> {
    // Trails are the only asset type so far; another type's table joins them here with UNION ALL over the same fields.
    return this.selectTrails(where, TRAIL_ASSET_FILTER, options);
  }

  // ---- The HTTP server's own tables and figures: API tokens (migration 0004) and inventory size for /metrics.

  async createApiToken(token: { name: string | null; scope: ApiTokenScope; hash: string }): Promise<ApiToken | undefined> {
    return insertApiToken(this.db, token, now());
  }

  async listApiTokens(options: { includeRevoked?: boolean } = {}): Promise<ApiToken[]> {
    return selectApiTokens(this.db, options.includeRevoked ?? false);
  }

  async revokeApiToken(nameOrId: string): Promise<{ token: ApiToken; newlyRevoked: boolean } | undefined> {
    return revokeApiTokenRow(this.db, nameOrId, now());
  }

  async apiTokenCredentials(): Promise<ApiTokenCredential[]> {
    return selectApiTokenCredentials(this.db);
  }

  async touchApiToken(id: number, at: string): Promise<void> {
    // Bookkeeping only: a server on a file it cannot write answers all the same, without noting each use.
    if (this.connection !== 'read-write') return;
    updateApiTokenLastUsed(this.db, id, at);
  }

  async trailTotals(): Promise<{ live: number; deleted: number }> {
    return selectTrailTotals(this.db);
  }

  // ---- Control history (migration 0005): recorded evaluations of the controls, for controls and controlRuns.

  async recordControlRun(verdicts: readonly VerdictToRecord[], source: string, catalog?: readonly ControlDescription[]): Promise<ControlRunRecord> {
    const record = this.db.transaction((): number => {
      const finishedAt = now();
      const startedAt = verdicts.map((v) => v.evaluatedAt).sort()[0] ?? finishedAt;
      const info = this
        .prepared(`INSERT INTO control_runs (started_at, finished_at, controls_evaluated, source) VALUES (?, ?, ?, ?)`)
        .run(startedAt, finishedAt, verdicts.length, source);
      const runId = Number(info.lastInsertRowid);
      const result = this.prepared(
        `INSERT INTO control_results (run_id, control_id, title, severity, verdict, reason, failing_count, excepted_count, evaluated_count, evaluated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const account = this.prepared(
        `INSERT INTO control_result_accounts (run_id, control_id, account_id, verdict, evaluated_count, failing_count, excepted_count)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      const asset = this.prepared(
        `INSERT OR IGNORE INTO control_result_assets (run_id, control_id, asset_id, account_id, region, state, exception_owner, exception_expires)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const v of verdicts) {
        const excepted = v.exceptedAssets ?? [];
        result.run(runId, v.controlId, v.title, v.severity, v.verdict, v.reason, v.failingAssets.length, excepted.length, v.evaluatedCount ?? null, v.evaluatedAt);
        for (const a of v.accounts ?? []) account.run(runId, v.controlId, a.accountId, a.verdict, a.evaluated, a.failing, a.excepted);
        for (const a of v.failingAssets) asset.run(runId, v.controlId, a.id, a.accountId, a.region, 'failing', null, null);
        for (const a of excepted) asset.run(runId, v.controlId, a.id, a.accountId, a.region, 'excepted', a.exception.owner, a.exception.expires);
      }
      if (catalog) {
        this.prepared(`DELETE FROM control_catalog`).run();
        const entry = this.prepared(`INSERT INTO control_catalog (control_id, title, severity, recorded_at) VALUES (?, ?, ?, ?)`);
        for (const c of catalog) entry.run(c.id, c.title, c.severity, finishedAt);
      }
      return runId;
    });
    const runId = record.immediate();
    return this.readControlRuns([runId])[0]!;
  }

  async latestControlResults(page?: ListPage): Promise<ControlLatestResult[]> {
    const { limit, offset } = checkListPage(page);
    const recorded = (this.prepared(`SELECT EXISTS (SELECT 1 FROM control_catalog) AS found`).get() as { found: number }).found === 1;
    // A page of the catalog, and only its controls' latest results; before any catalog was recorded, a page of the controls with results.
    const catalog = recorded
      ? (this.prepared(`SELECT control_id, title, severity FROM control_catalog ORDER BY control_id LIMIT ? OFFSET ?`).all(limit ?? -1, offset) as Row[])
      : [];
    // The latest result of each control: the index control_results_by_control gives each control's newest run directly.
    const latest = this
      .prepared(
        `SELECT r.* FROM control_results r
          WHERE ${recorded ? `r.control_id IN ${JSON_LIST}` : `r.control_id IN (SELECT DISTINCT control_id FROM control_results ORDER BY control_id LIMIT ? OFFSET ?)`}
            AND r.run_id = (SELECT max(l.run_id) FROM control_results l WHERE l.control_id = r.control_id)`,
      )
      .all(...(recorded ? [JSON.stringify(catalog.map((row) => row.control_id))] : [limit ?? -1, offset])) as Row[];
    const results = new Map(latest.map((row) => [row.control_id as string, toControlResult(row)]));
    return catalogWithResults(catalog, results, recorded);
  }

  async controlRuns(options: ControlRunListOptions = {}): Promise<ControlRunRecord[]> {
    const { controlId, limit = 20, offset = 0, withResults = true } = options;
    if (!Number.isInteger(limit) || limit < 0) throw new FilterError('limit must be a non-negative integer', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new FilterError('offset must be a non-negative integer', 'offset');
    const ids = (
      controlId === undefined
        ? this.prepared(`SELECT id FROM control_runs ORDER BY id DESC LIMIT ? OFFSET ?`).all(limit, offset)
        : this.prepared(`SELECT run_id AS id FROM control_results WHERE control_id = ? ORDER BY run_id DESC LIMIT ? OFFSET ?`).all(controlId, limit, offset)
    ) as { id: number }[];
    return this.readControlRuns(ids.map((row) => row.id), controlId, withResults);
  }

  async resultsOfRuns(runIds: readonly number[], controlId?: string, page?: ListPage): Promise<ControlResultRecord[][]> {
    const paged = sqlitePage(page, 'run_id', 'control_id');
    const rows = this
      .prepared(
        `SELECT * FROM (SELECT *${paged.column} FROM control_results WHERE run_id IN ${JSON_LIST} AND (? IS NULL OR control_id = ?))
          WHERE ${paged.keep} ORDER BY run_id, control_id`,
      )
      .all(JSON.stringify(runIds), controlId ?? null, controlId ?? null, ...paged.params) as Row[];
    return groupBy(runIds.map(String), rows, (row) => String(row.run_id), toControlResult);
  }

  async resultAssets(keys: readonly ControlResultKey[], page?: ListPage): Promise<ControlResultAsset[][]> {
    if (keys.length === 0) return [];
    const pairs = JSON.stringify(keys.map((key) => [key.runId, key.controlId]));
    const paged = sqlitePage(page, 'a.run_id, a.control_id, a.state', 'a.asset_id');
    const rows = this
      .prepared(
        `SELECT * FROM (SELECT a.*${paged.column} FROM control_result_assets a
           JOIN (SELECT json_extract(value, '$[0]') AS run_id, json_extract(value, '$[1]') AS control_id FROM json_each(?)) k
             ON a.run_id = k.run_id AND a.control_id = k.control_id)
          WHERE ${paged.keep} ORDER BY run_id, control_id, state, asset_id`,
      )
      .all(pairs, ...paged.params) as Row[];
    return byResult(keys, rows, toControlResultAsset);
  }

  async resultAccounts(keys: readonly ControlResultKey[], page?: ListPage): Promise<ControlResultAccount[][]> {
    if (keys.length === 0) return [];
    const paged = sqlitePage(page, 'a.run_id, a.control_id', 'a.account_id');
    const rows = this
      .prepared(
        `SELECT * FROM (SELECT a.*${paged.column} FROM control_result_accounts a
           JOIN (SELECT json_extract(value, '$[0]') AS run_id, json_extract(value, '$[1]') AS control_id FROM json_each(?)) k
             ON a.run_id = k.run_id AND a.control_id = k.control_id)
          WHERE ${paged.keep} ORDER BY run_id, control_id, account_id`,
      )
      .all(JSON.stringify(keys.map((key) => [key.runId, key.controlId])), ...paged.params) as Row[];
    return byResult(keys, rows, toControlResultAccount);
  }

  /** The runs with their results (of one control when given), newest first, in two statements (one without results). */
  private readControlRuns(ids: readonly number[], controlId?: string, withResults = true): ControlRunRecord[] {
    if (ids.length === 0) return [];
    const list = JSON.stringify(ids);
    const runs = this.prepared(`SELECT * FROM control_runs WHERE id IN ${JSON_LIST} ORDER BY id DESC`).all(list) as Row[];
    const results = withResults
      ? (this
        .prepared(`SELECT * FROM control_results WHERE run_id IN ${JSON_LIST} AND (? IS NULL OR control_id = ?) ORDER BY run_id, control_id`)
        .all(list, controlId ?? null, controlId ?? null) as Row[])
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

  // ---- Stored exceptions (migration 0007): added and revoked through the GraphQL API; revoked rows are kept.

  async addControlException(exception: NewControlException): Promise<StoredControlException> {
    const info = this
      .prepared(
        `INSERT INTO control_exceptions (control_id, asset, owner, reason, approver, expires, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(exception.control, exception.asset, exception.owner, exception.reason, exception.approver, exception.expires, now(), exception.createdBy);
    return this.readControlException(Number(info.lastInsertRowid))!;
  }

  async listControlExceptions(options: { includeRevoked?: boolean } & ListPage = {}): Promise<StoredControlException[]> {
    const { limit, offset } = checkListPage(options);
    const rows = this
      .prepared(`SELECT * FROM control_exceptions WHERE ? OR revoked_at IS NULL ORDER BY id LIMIT ? OFFSET ?`)
      .all(options.includeRevoked ? 1 : 0, limit ?? -1, offset) as Row[];
    return rows.map(toStoredControlException);
  }

  async revokeControlException(id: number, revokedBy: string): Promise<StoredControlException | undefined> {
    this.prepared(`UPDATE control_exceptions SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`).run(now(), revokedBy, id);
    return this.readControlException(id);
  }

  private readControlException(id: number): StoredControlException | undefined {
    const row = this.prepared(`SELECT * FROM control_exceptions WHERE id = ?`).get(id) as Row | undefined;
    return row && toStoredControlException(row);
  }
}

/**
 * An account's values, over an SQL expression that gives its id: its freshness from sync_scope_state, and its latest
 * attempt and last read enabled regions from sync_accounts (attempts before the account was retired no longer count).
 */
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
    enabledRegions: row.enabled_regions ? (JSON.parse(row.enabled_regions as string) as string[]) : null,
    name: (row.account_name as string | null) ?? null,
  };
}

/** A read-write connection to an inventory (or a new or empty file), marked as an inventory and migrated. */
function openToWrite(path: string, migrationsDir: string): Database.Database {
  const db = new Database(path, { fileMustExist: path !== ':memory:' });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Only an inventory (or a new file) gets here: marked, so that no later open takes it for another application's.
    if (db.pragma('application_id', { simple: true }) !== INVENTORY_APPLICATION_ID) db.pragma(`application_id = ${INVENTORY_APPLICATION_ID}`);
    migrate(db, migrationsDir);
  } catch (error) {
    db.close();
    // A damaged file or one that cannot be opened stays openStore's to word; a full or read-only disk is said here.
    throw (DISK_FAILURE.test(String((error as { code?: unknown }).code)) && fileProblem(error, path)) || error;
  }
  return db;
}

/** SQLite errors of the disk or of access to the file, not of the SQL run. */
const DISK_FAILURE = /^SQLITE_(FULL|READONLY|IOERR|BUSY|PERM)/;

function appliedMigrations(db: Database.Database): AppliedMigration[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).get();
  return exists ? (db.prepare(`SELECT version, name, checksum FROM schema_migrations ORDER BY version`).all() as AppliedMigration[]) : [];
}

function migrate(db: Database.Database, dir: string): void {
  const pending = pendingMigrations(loadMigrations(dir), appliedMigrations(db));
  if (pending.length === 0) return; // an inventory up to date is not written to
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  for (const migration of pending) {
    const apply = db.transaction(() => {
      db.exec(migration.sql);
      db.prepare(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`)
        .run(migration.version, migration.name, migration.checksum, now());
    });
    try {
      apply.immediate();
    } catch (error) {
      // The disk or the file failing is not the migration's fault: the caller says so in its own words.
      if (DISK_FAILURE.test(String((error as { code?: unknown }).code))) throw error;
      throw new MigrationError(`${migration.file}: ${(error as Error).message} (nothing of this migration was applied)`);
    }
  }
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
  if (!fields) return ALL_TRAIL_VALUES;
  const columns = new Set(['arn']);
  for (const field of fields) {
    const column = TRAIL_COLUMNS_BY_FIELD.get(field);
    if (!column || isConstant(column)) continue;
    columns.add(isComputed(column) ? `${column.sql} AS ${column.name}` : column.sql);
  }
  return [...columns].join(', ');
}

/** Maps a row (all columns, or those a query selected) to the API's field names. */
function toStoredTrail(row: Row): StoredTrail {
  const names = Object.keys(row);
  return trailMapper(names)(names.map((name) => row[name]));
}

const trailMappers = new Map<string, (values: readonly unknown[]) => StoredTrail>();

/**
 * The mapper for rows of these columns, in this order, made once per distinct column list: a list of 10,000 trails is
 * then mapped without looking every column of the catalog up in every row. Columns no trail field reads are skipped.
 */
function trailMapper(names: readonly string[]): (values: readonly unknown[]) => StoredTrail {
  const key = names.join(',');
  let mapper = trailMappers.get(key);
  if (!mapper) {
    const reads = names.flatMap((name, index) => TRAIL_COLUMNS.filter((c) => c.name === name && !isConstant(c)).map((column) => ({ column, index })));
    mapper = (values) => {
      const trail: Row = { assetType: TRAIL_ASSET_TYPE, provider: 'aws' };
      for (const { column, index } of reads) trail[column.field] = decodeColumn(column, values[index]);
      return trail as unknown as StoredTrail;
    };
    if (trailMappers.size < MAX_CACHED_STATEMENTS) trailMappers.set(key, mapper);
  }
  return mapper;
}

/** Maps the rows of a raw statement (preparedRaw: rows are arrays in the order of its columns). */
function toStoredTrails(statement: Database.Statement, rows: readonly unknown[][]): StoredTrail[] {
  if (rows.length === 0) return [];
  const mapper = trailMapper(statement.columns().map((c) => c.name));
  return rows.map(mapper);
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
    heartbeatAt: (row.heartbeat_at as string | null) ?? null,
  };
}


const MAX_CACHED_STATEMENTS = 200;



/** A list of any length as one parameter (a JSON array), so a batch of ids is one statement, not one per id. */
const JSON_LIST = '(SELECT value FROM json_each(?))';

/**
 * A page of each parent's list in SQLite: `column` (", row_number() ... AS page_row") to select in the inner query,
 * `keep` for the outer WHERE, and its parameters, bound last. Without a page: nothing selected, every row kept.
 */
function sqlitePage(page: ListPage | undefined, partitionBy: string, orderBy: string): { column: string; keep: string; params: number[] } {
  const paged = eachParentPage(page, partitionBy, orderBy, () => '?', 1);
  return paged ? { column: `, ${paged.column}`, keep: paged.keep, params: paged.params } : { column: '', keep: '1', params: [] };
}


