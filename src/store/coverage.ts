// Coverage (README, Querying: history and freshness): for an asset type, every (account, region) the inventory knows
// of, and how its latest sync went. The GraphQL API and the control engine both read it from here, so they can never
// disagree.
import { ASSET_TYPE_NAMES, assetType as assetTypeOf, COLLECTOR_BY_ASSET_TYPE } from '../assets/registry.js';
import type { AccountAttempt, InventoryStore, ScopeError, ScopeState } from './store.js';

export type CoverageStatus = 'ok' | 'skipped' | 'failed' | 'never';

export interface CoverageEntry {
  accountId: string;
  /** "" for the account as a whole, when its latest attempt failed before any of its regions was known. */
  region: string;
  lastSuccessAt: string | null;
  lastSuccessRunId: number | null;
  lastAttemptAt: string | null;
  lastAttemptRunId: number | null;
  /** 'never': an enabled region of the account no sync has attempted. */
  lastAttemptStatus: CoverageStatus;
  latestAttemptFailed: boolean;
  error: ScopeError | null;
  /** The latest attempt failed for the whole account (its regions could not be listed); `error` is the account's. */
  accountFailed: boolean;
  /** Whether the region is among the account's enabled regions as last read; null when those were never read. */
  regionEnabled: boolean | null;
  /** A sync reached the account but never read its enabled regions, so regions it never synced cannot be listed. */
  enabledRegionsUnknown: boolean;
}

/** An asset type no collector gathers. */
export class UnknownAssetTypeError extends Error {
  override name = 'UnknownAssetTypeError';
  constructor(readonly assetType: string) {
    super(`unknown asset type "${assetType}" (known: ${ASSET_TYPE_NAMES.join(', ')})`);
  }
}

/** The coverage of one asset type, by account and region. Throws UnknownAssetTypeError for a type no collector gathers. */
export async function computeCoverage(store: InventoryStore, assetType: string): Promise<CoverageEntry[]> {
  const collector = COLLECTOR_BY_ASSET_TYPE[assetType];
  if (!collector) throw new UnknownAssetTypeError(assetType);
  // A type listed once per account (S3 buckets) has one scope per account, in the region it was listed from: the
  // account's other enabled regions are no gap of it.
  const perAccount = assetTypeOf(assetType)?.scope === 'account';
  const [scopes, accounts] = await Promise.all([store.scopeStates(collector), store.accountAttempts(collector)]);

  const accountOf = new Map(accounts.map((account) => [account.accountId, account]));
  const entries: CoverageEntry[] = scopes.map((scope) => scopeEntry(scope, accountOf.get(scope.accountId)));
  const attempted = new Set(scopes.map((scope) => `${scope.accountId}/${scope.region}`));
  for (const account of accounts) {
    const never = perAccount ? [] : (account.enabledRegions ?? []).filter((region) => !attempted.has(`${account.accountId}/${region}`));
    for (const region of never) entries.push(neverEntry(account, region));
    // An account reached or tried with none of its regions known is still a gap: it stands as a whole, region "".
    const knowsRegions = never.length > 0 || scopes.some((scope) => scope.accountId === account.accountId);
    if (!knowsRegions && (account.status === 'failed' || account.enabledRegions === null)) entries.push(neverEntry(account, ''));
  }
  return entries.sort((a, b) => compare(a.accountId, b.accountId) || compare(a.region, b.region));
}

function scopeEntry(scope: ScopeState, account: AccountAttempt | undefined): CoverageEntry {
  const entry: CoverageEntry = {
    accountId: scope.accountId,
    region: scope.region,
    lastSuccessAt: scope.lastSuccessAt,
    lastSuccessRunId: scope.lastSuccessRunId,
    lastAttemptAt: scope.lastAttemptAt,
    lastAttemptRunId: scope.lastRunId,
    lastAttemptStatus: scope.lastStatus,
    latestAttemptFailed: scope.lastStatus === 'failed',
    error: scope.error,
    accountFailed: false,
    regionEnabled: account?.enabledRegions ? account.enabledRegions.includes(scope.region) : null,
    enabledRegionsUnknown: account !== undefined && account.enabledRegions === null,
  };
  // The account failing in a later run is this scope's latest attempt failing: the run never got to the region.
  return account && account.status === 'failed' && account.runId > scope.lastRunId ? withAccountFailure(entry, account) : entry;
}

/** A region no sync has attempted: an enabled region never synced, or "" for an account none of whose regions is known. */
function neverEntry(account: AccountAttempt, region: string): CoverageEntry {
  const entry: CoverageEntry = {
    accountId: account.accountId,
    region,
    lastSuccessAt: null,
    lastSuccessRunId: null,
    lastAttemptAt: null,
    lastAttemptRunId: null,
    lastAttemptStatus: 'never',
    latestAttemptFailed: false,
    error: null,
    accountFailed: false,
    regionEnabled: region === '' ? null : true,
    enabledRegionsUnknown: account.enabledRegions === null,
  };
  return account.status === 'failed' ? withAccountFailure(entry, account) : entry;
}

function withAccountFailure(entry: CoverageEntry, account: AccountAttempt): CoverageEntry {
  return {
    ...entry,
    lastAttemptAt: account.finishedAt,
    lastAttemptRunId: account.runId,
    lastAttemptStatus: 'failed',
    latestAttemptFailed: true,
    error: account.error,
    accountFailed: true,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
