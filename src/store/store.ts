// The storage interface every caller uses. It is async so that SQLite (embedded) and PostgreSQL both fit behind it.
import type { CollectionError, Tag } from '../model/asset.js';
import type { StoredTrail, TrailRecord } from '../model/trail.js';
import type { SortSpec } from './where.js';

export type SyncRunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';
export type ScopeStatus = 'ok' | 'skipped' | 'failed';

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
}

export interface ScopeError {
  code: string;
  message: string;
}

/** What one (collector, account, region) scope of a sync produced. */
export interface TrailScopeResult {
  accountId: string;
  region: string;
  status: ScopeStatus;
  error?: ScopeError;
  /** The trails DescribeTrails returned in this region (home, shadow and organization trails). */
  trails: TrailRecord[];
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

/** One account's part in a sync run: reached (with its enabled regions) or not. */
export interface AccountOutcome {
  accountId: string;
  status: 'ok' | 'failed';
  /** The regions enabled for the account, when they could be read. */
  enabledRegions: string[] | null;
  error?: ScopeError;
}

/** The latest attempt at one account, and the enabled regions last read from it. */
export interface AccountCoverage {
  accountId: string;
  status: 'ok' | 'failed';
  runId: number;
  error: ScopeError | null;
  enabledRegions: string[] | null;
}

export interface TrailQueryOptions {
  limit?: number | null;
  offset?: number | null;
  sort?: SortSpec[] | null;
  /** Include trails a successful sync no longer saw (deletedAt set). */
  includeDeleted?: boolean | null;
  /** The API fields the caller will read; the others may be left out of the results. All fields when omitted. */
  fields?: readonly string[];
}

export interface TrailSighting {
  accountId: string;
  region: string;
}

export interface InventoryStore {
  readonly kind: 'sqlite';

  startSyncRun(run: NewSyncRun): Promise<SyncRun>;
  /** Writes one scope in one transaction: all of its trails land, or none do. A failed scope deletes nothing. */
  writeTrailScope(runId: number, collector: string, scope: TrailScopeResult): Promise<ScopeCounts>;
  finishSyncRun(runId: number, status: Exclude<SyncRunStatus, 'running'>, error?: ScopeError): Promise<SyncRun>;
  latestSyncRun(collector: string): Promise<SyncRun | undefined>;
  recordAccount(runId: number, collector: string, outcome: AccountOutcome): Promise<void>;
  accountCoverage(collector: string): Promise<AccountCoverage[]>;
  scopeCoverage(collector: string): Promise<ScopeCoverage[]>;
  scopesOfRun(runId: number): Promise<(ScopeCoverage & ScopeCounts)[]>;

  /** Trails matching `where` (see DESIGN.md section 3), deleted trails excluded. Throws FilterError on bad input. */
  findTrails(where: unknown, options?: TrailQueryOptions): Promise<StoredTrail[]>;
  /** Trails by id (ARN), in the order asked, deleted ones included; undefined where none exists. */
  trailsById(ids: readonly string[]): Promise<(StoredTrail | undefined)[]>;
  tagsByAssetId(ids: readonly string[]): Promise<Tag[][]>;
  sightingsByTrailArn(arns: readonly string[]): Promise<TrailSighting[][]>;

  /** Reachable and migrated: what /healthz reports. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type { CollectionError };
