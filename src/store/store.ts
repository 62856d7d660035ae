// The storage interface every caller uses. It is async so that SQLite (embedded) and PostgreSQL both fit behind it.
import type { CollectionError, Tag } from '../model/asset.js';
import type { StoredTrail } from '../model/trail.js';
import type { ScopeError, ScopeResult, ScopeStatus, TrailScopeResult } from '../model/scope.js';
import type { SortSpec } from './where.js';

export type { ScopeError, ScopeResult, ScopeStatus, TrailScopeResult };

export type SyncRunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';

export interface NewSyncRun {
  collector: string;
  requestedRegions: string[];
}

export interface SyncRun {
  id: number;
  collector: string;
  status: SyncRunStatus;
  startedAt: string;
  finishedAt: string | null;
  requestedRegions: string[];
  errorCode: string | null;
  errorMessage: string | null;
  /** When the run's process last said it was alive; null for runs recorded before heartbeats existed. */
  heartbeatAt: string | null;
}

/** Everything a run did, summed over its scopes and accounts. */
export interface SyncRunTotals extends ScopeCounts {
  scopesOk: number;
  scopesSkipped: number;
  scopesFailed: number;
  accountsFailed: number;
}

export type SyncRunSummary = SyncRun & { totals: SyncRunTotals };

/** A period of scheduled syncs (README, "Scheduled syncs"): period = floor(epoch ms / everyMs). */
export interface SyncPeriod {
  everyMs: number;
  period: number;
}

/**
 * Who may run scheduled syncs among the processes sharing the inventory (README, "Scheduled syncs"). On PostgreSQL, one
 * replica at a time: the holder of a session advisory lock on a connection of its own; on SQLite, every process.
 */
export interface SyncLeadership {
  /** Whether this process leads now: keeps the lead it holds, or tries to take it (never waits for it). */
  lead(): Promise<boolean>;
  /** Gives up the lead (and its connection). */
  release(): Promise<void>;
}

export interface SyncRunListOptions {
  collector?: string;
  /** At most this many runs (default 20). */
  limit?: number;
  offset?: number;
}

export interface ScopeCounts {
  seen: number;
  new: number;
  changed: number;
  deleted: number;
}

/** The latest attempt at one scope: what the control engine checks before it trusts the inventory. */
export interface ScopeCoverage {
  accountId: string;
  region: string;
  status: ScopeStatus;
  runId: number;
  finishedAt: string;
  error: ScopeError | null;
  /** When the scope last synced successfully (ok or skipped), if ever. */
  lastSuccessAt: string | null;
}

/** The latest attempt at a scope and its latest success, as kept in sync_scope_state. */
export interface ScopeState {
  accountId: string;
  region: string;
  lastRunId: number;
  lastStatus: ScopeStatus;
  lastAttemptAt: string;
  error: ScopeError | null;
  /** The latest run in which the scope synced successfully (ok or skipped), if ever. */
  lastSuccessRunId: number | null;
  lastSuccessAt: string | null;
}

/** One account's part in a sync run: reached (with its enabled regions) or not. */
export interface AccountOutcome {
  accountId: string;
  status: 'ok' | 'failed';
  /** The regions enabled for the account, when they could be read. */
  enabledRegions: string[] | null;
  error?: ScopeError;
  /** The name the sync knew it by (the accounts file's `name`, else AWS Organizations'), if any. */
  name?: string | null;
}

/** What retiring an account took out of the inventory. */
export interface AccountRetirement {
  regions: number;
  /** Assets only this account saw, now marked deleted, by asset type (every type the collector gathers, 0 included). */
  assetsDeleted: Record<string, number>;
}

/** The latest attempt at one account, and the enabled regions last read from it. */
export interface AccountCoverage {
  accountId: string;
  status: 'ok' | 'failed';
  runId: number;
  error: ScopeError | null;
  enabledRegions: string[] | null;
}

/** The latest attempt at one account, with when it finished. */
export interface AccountAttempt extends AccountCoverage {
  finishedAt: string;
}

export type TrailChangeKind = 'created' | 'changed' | 'deleted' | 'restored';

/** One entry of a trail's history: created, deleted, restored, or one configuration field changed in one run. */
/**
 * An asset of any registered type, as the API shows it: the fields every asset has, and its type's fields by their
 * API names (src/assets/definition.ts). A StoredTrail is a StoredAsset of Trail.
 */
export interface StoredAsset {
  id: string;
  arn: string;
  name: string;
  assetType: string;
  provider: 'aws';
  accountId: string;
  region: string;
  firstSeenAt: string;
  lastSeenAt: string;
  deletedAt: string | null;
  tagsKnown: boolean;
  collectionErrors: unknown[];
  raw: Record<string, unknown>;
  [field: string]: unknown;
}

/** One entry of an asset's change history (asset_changes, migration 0010). */
export interface AssetChange extends Omit<TrailChange, 'trailArn'> {
  assetId: string;
}

export interface TrailChange {
  trailArn: string;
  runId: number;
  changedAt: string;
  kind: TrailChangeKind;
  /** The field that changed; null for created, deleted and restored. */
  field: string | null;
  from: unknown;
  to: unknown;
}

export interface TrailQueryOptions {
  limit?: number | null;
  offset?: number | null;
  sort?: SortSpec[] | null;
  /** Include trails a successful sync no longer saw (deletedAt set). */
  includeDeleted?: boolean | null;
  /** Read one trail past `limit`, so that the caller can tell whether more match than it returns. */
  oneMore?: boolean;
  /** The API fields the caller will read; the others may be left out of the results. All fields when omitted. */
  fields?: readonly string[];
}

export interface TrailSighting {
  accountId: string;
  region: string;
}

/**
 * Every connection the store may open is in use and none came free in time (PostgreSQL's pool): the server answers 503
 * with Retry-After and the code SERVER_BUSY, never an internal error (README, PostgreSQL).
 */
export class StoreBusyError extends Error {
  override name = 'StoreBusyError';
}

export interface InventoryStore {
  readonly kind: 'sqlite' | 'postgres';

  startSyncRun(run: NewSyncRun): Promise<SyncRun>;
  /** Says the run's process is alive; a running run without a heartbeat for STALE_RUN_MS is shown as interrupted. */
  heartbeatSyncRun(runId: number): Promise<void>;
  /** Writes one scope in one transaction: all of its trails land, or none do. A failed scope deletes nothing. */
  writeTrailScope(runId: number, collector: string, scope: TrailScopeResult): Promise<ScopeCounts>;
  /**
   * Writes one scope of any asset type in one transaction, under the collector its definition names: all of its assets
   * land, or none do. A failed scope deletes nothing.
   */
  writeScope(runId: number, scope: ScopeResult): Promise<ScopeCounts>;
  finishSyncRun(runId: number, status: Exclude<SyncRunStatus, 'running'>, error?: ScopeError): Promise<SyncRun>;
  latestSyncRun(collector: string): Promise<SyncRun | undefined>;
  recordAccount(runId: number, collector: string, outcome: AccountOutcome): Promise<void>;
  /**
   * Takes an account out of the inventory in this run (excluded, closed, or forgotten by the user): its regions leave
   * the coverage and the assets only it saw (of the collector's types) are marked deleted. Undefined when the inventory holds nothing of it.
   */
  retireAccount(runId: number, collector: string, accountId: string, reason: string): Promise<AccountRetirement | undefined>;
  accountCoverage(collector: string): Promise<AccountCoverage[]>;
  scopeCoverage(collector: string): Promise<ScopeCoverage[]>;
  scopesOfRun(runId: number): Promise<(ScopeCoverage & ScopeCounts)[]>;
  /** The scopes of several runs, optionally of one status, in one statement (DataLoader batch shape); `page` of each run's. */
  scopesOfRuns(runIds: readonly number[], status?: ScopeStatus, page?: ListPage): Promise<(ScopeCoverage & ScopeCounts)[][]>;
  /** Runs newest first, with their totals. */
  listSyncRuns(options?: SyncRunListOptions): Promise<SyncRunSummary[]>;
  syncRun(id: number): Promise<SyncRunSummary | undefined>;
  /** The latest attempt at every scope of a collector ever attempted, by account and region. */
  scopeStates(collector: string): Promise<ScopeState[]>;
  /** The latest attempt at every account of a collector, by account. */
  accountAttempts(collector: string): Promise<AccountAttempt[]>;
  /** Claims a period of scheduled syncs for this process: true for the one claim that gets in, false for every other. */
  claimSyncPeriod(period: SyncPeriod): Promise<boolean>;
  /** This process's part in choosing who runs scheduled syncs (a new one per scheduler). */
  syncLeadership(): SyncLeadership;

  /** Trails matching `where` (README, Querying: filter conventions), deleted trails excluded. Throws FilterError on bad input. */
  findTrails(where: unknown, options?: TrailQueryOptions): Promise<StoredTrail[]>;
  /** Trails by id (ARN), in the order asked, deleted ones included; undefined where none exists. */
  trailsById(ids: readonly string[]): Promise<(StoredTrail | undefined)[]>;
  /** Each asset's tags by key; with `page`, that page of each asset's tags (so for the other batched reads below). */
  tagsByAssetId(ids: readonly string[], page?: ListPage): Promise<Tag[][]>;
  sightingsByTrailArn(arns: readonly string[], page?: ListPage): Promise<TrailSighting[][]>;
  /** The live trails that apply to each account (those a sync of the account listed: its own and organization trails), by ARN. */
  trailsOfAccounts(accountIds: readonly string[], page?: ListPage): Promise<StoredTrail[][]>;
  /** Each trail's history, newest first (the DataLoader batch shape). */
  trailHistory(arns: readonly string[], page?: ListPage): Promise<TrailChange[][]>;

  /** Reachable and migrated: what /healthz reports. */
  ping(): Promise<void>;
  /**
   * Whether the database passes its engine's integrity check: no verdict is given on one that fails it (README,
   * Verdicts). offThread: in a worker thread on a connection of its own, so the caller's event loop is never held up.
   */
  checkIntegrity(options?: { offThread?: boolean }): Promise<IntegrityReport>;
  /** Changes whenever the database may have changed since: while it stays the same, an integrity check still holds. */
  changeStamp(): Promise<string>;
  close(): Promise<void>;

  // ---- Accounts, pages, aggregates and assets of any type (the GraphQL queries accounts, trailsConnection,
  // ---- trailsAggregate, assets and node). Filters are compiled as findTrails compiles them; FilterError on bad input.

  /** Every account the inventory knows (a live trail's owner, a synced scope, an attempt since any retirement), by id. */
  findAccounts(where: unknown, page?: ListPage): Promise<AccountSummary[]>;
  /** Accounts by id, in the order asked; undefined where the inventory knows nothing of one (the DataLoader batch shape). */
  accountsById(ids: readonly string[]): Promise<(AccountSummary | undefined)[]>;
  /** One page of the live trails matching `where`: the `first` after the cursor `after`, in the order of `sort` then id. */
  findTrailsPage(where: unknown, page: TrailPageRequest): Promise<TrailPage>;
  /** Whether a live trail matching `where` comes at or before the cursor (what hasPreviousPage asks). */
  hasTrailsBefore(where: unknown, page: Pick<TrailPageRequest, 'after' | 'sort'> & { after: string }): Promise<boolean>;
  /** How many live trails match `where`. */
  countTrails(where: unknown): Promise<number>;
  /** How many live trails match `where`, per value of a string or boolean field; most frequent first. */
  countTrailsBy(where: unknown, field: string, page?: ListPage): Promise<GroupCount[]>;
  /** Assets of every type matching an AssetWhere (only the fields every asset has), deleted ones excluded unless asked. */
  findAssets(where: unknown, options?: TrailQueryOptions): Promise<StoredTrail[]>;

  // ---- Assets of any registered type (src/assets/registry.ts), by the type's name; the trail methods above are these
  // for Trail. `where` is the type's <Type>Where, generated from its definition (src/store/asset-schema.ts).
  findAssetsOfType(type: string, where: unknown, options?: TrailQueryOptions): Promise<StoredAsset[]>;
  assetsById(type: string, ids: readonly string[]): Promise<(StoredAsset | undefined)[]>;
  findAssetPage(type: string, where: unknown, page: TrailPageRequest): Promise<{ assets: StoredAsset[]; cursors: string[]; hasNextPage: boolean }>;
  hasAssetsBefore(type: string, where: unknown, page: Pick<TrailPageRequest, 'after' | 'sort'> & { after: string }): Promise<boolean>;
  countAssets(type: string, where: unknown): Promise<number>;
  countAssetsBy(type: string, where: unknown, field: string, page?: ListPage): Promise<GroupCount[]>;
  /** Account.<plural>: the live assets of the type a sync of each account listed. */
  assetsOfAccounts(type: string, accountIds: readonly string[], page?: ListPage): Promise<StoredAsset[][]>;
  /** A relation field of the type's definition (Trail.kmsKey), or its inverse on the target (KmsKey.trails): live assets only. */
  relatedAssets(type: string, relation: string, ids: readonly string[], page?: ListPage): Promise<StoredAsset[][]>;
  sightingsByAssetId(ids: readonly string[], page?: ListPage): Promise<TrailSighting[][]>;
  assetHistory(ids: readonly string[], page?: ListPage): Promise<AssetChange[][]>;
  /** Live and deleted assets of every registered type. */
  assetTotals(): Promise<{ assetType: string; live: number; deleted: number }[]>;
  /** Assets of any type by id (`node`). */
  nodesById(ids: readonly string[]): Promise<(StoredAsset | undefined)[]>;

  // ---- The HTTP server's own tables and figures: API tokens (migration 0004) and inventory size for /metrics.

  /**
   * Stores a token by the SHA-256 hash of its secret (the secret is never stored), with an id no token ever had;
   * undefined when the name was ever used: by a token, revoked ones included, or as the actor of a stored exception.
   */
  createApiToken(token: { name: string | null; scope: ApiTokenScope; hash: string }): Promise<ApiToken | undefined>;
  /** The tokens not revoked (every token with includeRevoked), without secrets, oldest first. */
  listApiTokens(options?: { includeRevoked?: boolean }): Promise<ApiToken[]>;
  /**
   * Revokes the token with this name, or else this id: it is kept, with revokedAt, so that its id and name are never
   * given to another token. undefined when none matches; newlyRevoked false when it was revoked already.
   */
  revokeApiToken(nameOrId: string): Promise<{ token: ApiToken; newlyRevoked: boolean } | undefined>;
  /** The hash and scope of every token not revoked: what the server compares a presented token with. */
  apiTokenCredentials(): Promise<ApiTokenCredential[]>;
  /** Records when a token was last used (never moves it back). */
  touchApiToken(id: number, at: string): Promise<void>;
  /** How many trails the inventory holds: live, and marked deleted. */
  trailTotals(): Promise<{ live: number; deleted: number }>;

  // ---- Control history (migration 0005): every recorded evaluation of the controls, for the GraphQL queries
  // ---- controls and controlRuns. The store never reads the catalog files: it keeps what check recorded.

  /**
   * Records one evaluation in one transaction: the run, each verdict, its failing and excepted assets, and (when given)
   * the catalog's controls, which then replace the catalog as last recorded.
   */
  recordControlRun(verdicts: readonly VerdictToRecord[], source: string, catalog?: readonly ControlDescription[]): Promise<ControlRunRecord>;
  /** Every control of the catalog as last recorded (or, before any was, every control ever recorded) with its latest result. */
  latestControlResults(page?: ListPage): Promise<ControlLatestResult[]>;
  /** Runs newest first, with their results; with controlId, only the runs that evaluated it, and only its result. */
  controlRuns(options?: ControlRunListOptions): Promise<ControlRunRecord[]>;
  /** The results of several runs (of one control when given) by control id, in one statement (DataLoader batch shape). */
  resultsOfRuns(runIds: readonly number[], controlId?: string, page?: ListPage): Promise<ControlResultRecord[][]>;
  /**
   * The failing and excepted assets of several (run, control) results, by state then id, in one statement (DataLoader
   * batch shape); with `page`, that page of each result's failing assets and of its excepted ones. `filter` keeps the
   * assets of one account and/or one region before paging.
   */
  resultAssets(keys: readonly ControlResultKey[], page?: ListPage, filter?: ResultAssetFilter): Promise<ControlResultAsset[][]>;
  /** How many assets of each result are in `state` (and the filter's account and region), by key. */
  countResultAssets(keys: readonly ControlResultKey[], state: ControlResultAsset['state'], filter?: ResultAssetFilter): Promise<number[]>;
  /** The per-account results of many recorded results, by account id, in one statement (the DataLoader batch shape). */
  resultAccounts(keys: readonly ControlResultKey[], page?: ListPage): Promise<ControlResultAccount[][]>;

  // ---- Stored exceptions to controls (migration 0007), added and revoked through the GraphQL API. The store keeps
  // ---- what it is given: the rules an exception must meet are checked before (src/controls/exceptions.ts).

  /** Stores an exception, created now by `createdBy`. */
  addControlException(exception: NewControlException): Promise<StoredControlException>;
  /** The stored exceptions by id, revoked ones only when asked (they never apply, and are kept as the audit trail). */
  listControlExceptions(options?: { includeRevoked?: boolean } & ListPage): Promise<StoredControlException[]>;
  /**
   * Revokes an exception now, as `revokedBy`; one already revoked keeps its first revocation. Undefined when no exception
   * has this id.
   */
  revokeControlException(id: number, revokedBy: string): Promise<StoredControlException | undefined>;
}

/** What an integrity check of the database found. */
export interface IntegrityReport {
  ok: boolean;
  /** The problems as the engine reported them (the first few); [] when ok. */
  problems: string[];
  /** What was checked and how, in words (PostgreSQL: that nothing equivalent is checked). */
  method: string;
}

/** A page of a list read in SQL: at most `limit` rows (every row without one) after the first `offset` (default 0). */
export interface ListPage {
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface TrailPageRequest {
  /** At most this many trails (0 is allowed: the page then only says whether there is more). */
  first: number;
  /** A cursor from an earlier page of the same sort; the page starts after it. */
  after?: string | null;
  sort?: SortSpec[] | null;
  /** The API fields the caller will read, as for findTrails. */
  fields?: readonly string[];
}

export interface TrailPage {
  trails: StoredTrail[];
  /** The cursor of each trail, in the same order. */
  cursors: string[];
  hasNextPage: boolean;
}

/** The number of assets with one value of a field; value is the text of the value, null for unknown. */
export interface GroupCount {
  value: string | null;
  count: number;
}

/** One account: how fresh its inventory is, and how its latest attempt went. */
export interface AccountSummary {
  accountId: string;
  /** The latest successful sync (ok or skipped) of any of its scopes; null when none ever succeeded. */
  lastSyncedAt: string | null;
  /** The latest attempt at the account; null when none was ever recorded (or none since it was retired). */
  status: 'ok' | 'failed' | null;
  /** The enabled regions as last read; null when never read. */
  enabledRegions: string[] | null;
  /** The latest name a sync gave it (the accounts file's `name`, else AWS Organizations'); null when none did. */
  name: string | null;
}

export type { CollectionError };

// ---- API tokens (used by the InventoryStore methods of the HTTP server block above).

export type ApiTokenScope = 'read' | 'admin';

/** A token as listed: never its secret, nor its hash. */
export interface ApiToken {
  id: number;
  /** Optional; never all digits, so a token is revoked by name or id unambiguously. */
  name: string | null;
  scope: ApiTokenScope;
  createdAt: string;
  lastUsedAt: string | null;
  /** When `inventory token revoke` revoked it; from then on it is refused, and its id and name stay its own. */
  revokedAt: string | null;
}

export interface ApiTokenCredential {
  id: number;
  scope: ApiTokenScope;
  /** Hex SHA-256 of the whole token. */
  hash: string;
}

// ---- Control history (used by the InventoryStore methods of the control history block above).

export type RecordedVerdict = 'PASS' | 'FAIL' | 'ERROR';

/** What recordControlRun keeps of a verdict (a ControlVerdict of src/controls/evaluate.ts has this shape). */
export interface VerdictToRecord {
  controlId: string;
  title: string;
  severity: string;
  verdict: RecordedVerdict;
  reason: string;
  failingAssets: readonly { id: string; accountId: string; region: string }[];
  exceptedAssets?: readonly { id: string; accountId: string; region: string; exception: { owner: string; expires: string } }[];
  /** The denominator; absent when the control's queries did not run. */
  evaluatedCount?: number;
  accounts?: readonly { accountId: string; verdict: RecordedVerdict; evaluated: number; failing: number; excepted: number }[];
  evaluatedAt: string;
}

/** A recorded result within one account. */
export interface ControlResultAccount {
  runId: number;
  controlId: string;
  accountId: string;
  verdict: RecordedVerdict;
  evaluatedCount: number;
  failingCount: number;
  exceptedCount: number;
}

export interface ControlDescription {
  id: string;
  title: string;
  severity: string;
}

export interface ControlResultRecord {
  runId: number;
  controlId: string;
  title: string;
  severity: string;
  verdict: RecordedVerdict;
  reason: string;
  failingCount: number;
  exceptedCount: number;
  /** How many assets the control evaluated; null when its queries did not run, or it was recorded before denominators were. */
  evaluatedCount: number | null;
  evaluatedAt: string;
}

export interface ControlRunRecord {
  id: number;
  startedAt: string;
  finishedAt: string;
  controlsEvaluated: number;
  source: string;
  results: ControlResultRecord[];
}

/** A control and its latest recorded result; result is null when it was never evaluated. */
export interface ControlLatestResult extends ControlDescription {
  result: ControlResultRecord | null;
}

export interface ControlRunListOptions {
  /** At most this many runs (default 20). */
  limit?: number;
  offset?: number;
  controlId?: string;
  /** Whether each run's results are read with it (default true); resultsOfRuns reads them a page at a time. */
  withResults?: boolean;
}

/** The account and region a result's assets are kept to (README "Dashboard"); each unset one keeps all. */
export interface ResultAssetFilter {
  accountId?: string | null;
  region?: string | null;
}

export interface ControlResultKey {
  runId: number;
  controlId: string;
}

/** An asset as a recorded result saw it: failing, or excepted (with the exception's owner and expiry). */
export interface ControlResultAsset {
  runId: number;
  controlId: string;
  assetId: string;
  accountId: string;
  region: string;
  state: 'failing' | 'excepted';
  exceptionOwner: string | null;
  exceptionExpires: string | null;
}

// ---- Stored exceptions (used by the InventoryStore methods of the stored exceptions block above).

/** An exception to store: the fields of an exceptions file entry, and who adds it. */
export interface NewControlException {
  control: string;
  /** An ARN, a pattern where * stands for any run of characters, or a 12-digit account id. */
  asset: string;
  owner: string;
  reason: string;
  approver: string;
  /** YYYY-MM-DD: the exception applies through the end of this day (UTC). */
  expires: string;
  /** The API token's name (or "token <id>" for one without a name), or "local" on a server that needs no token. */
  createdBy: string;
}

export interface StoredControlException extends NewControlException {
  id: number;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}
