// What both stores share: limits, times, content hashes and the row shapes of tables that are the same on both engines.
import { createHash } from 'node:crypto';
import type { Tag } from '../model/asset.js';
import { stableJson } from '../model/trail.js';
import type {
  ControlLatestResult,
  ControlResultAccount,
  ControlResultAsset,
  ControlResultKey,
  ControlResultRecord,
  ListPage,
  RecordedVerdict,
  ScopeCoverage,
  StoredControlException,
  SyncRun,
  SyncRunSummary,
  SyncRunTotals,
} from './store.js';
import { FilterError } from './where.js';

type Row = Record<string, unknown>;

/** A run still 'running' whose heartbeat is older than this was interrupted: its process stopped without finishing it. */
export const STALE_RUN_MS = 120_000;

/** The largest `limit` a trail query may ask for. */
export const MAX_QUERY_LIMIT = 10_000;

export function now(): string {
  return new Date().toISOString();
}

/** A hash of the record's content that ignores key order and tag order, so the same content always hashes the same. */
export function contentHash(content: { tags?: readonly Tag[] | null }): string {
  const tags = content.tags && [...content.tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return createHash('sha256')
    .update(stableJson({ ...content, tags }))
    .digest('hex');
}

export function toJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function fromJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

export function toScopeCoverage(row: Row): ScopeCoverage {
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

export function toControlResult(row: Row): ControlResultRecord {
  return {
    runId: row.run_id as number,
    controlId: row.control_id as string,
    title: row.title as string,
    severity: row.severity as string,
    verdict: row.verdict as RecordedVerdict,
    reason: row.reason as string,
    failingCount: row.failing_count as number,
    exceptedCount: row.excepted_count as number,
    evaluatedCount: (row.evaluated_count as number | null) ?? null,
    evaluatedAt: row.evaluated_at as string,
  };
}

export function toStoredControlException(row: Row): StoredControlException {
  return {
    id: row.id as number,
    control: row.control_id as string,
    asset: row.asset as string,
    owner: row.owner as string,
    reason: row.reason as string,
    approver: row.approver as string,
    expires: row.expires as string,
    createdAt: row.created_at as string,
    createdBy: row.created_by as string,
    revokedAt: (row.revoked_at as string | null) ?? null,
    revokedBy: (row.revoked_by as string | null) ?? null,
  };
}

/** The rows for each key, in the order of `keys`: the shape DataLoader batch functions return. */
export function groupBy<R, T>(keys: readonly string[], rows: R[], keyOf: (row: R) => string, map: (row: R) => T): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(keyOf(row)) ?? [];
    group.push(map(row));
    groups.set(keyOf(row), group);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Each run with its totals, from its scopes summed by run (`run_id, ok, skipped, failed, seen, new, changed, deleted`)
 * and its failed accounts counted by run (`run_id, failed`), as both stores select them.
 */
export function runsWithTotals(runs: readonly SyncRun[], scopeRows: readonly Row[], accountRows: readonly Row[]): SyncRunSummary[] {
  const scopesByRun = new Map(scopeRows.map((row) => [Number(row.run_id), row]));
  const failedAccountsByRun = new Map(accountRows.map((row) => [Number(row.run_id), Number(row.failed)]));
  return runs.map((run) => {
    const scopes = scopesByRun.get(run.id);
    const totals: SyncRunTotals = {
      scopesOk: Number(scopes?.ok ?? 0),
      scopesSkipped: Number(scopes?.skipped ?? 0),
      scopesFailed: Number(scopes?.failed ?? 0),
      accountsFailed: failedAccountsByRun.get(run.id) ?? 0,
      seen: Number(scopes?.seen ?? 0),
      new: Number(scopes?.new ?? 0),
      changed: Number(scopes?.changed ?? 0),
      deleted: Number(scopes?.deleted ?? 0),
    };
    return { ...run, totals };
  });
}

/** Rows of several recorded results (with run_id and control_id), grouped in the order of `keys` (the DataLoader batch shape). */
export function byResult<T>(keys: readonly ControlResultKey[], rows: Row[], map: (row: Row) => T): T[][] {
  return groupBy(
    keys.map((key) => `${key.runId}/${key.controlId}`),
    rows,
    (row) => `${Number(row.run_id)}/${row.control_id as string}`,
    map,
  );
}

export function toControlResultAsset(row: Row): ControlResultAsset {
  return {
    runId: Number(row.run_id),
    controlId: row.control_id as string,
    assetId: row.asset_id as string,
    accountId: row.account_id as string,
    region: row.region as string,
    state: row.state as ControlResultAsset['state'],
    exceptionOwner: (row.exception_owner as string | null) ?? null,
    exceptionExpires: (row.exception_expires as string | null) ?? null,
  };
}

export function toControlResultAccount(row: Row): ControlResultAccount {
  return {
    runId: Number(row.run_id),
    controlId: row.control_id as string,
    accountId: row.account_id as string,
    verdict: row.verdict as ControlResultAccount['verdict'],
    evaluatedCount: Number(row.evaluated_count),
    failingCount: Number(row.failing_count),
    exceptedCount: Number(row.excepted_count),
  };
}

/**
 * Each control of the catalog as last recorded (rows of control_catalog in id order) with its latest result; before
 * any catalog was recorded (`recorded` false), every control that has a result, in id order as SQL sorts them.
 */
export function catalogWithResults(catalog: readonly Row[], results: ReadonlyMap<string, ControlResultRecord>, recorded = catalog.length > 0): ControlLatestResult[] {
  if (recorded) {
    return catalog.map((row) => ({
      id: row.control_id as string,
      title: row.title as string,
      severity: row.severity as string,
      result: results.get(row.control_id as string) ?? null,
    }));
  }
  return [...results.values()]
    .sort((a, b) => (a.controlId < b.controlId ? -1 : a.controlId > b.controlId ? 1 : 0))
    .map((result) => ({ id: result.controlId, title: result.title, severity: result.severity, result }));
}

/**
 * A page of each parent's list, read in SQL: the rows of every parent numbered in the list's order, and kept from
 * `offset` + 1 to `offset` + `limit` (to the end without a limit). Undefined when the page keeps every row.
 */
export function eachParentPage(
  page: ListPage | undefined,
  partitionBy: string,
  orderBy: string,
  placeholder: (position: number) => string,
  firstPosition: number,
): { column: string; keep: string; params: number[] } | undefined {
  const { limit, offset } = checkListPage(page);
  if (limit === undefined && offset === 0) return undefined;
  const column = `row_number() OVER (PARTITION BY ${partitionBy} ORDER BY ${orderBy}) AS page_row`;
  if (limit === undefined) return { column, keep: `page_row > ${placeholder(firstPosition)}`, params: [offset] };
  return { column, keep: `page_row > ${placeholder(firstPosition)} AND page_row <= ${placeholder(firstPosition + 1)}`, params: [offset, offset + limit] };
}

/** A page's numbers, checked: whole and not negative (a FilterError naming the argument otherwise). */
export function checkListPage(page: ListPage | undefined): { limit: number | undefined; offset: number } {
  const limit = page?.limit ?? undefined;
  const offset = page?.offset ?? 0;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new FilterError('limit must be a non-negative integer', 'limit');
  if (!Number.isInteger(offset) || offset < 0) throw new FilterError('offset must be a non-negative integer', 'offset');
  return { limit, offset };
}
