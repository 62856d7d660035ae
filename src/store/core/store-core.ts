// The store's semantics, once for both engines: scope writes in one transaction, upserts, change history, sightings,
// the deletion sweep, account retirement, paging, coverage, control history and exceptions. Each method builds an
// operation (src/store/core/operation.ts) that the engine's executor runs; the SQLite and PostgreSQL stores supply
// only connections, locking, placeholders and what truly differs between them.
import { hostname } from 'node:os';
import type { Tag } from '../../model/asset.js';
import type { AssetTypeDefinition } from '../../assets/definition.js';
import { ASSET_TYPES } from '../../assets/registry.js';
import { TRAIL } from '../../assets/trail.js';
import type { CollectedAsset } from '../../model/asset.js';
import { sameJson, type StoredTrail } from '../../model/trail.js';
import { accountFilterSchema, assetSchemas, historyValue, isComputed, isConstant, qualifiedColumn, type AssetColumn, type AssetSchema } from '../asset-schema.js';
import {
  byResult,
  catalogWithResults,
  checkListPage,
  contentHash,
  eachParentPage,
  groupBy,
  MAX_QUERY_LIMIT,
  now,
  processExists,
  runsWithTotals,
  toControlResult,
  toControlResultAccount,
  toControlResultAsset,
  toScopeCoverage,
  toStoredControlException,
} from '../common.js';
import type { Dialect } from '../dialect.js';
import { ACCOUNT_COLLECTORS, accountLastSyncedAtSql, accountNameSql, accountStatusSql, attemptsSinceRetired, RETIRED_BEFORE } from '../filter-schemas.js';
import { afterCursor, decodeCursor, encodeCursor, orderByTerms, type KeyValue } from '../pages.js';
import type {
  AccountAttempt,
  AccountCoverage,
  AccountOutcome,
  AccountRetirement,
  AccountSummary,
  ApiToken,
  ApiTokenCredential,
  ApiTokenScope,
  ControlDescription,
  ControlLatestResult,
  ControlResultAccount,
  ControlResultAsset,
  ControlResultKey,
  ResultAssetFilter,
  ControlResultRecord,
  ControlRunListOptions,
  ControlRunRecord,
  GroupCount,
  IntegrityReport,
  InventoryStore,
  ListPage,
  NewControlException,
  NewSyncRun,
  ScopeCounts,
  ScopeCoverage,
  ScopeError,
  ScopeResult,
  ScopeState,
  ScopeStatus,
  StoredControlException,
  SyncLeadership,
  SyncPeriod,
  SyncRun,
  SyncRunListOptions,
  SyncRunStatus,
  SyncRunSummary,
  TrailChange,
  TrailChangeKind,
  TrailPage,
  TrailPageRequest,
  TrailQueryOptions,
  TrailScopeResult,
  TrailSighting,
  VerdictToRecord,
  StoredAsset,
  AssetChange,
} from '../store.js';
import { compileOrderBy, compileWhere, FilterError, sortTerms, type FilterSchema, type SortTerm } from '../where.js';
import { all, get, insertMany, lock, raw, run, type Operation, type RawRows, type Row } from './operation.js';

export type { Operation };

/** What an engine tells the core about itself, besides running operations. */
export interface EngineTraits {
  /** The dialect, with `?` as every placeholder. */
  readonly dialect: Dialect;
  /** A predicate every filtered statement evaluates per row it considers (SQLite readers stop a request there). */
  readonly rowCheck: string;
  /** Whether writers lock what they touch (PostgreSQL: several processes write at once). */
  readonly locking: boolean;
  /** The asset types this store holds (the registry's; tests add their own). */
  readonly assetTypes?: readonly AssetTypeDefinition[];
  /**
   * One statement whose `version` column changes whenever any write that could change a count has committed since
   * it was last read (README, Querying: "Paging"): a count cached at a version still holds while it is the same.
   */
  readonly dataVersion: string;
}

/** A statement as the core writes it (`?` placeholders) with its parameters. */
export interface SqlStatement {
  sql: string;
  params: readonly unknown[];
}

/** Counts kept at once: the dashboards' few filters, not every filter ever asked. */
const MAX_CACHED_COUNTS = 500;

type Outcome = 'new' | 'changed' | 'unchanged' | 'seen again';

const TOKEN_COLUMNS = 'id, name, scope, created_at, last_used_at, revoked_at';

export abstract class StoreCore implements Pick<InventoryStore, Exclude<keyof InventoryStore, 'kind' | 'ping' | 'checkIntegrity' | 'changeStamp' | 'close'>> {
  private readonly d: Dialect;
  /** AccountWhere: the account's own values, and the lists of every type that apply to it. */
  private readonly accountFilter: FilterSchema;
  /** Each asset type's columns, history fields and filter, from its definition. */
  private readonly schemas: ReadonlyMap<string, AssetSchema>;
  /** The mapper of each distinct list of selected columns, made once: 10,000 rows are mapped without a lookup per column. */
  private readonly mappers = new Map<string, (values: readonly unknown[]) => StoredAsset>();
  /**
   * The content hash each incoming record settled into, and whether it was merged with the stored record. The collector
   * hands every scope of an account the same record object for a trail, so a trail seen in 17 regions is merged once.
   */
  private readonly settled = new WeakMap<CollectedAsset, string>();
  /** Counts by statement and parameters, with the version of the inventory each was counted at. */
  private readonly counts = new Map<string, { version: unknown; n: number }>();
  /** Runs found interrupted that the inventory could not be told about (read-only, full disk): shown so all the same. */
  private readonly interruptedRuns = new Set<number>();

  protected constructor(
    private readonly traits: EngineTraits,
    private readonly staleRunMs: number,
  ) {
    this.d = traits.dialect;
    this.schemas = assetSchemas(traits.assetTypes ?? ASSET_TYPES, this.d);
    this.accountFilter = accountFilterSchema(traits.assetTypes ?? ASSET_TYPES, this.d);
  }

  /** Runs an operation that reads (and at most marks interrupted runs), outside a write transaction. */
  protected abstract read<T>(operation: () => Operation<T>, options?: { probe?: boolean }): Promise<T>;
  /** Runs an operation in one write transaction: all of it or nothing, no other writer's statements in between. */
  protected abstract write<T>(operation: () => Operation<T>): Promise<T>;
  /** Whether this connection may write (a read-only SQLite file may not). */
  protected get writable(): boolean {
    return true;
  }
  /** An error of the disk or of access to the inventory, not of the SQL run. */
  protected isDiskFailure(_error: unknown): boolean {
    return false;
  }

  // ---- Sync runs.

  async startSyncRun(request: NewSyncRun): Promise<SyncRun> {
    const startedAt = now();
    return this.read(
      function* (this: StoreCore) {
        const row = yield* get(
          `INSERT INTO sync_runs (collector, status, started_at, heartbeat_at, host, pid, requested_regions)
         VALUES (?, 'running', ?, ?, ?, ?, ${this.d.jsonPlaceholder}) RETURNING *`,
          [request.collector, startedAt, startedAt, hostname(), process.pid, JSON.stringify(request.requestedRegions)],
        );
        return this.toRun(row!);
      }.bind(this),
    );
  }

  async heartbeatSyncRun(runId: number): Promise<void> {
    await this.read(() => this.beat(runId, now()));
  }

  async claimSyncPeriod({ everyMs, period }: SyncPeriod): Promise<boolean> {
    const startsAt = new Date(period * everyMs).toISOString();
    const claimed = await this.write(() =>
      run(
        `INSERT INTO sync_periods (every_ms, period, starts_at, claimed_at, host, pid) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (every_ms, period) DO NOTHING`,
        [everyMs, period, startsAt, now(), hostname(), process.pid],
      ),
    );
    return claimed === 1;
  }

  /** Who runs scheduled syncs: the engine's way of choosing one process (README, "Scheduled syncs"). */
  abstract syncLeadership(): SyncLeadership;

  async finishSyncRun(runId: number, status: Exclude<SyncRunStatus, 'running'>, error?: ScopeError): Promise<SyncRun> {
    return this.read(
      function* (this: StoreCore) {
        const row = yield* get(`UPDATE sync_runs SET status = ?, finished_at = ?, error_code = ?, error_message = ? WHERE id = ? RETURNING *`, [
          status,
          now(),
          error?.code ?? null,
          error?.message ?? null,
          runId,
        ]);
        return this.toRun(row!);
      }.bind(this),
    );
  }

  async latestSyncRun(collector: string): Promise<SyncRun | undefined> {
    return this.read(
      function* (this: StoreCore) {
        yield* this.markInterruptedRuns();
        const row = yield* get(`SELECT * FROM sync_runs WHERE collector = ? ORDER BY id DESC LIMIT 1`, [collector]);
        return row && this.toRun(row);
      }.bind(this),
    );
  }

  async listSyncRuns(options: SyncRunListOptions = {}): Promise<SyncRunSummary[]> {
    const { collector, limit = 20, offset = 0 } = options;
    if (!Number.isInteger(limit) || limit < 0) throw new FilterError('limit must be a non-negative integer', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new FilterError('offset must be a non-negative integer', 'offset');
    return this.read(
      function* (this: StoreCore) {
        yield* this.markInterruptedRuns();
        const rows = yield* all(`SELECT * FROM sync_runs WHERE CAST(? AS TEXT) IS NULL OR collector = ? ORDER BY id DESC LIMIT ? OFFSET ?`, [
          collector ?? null,
          collector ?? null,
          limit,
          offset,
        ]);
        return yield* this.withTotals(rows.map((row) => this.toRun(row)));
      }.bind(this),
    );
  }

  async syncRun(id: number): Promise<SyncRunSummary | undefined> {
    return this.read(
      function* (this: StoreCore) {
        yield* this.markInterruptedRuns();
        const row = yield* get(`SELECT * FROM sync_runs WHERE id = ?`, [id]);
        return row && (yield* this.withTotals([this.toRun(row)]))[0];
      }.bind(this),
    );
  }

  /** The runs with their totals, summed in two statements over the runs' own scope and account rows. */
  private *withTotals(runs: SyncRun[]): Operation<SyncRunSummary[]> {
    const ids = this.d.listParam(runs.map((r) => r.id));
    const scopeRows = yield* all(
      `SELECT run_id, count(*) FILTER (WHERE status = 'ok') AS ok, count(*) FILTER (WHERE status = 'skipped') AS skipped,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              sum(assets_seen) AS seen, sum(assets_new) AS new, sum(assets_changed) AS changed, sum(assets_deleted) AS deleted
         FROM sync_scopes WHERE ${this.d.anyOf('run_id', 'integer')} GROUP BY run_id`,
      [ids],
    );
    const accountRows = yield* all(
      `SELECT run_id, count(*) AS failed FROM sync_accounts WHERE status = 'failed' AND ${this.d.anyOf('run_id', 'integer')} GROUP BY run_id`,
      [ids],
    );
    return runsWithTotals(runs, scopeRows, accountRows);
  }

  private toRun(row: Row): SyncRun {
    const run: SyncRun = {
      id: row.id as number,
      collector: row.collector as string,
      status: row.status as SyncRunStatus,
      startedAt: row.started_at as string,
      finishedAt: (row.finished_at as string | null) ?? null,
      requestedRegions: this.d.readJson(row.requested_regions) as string[],
      errorCode: (row.error_code as string | null) ?? null,
      errorMessage: (row.error_message as string | null) ?? null,
      heartbeatAt: (row.heartbeat_at as string | null) ?? null,
    };
    return run.status === 'running' && this.interruptedRuns.has(run.id) ? { ...run, status: 'interrupted' } : run;
  }

  private *beat(runId: number, at: string): Operation<void> {
    yield* run(`UPDATE sync_runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`, [at, runId]);
  }

  /**
   * A run left 'running' was interrupted (killed or crashed) when its process no longer exists on this host, or when
   * its heartbeat stopped (a process on another host, or one that hangs).
   */
  private *markInterruptedRuns(): Operation<void> {
    const running = yield* all<{ id: number; host: string; pid: number; alive_at: string }>(
      `SELECT id, host, pid, coalesce(heartbeat_at, started_at) AS alive_at FROM sync_runs WHERE status = 'running'`,
    );
    const staleBefore = new Date(Date.now() - this.staleRunMs).toISOString();
    for (const stale of running) {
      if (!((stale.host === hostname() && !processExists(stale.pid)) || stale.alive_at < staleBefore)) continue;
      // A read never fails for want of writing: where the inventory cannot record it, the run shows as interrupted all the same.
      if (!this.writable) {
        this.interruptedRuns.add(stale.id);
        continue;
      }
      try {
        yield* run(`UPDATE sync_runs SET status = 'interrupted' WHERE id = ? AND status = 'running'`, [stale.id]);
      } catch (error) {
        if (!this.isDiskFailure(error)) throw error;
        this.interruptedRuns.add(stale.id);
      }
    }
  }

  // ---- Scope writes: upserts, history, sightings and the deletion sweep, in one transaction per scope, for every type.

  async writeScope(runId: number, scope: ScopeResult): Promise<ScopeCounts> {
    const schema = this.schemaOf(scope.assetType);
    return this.write(() => this.writeScopeOperation(schema, schema.type.collector, runId, scope));
  }

  async writeTrailScope(runId: number, collector: string, scope: TrailScopeResult): Promise<ScopeCounts> {
    const { trails, ...rest } = scope;
    return this.write(() => this.writeScopeOperation(this.schemaOf(TRAIL.name), collector, runId, { ...rest, assetType: TRAIL.name, assets: trails }));
  }

  private *writeScopeOperation(schema: AssetSchema, collector: string, runId: number, scope: ScopeResult): Operation<ScopeCounts> {
    // Lock order: the account (shared: scopes of one account may be written at once, but not while it is retired),
    // the scope, then every asset this scope lists or listed (sorted by key).
    yield* lock([`account\0${collector}\0${scope.accountId}`], true);
    yield* lock([`scope\0${collector}\0${scope.accountId}\0${scope.region}`]);
    const counts: ScopeCounts = { seen: 0, new: 0, changed: 0, deleted: 0 };
    const at = now();
    const previous = yield* get<{ last_success_at: string | null }>(
      `SELECT last_success_at FROM sync_scope_state WHERE collector = ? AND account_id = ? AND region = ?`,
      [collector, scope.accountId, scope.region],
    );
    if (scope.status === 'ok') {
      if (this.traits.locking) {
        const listed = yield* all<{ asset_id: string }>(`SELECT asset_id FROM asset_sightings WHERE asset_type = ? AND account_id = ? AND region = ?`, [
          schema.type.name,
          scope.accountId,
          scope.region,
        ]);
        yield* lock([...scope.assets.map((a) => `asset\0${a.arn}`), ...listed.map((l) => `asset\0${l.asset_id}`)]);
      }
      const keepStored = new Set(scope.keepStoredDetailsOf ?? []);
      for (const asset of scope.assets) {
        const outcome = yield* this.upsertAsset(schema, runId, asset, scope.accountId, at, keepStored.has(asset.arn));
        counts.seen += 1;
        if (outcome === 'new') counts.new += 1;
        if (outcome === 'changed') counts.changed += 1;
        // Only a sighting this scope never had before is written; one it still has is left as it is.
        yield* run(`INSERT INTO asset_sightings (asset_type, asset_id, account_id, region, last_run_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, [
          schema.type.name,
          asset.arn,
          scope.accountId,
          scope.region,
          runId,
        ]);
      }
      counts.deleted = yield* this.dropStaleSightings(schema, runId, scope, previous?.last_success_at ?? null, at);
    }
    const succeeded = scope.status !== 'failed';
    yield* run(
      `INSERT INTO sync_scope_state (collector, account_id, region, last_run_id, last_status, last_attempt_at, last_error_code,
                                     last_error_message, last_success_run_id, last_success_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (collector, account_id, region) DO UPDATE SET
         last_run_id = excluded.last_run_id, last_status = excluded.last_status, last_attempt_at = excluded.last_attempt_at,
         last_error_code = excluded.last_error_code, last_error_message = excluded.last_error_message,
         last_success_run_id = coalesce(excluded.last_success_run_id, sync_scope_state.last_success_run_id),
         last_success_at = coalesce(excluded.last_success_at, sync_scope_state.last_success_at)`,
      [
        collector,
        scope.accountId,
        scope.region,
        runId,
        scope.status,
        at,
        scope.error?.code ?? null,
        scope.error?.message ?? null,
        succeeded ? runId : null,
        succeeded ? at : null,
      ],
    );
    yield* run(
      `INSERT INTO sync_scopes (run_id, collector, account_id, region, status, finished_at, error_code, error_message,
                                assets_seen, assets_new, assets_changed, assets_deleted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        runId,
        collector,
        scope.accountId,
        scope.region,
        scope.status,
        at,
        scope.error?.code ?? null,
        scope.error?.message ?? null,
        counts.seen,
        counts.new,
        counts.changed,
        counts.deleted,
      ],
    );
    // A written scope is proof of life, whether or not the sync also sends heartbeats.
    yield* this.beat(runId, at);
    return counts;
  }

  /**
   * Inserts or updates one asset, records its history, and says what happened to it: 'changed' only when its
   * configuration changed (or it came back after deletion), 'seen again' when an earlier scope of this run already
   * wrote it. An unchanged asset is not written at all. The caller holds the asset's lock.
   */
  private *upsertAsset(schema: AssetSchema, runId: number, incoming: CollectedAsset, viewerAccountId: string, at: string, keepStored: boolean): Operation<Outcome> {
    const t = schema.table;
    const head = yield* get(`SELECT content_hash, last_run_id, deleted_at FROM ${t} WHERE arn = ?`, [incoming.arn]);
    // Another account's view (a member's view of an organization trail) cannot read everything the owner's can, and
    // the owner's view cannot either when the asset's home region failed: what it could not read keeps what was
    // known instead of being erased (the definition's mergeViews). Otherwise the owner's view replaces the record.
    const merge = (viewerAccountId !== incoming.accountId || keepStored) && schema.type.mergeViews !== undefined;
    // This very record, merged or not, already settled into the row as it stands: nothing to merge or write.
    if (head && head.deleted_at === null && this.settled.get(incoming) === `${merge}:${head.content_hash}`) {
      return head.last_run_id === runId ? 'seen again' : 'unchanged';
    }
    const existing = head && (yield* get(`SELECT * FROM ${t} WHERE arn = ?`, [incoming.arn]))!;
    const seenAgain = existing !== undefined && existing.last_run_id === runId;
    const before = existing && this.toRecord(schema, existing, yield* this.tagsOf(incoming.arn));
    const record = before && merge ? schema.type.mergeViews!(before, incoming) : incoming;
    const content = contentHash(record);
    const config = contentHash(configurationOf(schema, record));
    const revived = existing !== undefined && existing.deleted_at !== null;
    const outcome = seenAgain ? 'seen again' : !existing ? 'new' : revived || existing.config_hash !== config ? 'changed' : 'unchanged';
    this.settled.set(incoming, `${merge}:${content}`);
    if (existing && existing.content_hash === content && !revived) return outcome;

    const columns = schema.content;
    const values = columns.map((c) => this.encode(c, (record as unknown as Row)[c.field]));
    const tagsKnown = this.d.booleanParam(record.tags !== null);
    const placeholders = columns.map((c) => (c.kind === 'json' ? this.d.jsonPlaceholder : '?'));
    if (!existing) {
      const names = [...columns.map((c) => c.sql), 'first_seen_at', 'last_seen_at', 'last_run_id', 'content_hash', 'config_hash', 'tags_known'];
      yield* run(`INSERT INTO ${t} (${names.join(', ')}) VALUES (${[...placeholders, '?', '?', '?', '?', '?', '?'].join(', ')})`, [
        ...values,
        at,
        at,
        runId,
        content,
        config,
        tagsKnown,
      ]);
      yield* this.recordChange(record.arn, runId, at, 'created');
    } else {
      const assignments = [
        ...columns.map((c, i) => `${c.sql} = ${placeholders[i]}`),
        'last_seen_at = ?',
        'last_run_id = ?',
        'content_hash = ?',
        'config_hash = ?',
        'tags_known = ?',
        'deleted_at = NULL',
      ];
      yield* run(`UPDATE ${t} SET ${assignments.join(', ')} WHERE arn = ?`, [...values, at, runId, content, config, tagsKnown, record.arn]);
      if (revived) yield* this.recordChange(record.arn, runId, at, 'restored');
      for (const field of schema.historyFields) {
        const from = historyValue(before!, field);
        const to = historyValue(record, field);
        // A value that could not be read (null) is recorded too, so that true, then unknown, then false is never lost.
        if (!sameJson(from, to)) yield* this.recordChange(record.arn, runId, at, 'changed', field, from, to);
      }
    }
    yield* this.updateTags(record.arn, before?.tags ?? [], record.tags ?? []);
    return outcome;
  }

  private encode(column: AssetColumn, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    if (column.kind === 'boolean') return this.d.booleanParam(Boolean(value));
    if (column.kind === 'json') return JSON.stringify(value);
    return value;
  }

  /** Writes only the tags that differ: removed keys, new keys and new values. */
  private *updateTags(assetId: string, old: readonly Tag[], tags: readonly Tag[]): Operation<void> {
    const oldValues = new Map(old.map((t) => [t.key, t.value]));
    const newKeys = new Set(tags.map((t) => t.key));
    for (const key of oldValues.keys()) if (!newKeys.has(key)) yield* run(`DELETE FROM asset_tags WHERE asset_id = ? AND key = ?`, [assetId, key]);
    for (const tag of tags) {
      if (oldValues.get(tag.key) === tag.value) continue;
      yield* run(`INSERT INTO asset_tags (asset_id, key, value) VALUES (?, ?, ?) ON CONFLICT (asset_id, key) DO UPDATE SET value = excluded.value`, [
        assetId,
        tag.key,
        tag.value,
      ]);
    }
  }

  private *tagsOf(assetId: string): Operation<Tag[]> {
    return yield* all<Tag>(`SELECT key, value FROM asset_tags WHERE asset_id = ? ORDER BY key`, [assetId]);
  }

  /**
   * Adds one entry to an asset's history. Several writes of an asset in one run make one entry per field (the first
   * old value, the last new value; none when they end equal), and a deletion undone in the same run leaves nothing.
   */
  private *recordChange(
    assetId: string,
    runId: number,
    at: string,
    kind: TrailChangeKind,
    field: string | null = null,
    from: unknown = null,
    to: unknown = null,
  ): Operation<void> {
    const thisRun = yield* all<{ id: number; kind: TrailChangeKind; field: string | null; old_value: unknown }>(
      `SELECT id, kind, field, old_value FROM asset_changes WHERE run_id = ? AND asset_id = ?`,
      [runId, assetId],
    );
    const remove = (id: number) => run(`DELETE FROM asset_changes WHERE id = ?`, [id]);
    if (kind === 'changed') {
      // An asset created in this run has no earlier configuration to differ from.
      if (thisRun.some((c) => c.kind === 'created')) return;
      const prior = thisRun.find((c) => c.kind === 'changed' && c.field === field);
      if (prior) {
        if (sameJson(this.d.readJson(prior.old_value), to)) yield* remove(prior.id);
        else yield* run(`UPDATE asset_changes SET new_value = ${this.d.jsonPlaceholder}, changed_at = ? WHERE id = ?`, [jsonParam(to), at, prior.id]);
        return;
      }
    }
    const undone = kind === 'restored' ? 'deleted' : kind === 'deleted' ? 'restored' : undefined;
    const opposite = thisRun.find((c) => c.kind === undone);
    if (opposite) {
      yield* remove(opposite.id);
      return;
    }
    const json = this.d.jsonPlaceholder;
    yield* run(`INSERT INTO asset_changes (asset_id, run_id, changed_at, kind, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ${json}, ${json})`, [
      assetId,
      runId,
      at,
      kind,
      field,
      jsonParam(from),
      jsonParam(to),
    ]);
  }

  /**
   * Forgets, in one statement, every sighting of this scope whose asset it no longer returns; an asset seen nowhere any
   * more is marked deleted, keeping as its last-seen time this scope's previous success.
   */
  private *dropStaleSightings(schema: AssetSchema, runId: number, scope: ScopeResult, previousSuccessAt: string | null, at: string): Operation<number> {
    const gone = yield* all<{ asset_id: string }>(
      `DELETE FROM asset_sightings WHERE asset_type = ? AND account_id = ? AND region = ? AND NOT (${this.d.anyOf('asset_id')}) RETURNING asset_id`,
      [schema.type.name, scope.accountId, scope.region, this.d.listParam(scope.assets.map((a) => a.arn))],
    );
    if (gone.length === 0) return 0;
    return yield* this.deleteUnseen(
      schema,
      runId,
      gone.map((g) => g.asset_id),
      at,
      previousSuccessAt,
    );
  }

  /** Marks deleted, with their history, the assets of `ids` that no scope lists any more; how many. */
  private *deleteUnseen(schema: AssetSchema, runId: number, ids: readonly string[], at: string, lastSeenAt: string | null): Operation<number> {
    const t = schema.table;
    const deleted = yield* all<{ arn: string }>(
      `UPDATE ${t} SET deleted_at = ?, last_seen_at = coalesce(?, last_seen_at)
        WHERE ${this.d.anyOf('arn')} AND deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM asset_sightings s WHERE s.asset_id = ${t}.arn)
        RETURNING arn`,
      [at, lastSeenAt, this.d.listParam([...new Set(ids)])],
    );
    // RETURNING gives rows in no promised order: history is written in the order of the ids.
    deleted.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
    for (const { arn } of deleted) yield* this.recordChange(arn, runId, at, 'deleted');
    return deleted.length;
  }

  // ---- Accounts: attempts, retirement and coverage.

  async recordAccount(runId: number, collector: string, outcome: AccountOutcome): Promise<void> {
    await this.read(() =>
      run(
        `INSERT INTO sync_accounts (run_id, collector, account_id, status, enabled_regions, finished_at, error_code, error_message, account_name)
       VALUES (?, ?, ?, ?, ${this.d.jsonPlaceholder}, ?, ?, ?, ?)`,
        [
          runId,
          collector,
          outcome.accountId,
          outcome.status,
          outcome.enabledRegions && JSON.stringify(outcome.enabledRegions),
          now(),
          outcome.error?.code ?? null,
          outcome.error?.message ?? null,
          outcome.name ?? null,
        ],
      ),
    );
  }

  async retireAccount(runId: number, collector: string, accountId: string, reason: string): Promise<AccountRetirement | undefined> {
    return this.write(
      function* (this: StoreCore): Operation<AccountRetirement | undefined> {
        // Exclusive on the account: no scope of it is being written meanwhile (they hold it shared).
        yield* lock([`account\0${collector}\0${accountId}`]);
        const known = yield* get(
          `SELECT 1 AS found FROM sync_scope_state WHERE collector = ? AND account_id = ?
         UNION ALL
         SELECT 1 AS found FROM sync_accounts a WHERE a.collector = ? AND a.account_id = ? AND a.run_id > ${RETIRED_BEFORE('a')}
         LIMIT 1`,
          [collector, accountId, collector, accountId],
        );
        if (!known) return undefined; // nothing of it in the inventory: nothing to retire
        const at = now();
        if (this.traits.locking) {
          const sighted = yield* all<{ asset_id: string }>(`SELECT DISTINCT asset_id FROM asset_sightings WHERE account_id = ?`, [accountId]);
          yield* lock(sighted.map((s) => `asset\0${s.asset_id}`));
        }
        const regions = yield* run(`DELETE FROM sync_scope_state WHERE collector = ? AND account_id = ?`, [collector, accountId]);
        yield* run(
          `INSERT INTO retired_accounts (collector, account_id, run_id, retired_at, reason) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (collector, account_id) DO UPDATE SET run_id = excluded.run_id, retired_at = excluded.retired_at, reason = excluded.reason`,
          [collector, accountId, runId, at, reason],
        );
        // What only this account saw leaves default queries, as an asset gone from a synced region does: of every type the collector gathers.
        const types = [...this.schemas.values()].filter((schema) => schema.type.collector === collector);
        const unseen = yield* all<{ asset_type: string; asset_id: string }>(
          `DELETE FROM asset_sightings WHERE account_id = ? AND ${this.d.anyOf('asset_type')} RETURNING asset_type, asset_id`,
          [accountId, this.d.listParam(types.map((schema) => schema.type.name))],
        );
        // Counted per type: a summary must never call a retired account's keys its trails.
        const assetsDeleted: Record<string, number> = {};
        for (const schema of types) {
          const ids = unseen.filter((u) => u.asset_type === schema.type.name).map((u) => u.asset_id);
          assetsDeleted[schema.type.name] = ids.length > 0 ? yield* this.deleteUnseen(schema, runId, ids, at, null) : 0;
        }
        return { regions, assetsDeleted };
      }.bind(this),
    );
  }

  async accountCoverage(collector: string): Promise<AccountCoverage[]> {
    return (await this.accountAttempts(collector)).map(({ finishedAt: _finishedAt, ...account }) => account);
  }

  async accountAttempts(collector: string): Promise<AccountAttempt[]> {
    const rows = await this.read(() =>
      all(
        `SELECT a.*, (SELECT k.enabled_regions FROM sync_accounts k
                      WHERE k.collector = a.collector AND k.account_id = a.account_id AND k.enabled_regions IS NOT NULL
                        AND k.run_id > ${RETIRED_BEFORE('k')}
                      ORDER BY k.run_id DESC LIMIT 1) AS known_regions
         FROM sync_accounts a
        WHERE a.collector = ?
          AND a.run_id = (SELECT max(run_id) FROM sync_accounts l WHERE l.collector = a.collector AND l.account_id = a.account_id)
          AND a.run_id > ${RETIRED_BEFORE('a')}
        ORDER BY a.account_id`,
        [collector],
      ),
    );
    return rows.map((row) => ({
      accountId: row.account_id as string,
      status: row.status as AccountCoverage['status'],
      runId: row.run_id as number,
      error: row.error_code ? { code: row.error_code as string, message: (row.error_message as string) ?? '' } : null,
      enabledRegions: this.d.readJson(row.known_regions) as string[] | null,
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
    const rows = await this.read(() => all(`SELECT * FROM sync_scope_state WHERE collector = ? ORDER BY account_id, region`, [collector]));
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
    const paged = this.eachPage(page, 'run_id', 'account_id, region');
    const rows = await this.read(() =>
      all(
        `SELECT * FROM (SELECT s.*, NULL AS last_success_at${paged.column} FROM sync_scopes s
        WHERE ${this.d.anyOf('run_id', 'integer')} AND (CAST(? AS TEXT) IS NULL OR status = ?)) scopes
        WHERE ${paged.keep} ORDER BY run_id, account_id, region`,
        [this.d.listParam(runIds), status ?? null, status ?? null, ...paged.params],
      ),
    );
    return groupBy(
      runIds.map(String),
      rows,
      (row) => String(row.run_id),
      (row) => ({
        ...toScopeCoverage(row),
        seen: row.assets_seen as number,
        new: row.assets_new as number,
        changed: row.assets_changed as number,
        deleted: row.assets_deleted as number,
      }),
    );
  }

  async findAccounts(where: unknown, page?: ListPage): Promise<AccountSummary[]> {
    const predicate = compileWhere(where, this.accountFilter, this.d);
    const { limit, offset } = checkListPage(page);
    const collectors = this.d.listParam(ACCOUNT_COLLECTORS);
    const rows = await this.read(() =>
      all(
        `WITH accounts(account_id) AS (
         ${[...this.schemas.values()].map((schema) => `SELECT account_id FROM ${schema.table} WHERE deleted_at IS NULL`).join(' UNION ')}
         UNION SELECT account_id FROM sync_scope_state WHERE ${this.d.anyOf('collector')}
         UNION SELECT a.account_id FROM sync_accounts a WHERE ${this.d.anyOf('a.collector')} AND a.run_id > ${RETIRED_BEFORE('a')})
       SELECT ${accountValues('accounts.account_id')} FROM accounts WHERE ${this.traits.rowCheck} AND ${predicate.sql}
        ORDER BY accounts.account_id LIMIT ? OFFSET ?`,
        [collectors, collectors, ...predicate.params, limit ?? this.d.noLimit, offset],
      ),
    );
    return rows.map((row) => this.toAccountSummary(row));
  }

  async accountsById(ids: readonly string[]): Promise<(AccountSummary | undefined)[]> {
    const collectors = this.d.listParam(ACCOUNT_COLLECTORS);
    const rows = await this.read(() =>
      all(
        `SELECT ${accountValues('ids.value')} FROM ${this.d.listTable('ids')}
        WHERE ${[...this.schemas.values()].map((schema) => `EXISTS (SELECT 1 FROM ${schema.table} t WHERE t.account_id = ids.value AND t.deleted_at IS NULL)`).join(' OR ')}
           OR EXISTS (SELECT 1 FROM sync_scope_state s WHERE ${this.d.anyOf('s.collector')} AND s.account_id = ids.value)
           OR EXISTS (SELECT 1 FROM sync_accounts a WHERE ${this.d.anyOf('a.collector')} AND a.account_id = ids.value AND a.run_id > ${RETIRED_BEFORE('a')})`,
        [this.d.listParam([...new Set(ids)]), collectors, collectors],
      ),
    );
    const byId = new Map(rows.map((row) => [row.account_id as string, this.toAccountSummary(row)]));
    return ids.map((id) => byId.get(id));
  }

  private toAccountSummary(row: Row): AccountSummary {
    return {
      accountId: row.account_id as string,
      lastSyncedAt: (row.last_synced_at as string | null) ?? null,
      status: (row.status as AccountSummary['status']) ?? null,
      enabledRegions: this.d.readJson(row.enabled_regions) as string[] | null,
      name: (row.account_name as string | null) ?? null,
    };
  }

  // ---- Reads of assets of any registered type: filters, pages, counts, relations, sightings, history.

  async findAssetsOfType(type: string, where: unknown, options: TrailQueryOptions = {}): Promise<StoredAsset[]> {
    const schema = this.schemaOf(type);
    return this.selectAssets(schema, where, schema.filter, options);
  }

  async findTrails(where: unknown, options: TrailQueryOptions = {}): Promise<StoredTrail[]> {
    return (await this.findAssetsOfType(TRAIL.name, where, options)) as unknown as StoredTrail[];
  }

  /** AssetWhere over every registered type: one statement over one type's table, or a UNION ALL of them. */
  async findAssets(where: unknown, options: TrailQueryOptions = {}): Promise<StoredTrail[]> {
    const schemas = [...this.schemas.values()];
    if (schemas.length === 1) return (await this.selectAssets(schemas[0]!, where, schemas[0]!.assetFilter, options)) as unknown as StoredTrail[];
    const { limit, offset } = this.checkQueryPage(options);
    const terms = sortTerms(options.sort, schemas[0]!.assetFilter.columns, 'options.sort');
    const params: unknown[] = [];
    // Each type's matching ids and sort keys, in one order over all of them; then the page's assets read whole.
    const branches = schemas.map((schema) => {
      const predicate = compileWhere(where, schema.assetFilter, this.d);
      params.push(...predicate.params);
      const keys = terms.map((term, i) => `${schema.assetFilter.columns.get(term.column.field)!.sql} AS page_key_${i}`);
      return `SELECT ${[`${this.d.textConstant(schema.type.name)} AS asset_type`, 'arn', ...keys].join(', ')} FROM ${schema.table}
        WHERE ${options.includeDeleted ? '' : 'deleted_at IS NULL AND '}${this.traits.rowCheck} AND ${predicate.sql}`;
    });
    const order = orderByTerms(
      terms.map((term, i) => ({ ...term, column: { ...term.column, sql: `page_key_${i}` } })),
      'arn',
    );
    const read = limit === undefined ? this.d.noLimit : limit + (options.oneMore ? 1 : 0);
    const rows = await this.read(() =>
      all<{ asset_type: string; arn: string }>(`SELECT asset_type, arn FROM (${branches.join(' UNION ALL ')}) assets ORDER BY ${order} LIMIT ? OFFSET ?`, [
        ...params,
        read,
        offset,
      ]),
    );
    const found = await this.nodesById(rows.map((row) => row.arn));
    return found.filter((asset) => asset !== undefined) as unknown as StoredTrail[];
  }

  private checkQueryPage(options: TrailQueryOptions): { limit: number | undefined; offset: number } {
    const { limit, offset } = options;
    if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || limit < 0 || limit > MAX_QUERY_LIMIT)) {
      throw new FilterError(`limit must be an integer from 0 to ${MAX_QUERY_LIMIT}`, 'options.limit');
    }
    if (offset !== undefined && offset !== null && (!Number.isInteger(offset) || offset < 0)) {
      throw new FilterError('offset must be a non-negative integer', 'options.offset');
    }
    return { limit: limit ?? undefined, offset: offset ?? 0 };
  }

  /** Assets matching a filter compiled against `filter` and sorted by its fields: one statement, at most MAX_QUERY_LIMIT rows (one more with oneMore). */
  private async selectAssets(schema: AssetSchema, where: unknown, filter: FilterSchema, options: TrailQueryOptions): Promise<StoredAsset[]> {
    const predicate = compileWhere(where, filter, this.d);
    const orderBy = compileOrderBy(options.sort, filter.columns, 'arn');
    const { limit, offset } = this.checkQueryPage(options);
    const read = limit === undefined ? this.d.noLimit : limit + (options.oneMore ? 1 : 0);
    const rows = await this.read(() =>
      raw(
        `SELECT ${this.selectList(schema, options.fields)} FROM ${schema.table}
        WHERE ${options.includeDeleted ? '' : 'deleted_at IS NULL AND '}${this.traits.rowCheck} AND ${predicate.sql}
        ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
        [...predicate.params, read, offset],
      ),
    );
    return this.toStoredAssets(schema, rows);
  }

  async assetsById(type: string, ids: readonly string[]): Promise<(StoredAsset | undefined)[]> {
    const schema = this.schemaOf(type);
    const rows = await this.read(() => raw(`SELECT ${schema.allValues} FROM ${schema.table} WHERE ${this.d.anyOf('arn')}`, [this.d.listParam(ids)]));
    const byId = new Map(this.toStoredAssets(schema, rows).map((asset) => [asset.id, asset]));
    return ids.map((id) => byId.get(id));
  }

  async trailsById(ids: readonly string[]): Promise<(StoredTrail | undefined)[]> {
    return (await this.assetsById(TRAIL.name, ids)) as unknown as (StoredTrail | undefined)[];
  }

  /** Assets of any type by id (`node`): one statement per type. */
  async nodesById(ids: readonly string[]): Promise<(StoredAsset | undefined)[]> {
    const byId = new Map<string, StoredAsset>();
    for (const schema of this.schemas.values()) {
      for (const asset of await this.assetsById(schema.type.name, ids)) if (asset) byId.set(asset.id, asset);
    }
    return ids.map((id) => byId.get(id));
  }

  /**
   * The statements findAssetPage and countAssets run for a page of `type` (`?` placeholders): the page's rows, one more
   * than asked, and the count of every match. Tests EXPLAIN them; the benchmark runs them bare.
   */
  assetPageStatements(type: string, where: unknown, page: TrailPageRequest): { terms: SortTerm[]; page: SqlStatement; count: SqlStatement } {
    const schema = this.schemaOf(type);
    const predicate = compileWhere(where, schema.filter, this.d);
    const terms = sortTerms(page.sort, schema.byField);
    const { first } = page;
    if (!Number.isInteger(first) || first < 0 || first > MAX_QUERY_LIMIT) throw new FilterError(`first must be an integer from 0 to ${MAX_QUERY_LIMIT}`, 'first');
    const keyset =
      page.after === undefined || page.after === null ? { sql: this.d.trueLiteral, params: [] } : afterCursor(terms, decodeCursor(page.after, terms), 'arn', this.d);
    const keys = terms.map((term, i) => `${term.column.sql} AS page_key_${i}`);
    const matches = `deleted_at IS NULL AND ${this.traits.rowCheck} AND ${predicate.sql}`;
    return {
      terms,
      // One more row than asked says whether there is a next page.
      page: {
        sql: `SELECT ${[this.selectList(schema, page.fields), ...keys].join(', ')} FROM ${schema.table}
        WHERE ${matches} AND ${keyset.sql}
        ORDER BY ${orderByTerms(terms, 'arn')} LIMIT ?`,
        params: [...predicate.params, ...keyset.params, first + 1],
      },
      count: { sql: `SELECT count(*) AS n FROM ${schema.table} WHERE ${matches}`, params: predicate.params },
    };
  }

  async findAssetPage(type: string, where: unknown, page: TrailPageRequest): Promise<{ assets: StoredAsset[]; cursors: string[]; hasNextPage: boolean }> {
    const schema = this.schemaOf(type);
    const { terms, page: statement } = this.assetPageStatements(type, where, page);
    const { first } = page;
    const result = await this.read(() => raw(statement.sql, statement.params));
    const shown = result.rows.slice(0, first);
    const arnAt = result.columns.indexOf('arn');
    const keyAt = terms.map((_, i) => result.columns.indexOf(`page_key_${i}`));
    return {
      assets: this.toStoredAssets(schema, { columns: result.columns, rows: shown }),
      cursors: shown.map((row) => encodeCursor(terms, { keys: keyAt.map((at) => cursorKey(row[at])), id: row[arnAt] as string })),
      hasNextPage: result.rows.length > first,
    };
  }

  async findTrailsPage(where: unknown, page: TrailPageRequest): Promise<TrailPage> {
    const { assets, cursors, hasNextPage } = await this.findAssetPage(TRAIL.name, where, page);
    return { trails: assets as unknown as StoredTrail[], cursors, hasNextPage };
  }

  async hasAssetsBefore(type: string, where: unknown, page: Pick<TrailPageRequest, 'after' | 'sort'> & { after: string }): Promise<boolean> {
    const schema = this.schemaOf(type);
    const predicate = compileWhere(where, schema.filter, this.d);
    const terms = sortTerms(page.sort, schema.byField);
    const keyset = afterCursor(terms, decodeCursor(page.after, terms), 'arn', this.d);
    const row = await this.read(() =>
      get<{ found: unknown }>(
        `SELECT EXISTS (SELECT 1 FROM ${schema.table} WHERE deleted_at IS NULL AND ${this.traits.rowCheck} AND ${predicate.sql}
                         AND NOT coalesce(${keyset.sql}, ${this.d.falseLiteral})) AS found`,
        [...predicate.params, ...keyset.params],
      ),
    );
    return row!.found === 1 || row!.found === true;
  }

  async hasTrailsBefore(where: unknown, page: Pick<TrailPageRequest, 'after' | 'sort'> & { after: string }): Promise<boolean> {
    return this.hasAssetsBefore(TRAIL.name, where, page);
  }

  async countAssets(type: string, where: unknown): Promise<number> {
    const { sql, params } = this.assetPageStatements(type, where, { first: 0 }).count;
    const key = `${sql}\0${JSON.stringify(params)}`;
    const { counts } = this;
    const dataVersion = this.traits.dataVersion;
    return this.read(function* (): Operation<number> {
      // The version is read before counting, so a count is never older than the version it is kept at.
      const version = (yield* get<{ version: unknown }>(dataVersion, []))!.version;
      const cached = counts.get(key);
      if (cached !== undefined && cached.version === version) return cached.n;
      const n = Number((yield* get<{ n: number }>(sql, params))!.n);
      counts.delete(key);
      if (counts.size >= MAX_CACHED_COUNTS) counts.delete(counts.keys().next().value!);
      counts.set(key, { version, n });
      return n;
    });
  }

  async countTrails(where: unknown): Promise<number> {
    return this.countAssets(TRAIL.name, where);
  }

  async countAssetsBy(type: string, where: unknown, field: string, page?: ListPage): Promise<GroupCount[]> {
    const schema = this.schemaOf(type);
    const column = schema.byField.get(field);
    if (!column || (column.kind !== 'string' && column.kind !== 'boolean' && column.kind !== 'enum')) {
      throw new FilterError(`cannot count by "${field}": a string or boolean field`, 'field');
    }
    const predicate = compileWhere(where, schema.filter, this.d);
    const { limit, offset } = checkListPage(page);
    const rows = await this.read(() =>
      all<{ value: unknown; n: number }>(
        `SELECT value, n FROM (SELECT ${column.sql} AS value, count(*) AS n FROM ${schema.table}
                              WHERE deleted_at IS NULL AND ${this.traits.rowCheck} AND ${predicate.sql} GROUP BY 1) counted
        ORDER BY n DESC, value IS NULL, value LIMIT ? OFFSET ?`,
        [...predicate.params, limit ?? this.d.noLimit, offset],
      ),
    );
    return rows.map(({ value, n }) => ({
      value: value === null ? null : column.kind === 'boolean' ? String(this.d.readBoolean(value)) : String(value),
      count: n,
    }));
  }

  async countTrailsBy(where: unknown, field: string, page?: ListPage): Promise<GroupCount[]> {
    return this.countAssetsBy(TRAIL.name, where, field, page);
  }

  async tagsByAssetId(ids: readonly string[], page?: ListPage): Promise<Tag[][]> {
    // From each id to its tags by the primary key (asset_id, key), rows as arrays: the tags of 10,000 trails at once
    // are read without a sort of all of them and without an object per row. A page is a range of keys, each end found
    // by the same index (keys are unique per asset), which costs the seed query far less than numbering every row.
    const { limit, offset } = checkListPage(page);
    if (limit === 0) return ids.map(() => []);
    const nthKey = `(SELECT k.key FROM asset_tags k WHERE k.asset_id = id.value ORDER BY k.key LIMIT 1 OFFSET ?)`;
    const { rows } = await this.read(() =>
      raw(
        `SELECT tag.asset_id, tag.key, tag.value FROM ${this.d.listTable('id')} CROSS JOIN asset_tags tag
        WHERE tag.asset_id = id.value AND ${offset > 0 ? `tag.key >= ${nthKey}` : this.d.trueLiteral} AND ${limit !== undefined ? `tag.key <= coalesce(${nthKey}, tag.key)` : this.d.trueLiteral}
        ORDER BY id.key, tag.key`,
        [this.d.listParam([...new Set(ids)]), ...(offset > 0 ? [offset] : []), ...(limit !== undefined ? [offset + limit - 1] : [])],
      ),
    );
    const byAsset = new Map<string, Tag[]>();
    for (const [assetId, key, value] of rows as [string, string, string][]) {
      const tags = byAsset.get(assetId);
      if (tags) tags.push({ key, value });
      else byAsset.set(assetId, [{ key, value }]);
    }
    return ids.map((id) => byAsset.get(id) ?? []);
  }

  async sightingsByAssetId(ids: readonly string[], page?: ListPage): Promise<TrailSighting[][]> {
    const paged = this.eachPage(page, 'asset_id', 'account_id, region');
    const rows = await this.read(() =>
      all<{ asset_id: string; account_id: string; region: string }>(
        `SELECT asset_id, account_id, region FROM (SELECT asset_id, account_id, region${paged.column} FROM asset_sightings WHERE ${this.d.anyOf('asset_id')}) seen
        WHERE ${paged.keep} ORDER BY account_id, region`,
        [this.d.listParam(ids), ...paged.params],
      ),
    );
    return groupBy(
      ids,
      rows,
      (row) => row.asset_id,
      (row) => ({ accountId: row.account_id, region: row.region }),
    );
  }

  async sightingsByTrailArn(arns: readonly string[], page?: ListPage): Promise<TrailSighting[][]> {
    return this.sightingsByAssetId(arns, page);
  }

  /** For each account, the live assets of `type` a sync of the account listed (its own, and those it sees of others). */
  async assetsOfAccounts(type: string, accountIds: readonly string[], page?: ListPage): Promise<StoredAsset[][]> {
    const schema = this.schemaOf(type);
    const t = schema.table;
    // The (account, asset) pairs are paged first, so only the assets of each account's page are read whole.
    const paged = this.eachPage(page, 'seen_by', 'asset_id');
    const result = await this.read(() =>
      raw(
        `SELECT pairs.seen_by, ${schema.allValues}
         FROM (SELECT seen_by, asset_id${paged.column}
                 FROM (SELECT DISTINCT s.account_id AS seen_by, s.asset_id FROM asset_sightings s JOIN ${t} listed ON listed.arn = s.asset_id
                        WHERE s.asset_type = ? AND ${this.d.anyOf('s.account_id')} AND listed.deleted_at IS NULL) seen) pairs
         JOIN ${t} ON ${t}.arn = pairs.asset_id
        WHERE ${paged.keep} ORDER BY ${t}.arn`,
        [schema.type.name, this.d.listParam(accountIds), ...paged.params],
      ),
    );
    return this.grouped(schema, accountIds, result);
  }

  async trailsOfAccounts(accountIds: readonly string[], page?: ListPage): Promise<StoredTrail[][]> {
    return (await this.assetsOfAccounts(TRAIL.name, accountIds, page)) as unknown as StoredTrail[][];
  }

  /**
   * For each asset of `type`, the live assets a relation field of its definition leads to (`Trail.kmsKey`), or the
   * inverse field another type's relation declares (`KmsKey.trails`).
   */
  async relatedAssets(type: string, relation: string, ids: readonly string[], page?: ListPage): Promise<StoredAsset[][]> {
    const parent = this.schemaOf(type);
    const forward = parent.type.relations.find((r) => r.field === relation);
    let child: AssetSchema | undefined;
    let parentField: string;
    let childField: string;
    if (forward) {
      child = this.schemas.get(forward.target);
      parentField = forward.from;
      childField = forward.to;
    } else {
      const declaring = [...this.schemas.values()].find((s) => s.type.relations.some((r) => r.target === type && r.inverse?.field === relation));
      const inverse = declaring?.type.relations.find((r) => r.target === type && r.inverse?.field === relation);
      if (!declaring || !inverse) throw new FilterError(`${type} has no relation "${relation}"`, 'relation');
      child = declaring;
      parentField = inverse.to;
      childField = inverse.from;
    }
    if (!child) return ids.map(() => []); // a type this store does not hold
    const c = child.table;
    const parentColumn = parent.byField.get(parentField)!;
    const childColumn = child.byField.get(childField)!;
    const paged = this.eachPage(page, 'parent_id', 'child_id');
    const result = await this.read(() =>
      raw(
        `SELECT pairs.parent_id, ${child.allValues}
         FROM (SELECT parent_id, child_id${paged.column}
                 FROM (SELECT DISTINCT related_parent.arn AS parent_id, related_child.arn AS child_id
                         FROM ${parent.table} related_parent JOIN ${c} related_child
                           ON ${qualifiedColumn(childColumn, c, 'related_child')} = ${qualifiedColumn(parentColumn, parent.table, 'related_parent')}
                        WHERE ${this.d.anyOf('related_parent.arn')} AND related_child.deleted_at IS NULL) related) pairs
         JOIN ${c} ON ${c}.arn = pairs.child_id
        WHERE ${paged.keep} ORDER BY ${c}.arn`,
        [this.d.listParam(ids), ...paged.params],
      ),
    );
    return this.grouped(child, ids, result);
  }

  /** Rows whose first value is the parent's id, grouped by parent in the order of `parentIds`. */
  private grouped(schema: AssetSchema, parentIds: readonly string[], result: RawRows): StoredAsset[][] {
    const assets = this.toStoredAssets(schema, result);
    const pairs = assets.map((asset, i) => ({ asset, parent: result.rows[i]![0] as string }));
    return groupBy(
      parentIds,
      pairs,
      (pair) => pair.parent,
      (pair) => pair.asset,
    );
  }

  async assetHistory(ids: readonly string[], page?: ListPage): Promise<AssetChange[][]> {
    const paged = this.eachPage(page, 'asset_id', 'id DESC');
    const rows = await this.read(() =>
      all(`SELECT * FROM (SELECT *${paged.column} FROM asset_changes WHERE ${this.d.anyOf('asset_id')}) changes WHERE ${paged.keep} ORDER BY id DESC`, [
        this.d.listParam(ids),
        ...paged.params,
      ]),
    );
    return groupBy(
      ids,
      rows,
      (row) => row.asset_id as string,
      (row) => ({
        assetId: row.asset_id as string,
        runId: row.run_id as number,
        changedAt: row.changed_at as string,
        kind: row.kind as TrailChangeKind,
        field: (row.field as string | null) ?? null,
        from: this.d.readJson(row.old_value),
        to: this.d.readJson(row.new_value),
      }),
    );
  }

  async trailHistory(arns: readonly string[], page?: ListPage): Promise<TrailChange[][]> {
    return (await this.assetHistory(arns, page)).map((changes) => changes.map(({ assetId, ...change }) => ({ trailArn: assetId, ...change })));
  }

  /** Live and deleted assets of each registered type, in registry order (for /metrics and /readyz). */
  async assetTotals(): Promise<{ assetType: string; live: number; deleted: number }[]> {
    // On the probes' connection where the engine has one: /readyz asks it, and must answer while the pool is busy.
    const schemas = [...this.schemas.values()];
    const rows = await this.read(
      () =>
        all<{ asset_type: string; live: number; deleted: number }>(
          schemas
            .map(
              (schema) =>
                `SELECT ${this.d.textConstant(schema.type.name)} AS asset_type, count(*) - count(deleted_at) AS live, count(deleted_at) AS deleted FROM ${schema.table}`,
            )
            .join(' UNION ALL '),
        ),
      { probe: true },
    );
    return schemas.map((schema) => {
      const row = rows.find((r) => r.asset_type === schema.type.name);
      return { assetType: schema.type.name, live: row?.live ?? 0, deleted: row?.deleted ?? 0 };
    });
  }

  async trailTotals(): Promise<{ live: number; deleted: number }> {
    const totals = (await this.assetTotals()).find((t) => t.assetType === TRAIL.name);
    return { live: totals?.live ?? 0, deleted: totals?.deleted ?? 0 };
  }

  /** The definition's schema for the store; an error naming the type when it is not registered with this store. */
  private schemaOf(type: string): AssetSchema {
    const schema = this.schemas.get(type);
    if (!schema) throw new FilterError(`the store does not hold assets of type "${type}"`, 'type');
    return schema;
  }

  /** The columns behind the fields asked for, and always the ARN (the id); every column when no fields are given. */
  private selectList(schema: AssetSchema, fields: readonly string[] | undefined): string {
    if (!fields) return schema.allValues;
    const columns = new Set(['arn']);
    for (const field of fields) {
      const column = schema.byField.get(field);
      if (!column || isConstant(column)) continue;
      columns.add(isComputed(column) ? `${column.sql} AS ${column.name}` : column.sql);
    }
    return [...columns].join(', ');
  }

  private toStoredAssets(schema: AssetSchema, result: RawRows): StoredAsset[] {
    if (result.rows.length === 0) return [];
    const mapper = this.mapper(schema, result.columns);
    return result.rows.map(mapper);
  }

  /**
   * The mapper for rows of these columns, in this order, made once per type and distinct column list: a list of
   * 10,000 assets is then mapped without looking every column up in every row. Columns no field reads are skipped.
   */
  private mapper(schema: AssetSchema, names: readonly string[]): (values: readonly unknown[]) => StoredAsset {
    const key = `${schema.type.name}\0${names.join(',')}`;
    let mapper = this.mappers.get(key);
    if (!mapper) {
      const reads = names.flatMap((name, index) =>
        schema.columns.filter((c) => c.name === name && !isConstant(c)).map((column) => ({ field: column.field, index, kind: column.kind })),
      );
      // The type's constants (assetType, provider, internalAssetType, ...) are the same on every row: never read from one.
      const constants = schema.columns.flatMap((c) => (c.constant === undefined ? [] : [[c.field, c.constant] as const]));
      const d = this.d;
      mapper = (values) => {
        const asset: Row = {};
        for (const [field, value] of constants) asset[field] = value;
        for (const { field, index, kind } of reads) {
          const value = values[index];
          // One function for every column (no closure per column): the loop stays monomorphic over 10,000 rows.
          asset[field] = value === null || value === undefined ? null : kind === 'boolean' ? d.readBoolean(value) : kind === 'json' ? d.readJson(value) : value;
        }
        return asset as StoredAsset;
      };
      if (this.mappers.size < 200) this.mappers.set(key, mapper);
    }
    return mapper;
  }

  /** A stored row as the record a collector would hand over (for merging views and comparing history). */
  private toRecord(schema: AssetSchema, row: Row, tags: Tag[]): CollectedAsset {
    const names = Object.keys(row);
    const stored = this.mapper(schema, names)(names.map((name) => row[name])) as Row;
    const record: Row = { tags: stored.tagsKnown ? tags : null };
    for (const column of schema.content) record[column.field] = stored[column.field];
    return record as unknown as CollectedAsset;
  }

  /** A page of each parent's list: `column` to select in the inner query, `keep` for the outer WHERE, and its parameters, bound last. */
  private eachPage(page: ListPage | undefined, partitionBy: string, orderBy: string): { column: string; keep: string; params: number[] } {
    const paged = eachParentPage(page, partitionBy, orderBy, () => '?', 1);
    return paged ? { column: `, ${paged.column}`, keep: paged.keep, params: paged.params } : { column: '', keep: this.d.trueLiteral, params: [] };
  }

  // ---- API tokens (migrations 0004 and 0008): only each token's SHA-256 hash is stored; a revoked token keeps its row,
  // so that neither its id nor its name is ever given to another token.

  async createApiToken(token: { name: string | null; scope: ApiTokenScope; hash: string }): Promise<ApiToken | undefined> {
    return this.write(function* (): Operation<ApiToken | undefined> {
      if (token.name !== null) {
        // A name some token ever had, or that a stored exception names as its actor (a token deleted before tokens were kept).
        yield* lock(['table\0api_tokens']);
        const used = yield* get(
          `SELECT 1 AS used FROM api_tokens WHERE name = ? UNION ALL SELECT 1 AS used FROM control_exceptions WHERE created_by = ? OR revoked_by = ? LIMIT 1`,
          [token.name, token.name, token.name],
        );
        if (used) return undefined;
      }
      const row = yield* get(`INSERT INTO api_tokens (name, scope, token_sha256, created_at) VALUES (?, ?, ?, ?) RETURNING ${TOKEN_COLUMNS}`, [
        token.name,
        token.scope,
        token.hash,
        now(),
      ]);
      return toToken(row!);
    });
  }

  async listApiTokens(options: { includeRevoked?: boolean } = {}): Promise<ApiToken[]> {
    const rows = await this.read(() => all(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ${options.includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY id`));
    return rows.map(toToken);
  }

  /** Revokes the token named `nameOrId`, or else the one with that id; a token revoked already is left as it was. */
  async revokeApiToken(nameOrId: string): Promise<{ token: ApiToken; newlyRevoked: boolean } | undefined> {
    return this.write(function* (): Operation<{ token: ApiToken; newlyRevoked: boolean } | undefined> {
      let row = yield* get(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE name = ?`, [nameOrId]);
      if (!row && /^\d+$/.test(nameOrId) && Number(nameOrId) <= 2 ** 31 - 1) row = yield* get(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`, [Number(nameOrId)]);
      if (!row) return undefined;
      // Only the statement that revokes it says so: of two revocations at once, the other finds it revoked.
      const revoked = yield* get(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS}`, [now(), row.id]);
      if (revoked) return { token: toToken(revoked), newlyRevoked: true };
      return { token: toToken((yield* get(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`, [row.id]))!), newlyRevoked: false };
    });
  }

  async apiTokenCredentials(): Promise<ApiTokenCredential[]> {
    const rows = await this.read(() => all<ApiTokenCredential>(`SELECT id, scope, token_sha256 AS hash FROM api_tokens WHERE revoked_at IS NULL`));
    return rows.map((row) => ({ id: row.id, scope: row.scope, hash: row.hash }));
  }

  async touchApiToken(id: number, at: string): Promise<void> {
    // Bookkeeping only: a server on an inventory it cannot write answers all the same, without noting each use.
    if (!this.writable) return;
    await this.read(() => run(`UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, [at, id, at]));
  }

  // ---- Control history (migration 0005): recorded evaluations of the controls, for controls and controlRuns.

  async recordControlRun(verdicts: readonly VerdictToRecord[], source: string, catalog?: readonly ControlDescription[]): Promise<ControlRunRecord> {
    const runId = await this.write(function* (): Operation<number> {
      const finishedAt = now();
      const startedAt = verdicts.map((v) => v.evaluatedAt).sort()[0] ?? finishedAt;
      const row = yield* get<{ id: number }>(`INSERT INTO control_runs (started_at, finished_at, controls_evaluated, source) VALUES (?, ?, ?, ?) RETURNING id`, [
        startedAt,
        finishedAt,
        verdicts.length,
        source,
      ]);
      const id = row!.id;
      for (const v of verdicts) {
        const excepted = v.exceptedAssets ?? [];
        yield* run(
          `INSERT INTO control_results (run_id, control_id, title, severity, verdict, reason, failing_count, excepted_count, evaluated_count, evaluated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [id, v.controlId, v.title, v.severity, v.verdict, v.reason, v.failingAssets.length, excepted.length, v.evaluatedCount ?? null, v.evaluatedAt],
        );
        yield* insertMany(
          `INSERT INTO control_result_accounts (run_id, control_id, account_id, verdict, evaluated_count, failing_count, excepted_count) VALUES`,
          (v.accounts ?? []).map((a) => [id, v.controlId, a.accountId, a.verdict, a.evaluated, a.failing, a.excepted]),
        );
        // ON CONFLICT DO NOTHING keeps the first of duplicates.
        yield* insertMany(
          `INSERT INTO control_result_assets (run_id, control_id, asset_id, account_id, region, state, exception_owner, exception_expires) VALUES`,
          [
            ...v.failingAssets.map((a) => [id, v.controlId, a.id, a.accountId, a.region, 'failing', null, null]),
            ...excepted.map((a) => [id, v.controlId, a.id, a.accountId, a.region, 'excepted', a.exception.owner, a.exception.expires]),
          ],
          ' ON CONFLICT DO NOTHING',
        );
      }
      if (catalog) {
        yield* run(`DELETE FROM control_catalog`);
        yield* insertMany(
          `INSERT INTO control_catalog (control_id, title, severity, recorded_at) VALUES`,
          catalog.map((c) => [c.id, c.title, c.severity, finishedAt]),
        );
      }
      return id;
    });
    return (await this.read(() => this.readControlRuns([runId])))[0]!;
  }

  async latestControlResults(page?: ListPage): Promise<ControlLatestResult[]> {
    const { limit, offset } = checkListPage(page);
    return this.read(
      function* (this: StoreCore): Operation<ControlLatestResult[]> {
        const found = (yield* get<{ found: unknown }>(`SELECT EXISTS (SELECT 1 FROM control_catalog) AS found`))!.found;
        const recorded = found === 1 || found === true;
        // A page of the catalog, and only its controls' latest results; before any catalog was recorded, a page of the controls with results.
        const catalog = recorded
          ? yield* all(`SELECT control_id, title, severity FROM control_catalog ORDER BY control_id LIMIT ? OFFSET ?`, [limit ?? this.d.noLimit, offset])
          : [];
        // The latest result of each control: the index control_results_by_control gives each control's newest run directly.
        const latest = yield* all(
          `SELECT r.* FROM control_results r
          WHERE ${recorded ? this.d.anyOf('r.control_id') : 'r.control_id IN (SELECT DISTINCT control_id FROM control_results ORDER BY control_id LIMIT ? OFFSET ?)'}
            AND r.run_id = (SELECT max(l.run_id) FROM control_results l WHERE l.control_id = r.control_id)`,
          recorded ? [this.d.listParam(catalog.map((row) => row.control_id))] : [limit ?? this.d.noLimit, offset],
        );
        const results = new Map(latest.map((row) => [row.control_id as string, toControlResult(row)]));
        return catalogWithResults(catalog, results, recorded);
      }.bind(this),
    );
  }

  async controlRuns(options: ControlRunListOptions = {}): Promise<ControlRunRecord[]> {
    const { controlId, limit = 20, offset = 0, withResults = true } = options;
    if (!Number.isInteger(limit) || limit < 0) throw new FilterError('limit must be a non-negative integer', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new FilterError('offset must be a non-negative integer', 'offset');
    return this.read(
      function* (this: StoreCore): Operation<ControlRunRecord[]> {
        const ids =
          controlId === undefined
            ? yield* all<{ id: number }>(`SELECT id FROM control_runs ORDER BY id DESC LIMIT ? OFFSET ?`, [limit, offset])
            : yield* all<{ id: number }>(`SELECT run_id AS id FROM control_results WHERE control_id = ? ORDER BY run_id DESC LIMIT ? OFFSET ?`, [
                controlId,
                limit,
                offset,
              ]);
        return yield* this.readControlRuns(
          ids.map((row) => row.id),
          controlId,
          withResults,
        );
      }.bind(this),
    );
  }

  async resultsOfRuns(runIds: readonly number[], controlId?: string, page?: ListPage): Promise<ControlResultRecord[][]> {
    const paged = this.eachPage(page, 'run_id', 'control_id');
    const rows = await this.read(() =>
      all(
        `SELECT * FROM (SELECT *${paged.column} FROM control_results WHERE ${this.d.anyOf('run_id', 'integer')} AND (CAST(? AS TEXT) IS NULL OR control_id = ?)) results
        WHERE ${paged.keep} ORDER BY run_id, control_id`,
        [this.d.listParam(runIds), controlId ?? null, controlId ?? null, ...paged.params],
      ),
    );
    return groupBy(runIds.map(String), rows, (row) => String(row.run_id), toControlResult);
  }

  async resultAssets(keys: readonly ControlResultKey[], page?: ListPage, filter: ResultAssetFilter = {}): Promise<ControlResultAsset[][]> {
    if (keys.length === 0) return [];
    const paged = this.eachPage(page, 'a.run_id, a.control_id, a.state', 'a.asset_id');
    const accountId = filter.accountId ?? null;
    const region = filter.region ?? null;
    // The filter applies inside the numbered rows, so a page is a page of the filtered list.
    const rows = await this.read(() =>
      all(
        `SELECT * FROM (SELECT a.*${paged.column} FROM control_result_assets a
         JOIN ${this.resultKeys()} ON a.run_id = k.run_id AND a.control_id = k.control_id
         WHERE (CAST(? AS TEXT) IS NULL OR a.account_id = ?) AND (CAST(? AS TEXT) IS NULL OR a.region = ?)) assets
        WHERE ${paged.keep} ORDER BY run_id, control_id, state, asset_id`,
        [...this.resultKeyParams(keys), accountId, accountId, region, region, ...paged.params],
      ),
    );
    return byResult(keys, rows, toControlResultAsset);
  }

  async countResultAssets(keys: readonly ControlResultKey[], state: ControlResultAsset['state'], filter: ResultAssetFilter = {}): Promise<number[]> {
    if (keys.length === 0) return [];
    const accountId = filter.accountId ?? null;
    const region = filter.region ?? null;
    const rows = await this.read(() =>
      all(
        `SELECT a.run_id, a.control_id, count(*) AS n FROM control_result_assets a
         JOIN ${this.resultKeys()} ON a.run_id = k.run_id AND a.control_id = k.control_id
         WHERE a.state = ? AND (CAST(? AS TEXT) IS NULL OR a.account_id = ?) AND (CAST(? AS TEXT) IS NULL OR a.region = ?)
         GROUP BY a.run_id, a.control_id`,
        [...this.resultKeyParams(keys), state, accountId, accountId, region, region],
      ),
    );
    const counts = new Map(rows.map((row) => [`${row.run_id}/${row.control_id}`, Number(row.n)]));
    return keys.map((key) => counts.get(`${key.runId}/${key.controlId}`) ?? 0);
  }

  async resultAccounts(keys: readonly ControlResultKey[], page?: ListPage): Promise<ControlResultAccount[][]> {
    if (keys.length === 0) return [];
    const paged = this.eachPage(page, 'a.run_id, a.control_id', 'a.account_id');
    const rows = await this.read(() =>
      all(
        `SELECT * FROM (SELECT a.*${paged.column} FROM control_result_accounts a
         JOIN ${this.resultKeys()} ON a.run_id = k.run_id AND a.control_id = k.control_id) accounts
        WHERE ${paged.keep} ORDER BY run_id, control_id, account_id`,
        [...this.resultKeyParams(keys), ...paged.params],
      ),
    );
    return byResult(keys, rows, toControlResultAccount);
  }

  /** The (run_id, control_id) pairs of a batch of results as a FROM item `k`. */
  private resultKeys(): string {
    return this.d.zipTable('k', [
      ['run_id', 'integer'],
      ['control_id', 'text'],
    ]);
  }

  private resultKeyParams(keys: readonly ControlResultKey[]): unknown[] {
    return [this.d.listParam(keys.map((k) => k.runId)), this.d.listParam(keys.map((k) => k.controlId))];
  }

  /** The runs with their results (of one control when given), newest first, in two statements (one without results). */
  private *readControlRuns(ids: readonly number[], controlId?: string, withResults = true): Operation<ControlRunRecord[]> {
    if (ids.length === 0) return [];
    const list = this.d.listParam(ids);
    const runs = yield* all(`SELECT * FROM control_runs WHERE ${this.d.anyOf('id', 'integer')} ORDER BY id DESC`, [list]);
    const results = withResults
      ? yield* all(
          `SELECT * FROM control_results WHERE ${this.d.anyOf('run_id', 'integer')} AND (CAST(? AS TEXT) IS NULL OR control_id = ?) ORDER BY run_id, control_id`,
          [list, controlId ?? null, controlId ?? null],
        )
      : [];
    const byRun = groupBy(
      runs.map((row) => String(row.id)),
      results,
      (row) => String(row.run_id),
      toControlResult,
    );
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
    const row = await this.read(() =>
      get(
        `INSERT INTO control_exceptions (control_id, asset, owner, reason, approver, expires, created_at, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [exception.control, exception.asset, exception.owner, exception.reason, exception.approver, exception.expires, now(), exception.createdBy],
      ),
    );
    return toStoredControlException(row!);
  }

  async listControlExceptions(options: { includeRevoked?: boolean } & ListPage = {}): Promise<StoredControlException[]> {
    const { limit, offset } = checkListPage(options);
    const rows = await this.read(() =>
      all(`SELECT * FROM control_exceptions WHERE ? OR revoked_at IS NULL ORDER BY id LIMIT ? OFFSET ?`, [
        this.d.booleanParam(options.includeRevoked ?? false),
        limit ?? this.d.noLimit,
        offset,
      ]),
    );
    return rows.map(toStoredControlException);
  }

  async revokeControlException(id: number, revokedBy: string): Promise<StoredControlException | undefined> {
    if (!Number.isInteger(id) || id < 1 || id > 2 ** 31 - 1) return undefined;
    const row = await this.write(function* () {
      yield* run(`UPDATE control_exceptions SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, [now(), revokedBy, id]);
      return yield* get(`SELECT * FROM control_exceptions WHERE id = ?`, [id]);
    });
    return row && toStoredControlException(row);
  }
}

/** The record without what changes on its own (the definition's volatile fields, or its own notion of configuration). */
function configurationOf(schema: AssetSchema, record: CollectedAsset): object {
  if (schema.type.configuration) return schema.type.configuration(record);
  const configuration: Record<string, unknown> = { ...record };
  for (const field of schema.type.fields) if (field.volatile) delete configuration[field.field];
  return configuration;
}

/** Cursors hold sort keys as SQLite gives them (booleans as 0 and 1), so a cursor reads the same on both stores. */
function cursorKey(value: unknown): KeyValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return (value ?? null) as KeyValue;
}

/** A JSON value as a JSON parameter (text), SQL NULL for null and undefined. */
function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * An account's values, over an SQL expression that gives its id: its freshness from sync_scope_state, and its latest
 * attempt and last read enabled regions from sync_accounts (attempts before the account was retired no longer count).
 */
function accountValues(idSql: string): string {
  return `${idSql} AS account_id,
    ${accountLastSyncedAtSql(idSql)} AS last_synced_at,
    ${accountStatusSql(idSql)} AS status,
    (SELECT k.enabled_regions FROM ${attemptsSinceRetired('k', idSql)} AND k.enabled_regions IS NOT NULL
      ORDER BY k.run_id DESC LIMIT 1) AS enabled_regions,
    ${accountNameSql(idSql)} AS account_name`;
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

export type { IntegrityReport };
