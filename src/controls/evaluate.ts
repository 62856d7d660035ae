// Evaluates stored checks against the inventory. A verdict is PASS only when the query ran, its result meets the
// expectation, and the inventory it read is complete: a failed or missing scope is never allowed to look clean.
import { execute, type GraphQLError } from 'graphql';
import type { InventoryApi } from '../graphql/execute.js';
import { createContext } from '../graphql/schema.js';
import { COLLECTOR_BY_ASSET_TYPE } from '../model/asset-types.js';
import { computeCoverage, type CoverageEntry } from '../store/coverage.js';
import type { InventoryStore, ScopeError } from '../store/store.js';
import type { Control } from './catalog.js';
import { assetMatches, isActive, summary, type ControlException, type ExceptionSummary } from './exceptions.js';
import { listsFailures, meets } from './expect.js';

export type Verdict = 'PASS' | 'FAIL' | 'ERROR';

/** An asset the control's query returned, i.e. one that fails the control. */
export interface FailingAsset {
  id: string;
  name: string;
  assetType: string;
  accountId: string;
  region: string;
}

/** A failing asset that an active exception covers: it no longer fails the control, until the exception expires. */
export interface ExceptedAsset extends FailingAsset {
  exception: ExceptionSummary;
}

export interface ControlVerdict {
  controlId: string;
  title: string;
  severity: string;
  verdict: Verdict;
  /** One sentence that says why. */
  reason: string;
  /** The assets the query returned; reported for FAIL, and for ERROR when the query ran on a partial inventory. */
  failingAssets: FailingAsset[];
  /** Failing assets an active exception covers (set by evaluateControl; absent on verdicts made elsewhere). */
  exceptedAssets?: ExceptedAsset[];
  /** The exceptions to this control that have expired, and so no longer apply. */
  expiredExceptions?: ExceptionSummary[];
  evaluatedAt: string;
}

/** How old a scope's last successful sync may be before a verdict will not rest on it: a sync a day, a day to spare. */
export const DEFAULT_MAX_AGE_HOURS = 48;

export interface EvaluationOptions {
  /** A scope whose last successful sync is older than this is stale, and a verdict that depends on it is ERROR. */
  maxAgeHours?: number;
  /** The time verdicts are given at (tests). */
  now?: Date;
  /** Exceptions (loaded with loadExceptions): an active one moves a matching failing asset to exceptedAssets. */
  exceptions?: readonly ControlException[];
}

export async function evaluateControls(api: InventoryApi, store: InventoryStore, controls: Control[], options: EvaluationOptions = {}): Promise<ControlVerdict[]> {
  const verdicts: ControlVerdict[] = [];
  for (const control of controls) verdicts.push(await evaluateControl(api, store, control, options));
  return verdicts;
}

export async function evaluateControl(api: InventoryApi, store: InventoryStore, control: Control, options: EvaluationOptions = {}): Promise<ControlVerdict> {
  const now = options.now ?? new Date();
  const exceptions = (options.exceptions ?? []).filter((e) => e.control === control.id);
  const active = exceptions.filter((e) => isActive(e, now));
  const expiredExceptions = exceptions.filter((e) => !isActive(e, now)).map(summary);
  const exceptedAssets: ExceptedAsset[] = [];
  const verdict = (v: Verdict, reason: string, failingAssets: FailingAsset[] = []): ControlVerdict => ({
    controlId: control.id,
    title: control.title,
    severity: control.severity,
    verdict: v,
    reason,
    failingAssets,
    exceptedAssets,
    expiredExceptions,
    evaluatedAt: now.toISOString(),
  });

  const gaps = await inventoryGaps(store, control.assetTypes, options);
  const result = await execute({ schema: api.schema, document: control.document, contextValue: createContext(store) });
  if (result.errors?.length) {
    return verdict('ERROR', `the query failed: ${result.errors.map((e: GraphQLError) => e.message).join('; ')}`);
  }
  const actual = (result.data as Record<string, unknown> | null | undefined)?.[control.rootField];
  const { expectation } = control;
  // Under `eq []` what the query returns fails; under `count > 0` it is what complies, and names no failing asset.
  const returned = listsFailures(expectation) ? assetsIn(actual) : [];
  // Exceptions only ever apply to assets the query returned as failing, and only when every item it returned is one.
  const applies = Array.isArray(actual) && actual.length === returned.length;
  const failingAssets: FailingAsset[] = [];
  for (const asset of returned) {
    const exception = applies ? active.find((e) => assetMatches(e.asset, asset.id)) : undefined;
    if (exception) exceptedAssets.push({ ...asset, exception: summary(exception) });
    else failingAssets.push(asset);
  }
  if (gaps.length > 0) {
    return verdict('ERROR', `the ${control.assetTypes.join(', ')} inventory is incomplete or stale: ${gaps.join('; ')}`, failingAssets);
  }
  if (expectation.kind === 'count' && !Array.isArray(actual)) {
    return verdict('ERROR', `the query returned ${preview(actual)}, not a list, so "${expectation.source}" cannot be decided`);
  }
  if (meets(expectation, actual)) return verdict('PASS', `the query result meets "${expectation.source}"`);
  const count = Array.isArray(actual) ? actual.length : undefined;
  const excepted = exceptedAssets.length;
  if (excepted > 0) {
    // Every asset the query returned is a failing asset an active exception covers: the control passes, and says so.
    if (failingAssets.length === 0) {
      return verdict('PASS', `${excepted} ${excepted === 1 ? 'asset fails' : 'assets fail'}, all excepted by an active exception; expected "${expectation.source}"`);
    }
    const left = failingAssets.length;
    return verdict('FAIL', `${left} ${left === 1 ? 'asset fails' : 'assets fail'} (and ${excepted} more ${excepted === 1 ? 'is' : 'are'} excepted); expected "${expectation.source}"`, failingAssets);
  }
  const what =
    count === undefined ? `the query returned ${preview(actual)}`
      : expectation.kind === 'count' ? `the query returned ${count} ${count === 1 ? 'asset' : 'assets'}`
        : `${count} ${count === 1 ? 'asset fails' : 'assets fail'}`;
  return verdict('FAIL', `${what}; expected "${expectation.source}"`, failingAssets);
}

/**
 * Why the inventory of these asset types cannot be trusted, or [] when it can: never synced, the latest sync did not
 * finish or failed somewhere, an account's latest attempt failed, or an enabled region was never synced or failed.
 */
export async function inventoryGaps(store: InventoryStore, assetTypes: readonly string[], options: EvaluationOptions = {}): Promise<string[]> {
  const gaps: string[] = [];
  const maxAgeHours = options.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS;
  const staleBefore = new Date((options.now ?? new Date()).getTime() - maxAgeHours * 3_600_000).toISOString();
  for (const assetType of assetTypes) {
    const collector = COLLECTOR_BY_ASSET_TYPE[assetType];
    if (!collector) {
      gaps.push(`no collector gathers ${assetType} assets`);
      continue;
    }
    const latest = await store.latestSyncRun(collector);
    if (!latest) {
      gaps.push(`${assetType} assets have never been synced (run "inventory sync")`);
      continue;
    }
    if (latest.status === 'running') gaps.push(`sync run ${latest.id} has not finished`);
    if (latest.status === 'interrupted') gaps.push(`sync run ${latest.id} was interrupted before it finished`);
    if (latest.status === 'failed' || latest.status === 'partial') {
      gaps.push(`sync run ${latest.id} ${latest.status === 'failed' ? 'failed' : 'failed in part'}: ${latest.errorMessage ?? latest.errorCode ?? 'no reason recorded'}`);
    }
    // What the latest run reported is said above; older failures that no run has repaired since are said here.
    const coverage = await computeCoverage(store, assetType);
    const olderThanLatest = (entry: CoverageEntry) => entry.lastAttemptRunId !== latest.id;
    for (const [accountId, entries] of byAccount(coverage)) {
      const accountFailure = entries.find((entry) => entry.accountFailed);
      if (accountFailure && olderThanLatest(accountFailure)) {
        gaps.push(`account ${accountId} failed in sync run ${accountFailure.lastAttemptRunId} (${describe(accountFailure.error)})`);
      }
      if (entries.some((entry) => entry.enabledRegionsUnknown)) {
        gaps.push(`the enabled regions of account ${accountId} have never been read (ec2:DescribeRegions), so its coverage cannot be known`);
        continue;
      }
      // An enabled region counts only once a sync has read it since: never synced, or skipped while it was disabled, is a gap.
      const notSynced = entries
        .filter((entry) => entry.regionEnabled === true && !entry.accountFailed && (entry.lastAttemptStatus === 'never' || entry.lastAttemptStatus === 'skipped'))
        .map((entry) => entry.region);
      if (notSynced.length > 0) {
        gaps.push(`account ${accountId} has ${notSynced.length} enabled ${notSynced.length === 1 ? 'region' : 'regions'} never synced (${notSynced.join(', ')}); sync without --regions to cover them`);
      }
      // Data no sync has confirmed for too long (an account left out of later syncs, a sync job that stopped) is stale.
      const stale = entries.filter((entry) => entry.lastAttemptStatus === 'ok' && entry.lastSuccessAt !== null && entry.lastSuccessAt < staleBefore);
      if (stale.length > 0) {
        const oldest = stale.map((entry) => entry.lastSuccessAt!).sort()[0];
        gaps.push(
          `account ${accountId} has ${stale.length} ${stale.length === 1 ? 'region' : 'regions'} last synced more than ${maxAgeHours} h ago ` +
            `(the oldest at ${oldest}: ${stale.slice(0, 3).map((entry) => entry.region).join(', ')}${stale.length > 3 ? ', ...' : ''}); sync it again, or list it under forget in the accounts file if it left the inventory`,
        );
      }
    }
    for (const entry of coverage.filter((e) => e.lastAttemptStatus === 'failed' && !e.accountFailed && olderThanLatest(e))) {
      gaps.push(`account ${entry.accountId} region ${entry.region} failed in sync run ${entry.lastAttemptRunId} (${describe(entry.error)})`);
    }
  }
  return gaps;
}

function byAccount(coverage: CoverageEntry[]): Map<string, CoverageEntry[]> {
  const accounts = new Map<string, CoverageEntry[]>();
  for (const entry of coverage) accounts.set(entry.accountId, [...(accounts.get(entry.accountId) ?? []), entry]);
  return accounts;
}

function describe(error: ScopeError | null): string {
  return `${error?.code ?? 'error'}: ${error?.message ?? ''}`;
}

function assetsIn(value: unknown): FailingAsset[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => ({
      id: String(item.id ?? item.arn ?? ''),
      name: String(item.name ?? ''),
      assetType: String(item.assetType ?? ''),
      accountId: String(item.accountId ?? ''),
      region: String(item.region ?? ''),
    }));
}

function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? 'undefined';
  return json.length > 200 ? `${json.slice(0, 200)}...` : json;
}
