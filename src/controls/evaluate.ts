// Evaluates stored checks against the inventory. A verdict is PASS only when the query ran, its result meets the
// expectation, and the inventory it read is complete: a failed or missing scope is never allowed to look clean.
import { execute, Kind, print, type GraphQLError } from 'graphql';
import type { InventoryApi } from '../graphql/execute.js';
import { createContext } from '../graphql/context.js';
import { ASSET_TYPES, assetType as registeredType } from '../assets/registry.js';
import { computeCoverage, type CoverageEntry } from '../store/coverage.js';
import { integrityFailure } from '../store/integrity.js';
import type { IntegrityReport, InventoryStore, ScopeError } from '../store/store.js';
import { IDENTITY_ALIASES, type Control, type ControlRule, type NotEvaluatedRule } from './catalog.js';
import { exceptionCovers, isActive, summary, type ControlException, type ExceptionSummary } from '../model/exceptions.js';
import { listsFailures, meets } from './expect.js';

export type Verdict = 'PASS' | 'FAIL' | 'ERROR';

/** An asset the control's query returned, i.e. one that fails the control. */
export interface FailingAsset {
  id: string;
  name: string;
  assetType: string;
  accountId: string;
  region: string;
  /**
   * Why it fails (or why it cannot be decided), from what the query selects under the alias `detail`: its text, or the
   * texts within it joined with "; " (e.g. `detail: kmsKeyUsable { reasons }`). Absent when the query selects none.
   */
  detail?: string;
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
  /** The denominator: how many assets the control evaluated (set by evaluateControl once its queries ran). */
  evaluatedCount?: number;
  /** The verdict within each account, with its counts (set by evaluateControl once its queries ran), by account id. */
  accounts?: AccountVerdict[];
  /** What the control evaluates: assets, or accounts as a whole (an account-level control); set with evaluatedCount. */
  evaluatedUnit?: 'asset' | 'account';
  /**
   * Why the inventory the verdict rests on is incomplete or stale ([] when it is not; set once the queries ran): ERROR
   * says them, and so does a FAIL that known failing assets make certain whatever the gaps hide.
   */
  gaps?: string[];
  /** What the database's integrity check reported, when it failed: the verdict is then ERROR, whatever the data says. */
  databaseProblems?: string[];
  /** The control's rules for AWS that could not be evaluated, and why (set when it has any): it is then never PASS. */
  notEvaluated?: NotEvaluatedRule[];
  /** Each rule's own verdict, for a control of several rules or with a rule not evaluated (Cyscale's layout). */
  rules?: RuleVerdict[];
  /**
   * The assets the inventory cannot decide (the control's `undecided` query; set only for a control that has one):
   * while any is listed the verdict is not PASS, and their accounts are ERROR unless a failure is known there.
   */
  undecidedAssets?: FailingAsset[];
  evaluatedAt: string;
}

/** One rule's verdict within a control of several: NOT EVALUATED for a rule the inventory cannot evaluate yet. */
export interface RuleVerdict {
  rule: string;
  verdict: Verdict | 'NOT EVALUATED';
  reason: string;
}

/**
 * A control's verdict within one account: ERROR when the inventory the control depends on has a gap there (or
 * everywhere), else FAIL when any of its assets fails, else PASS. A control that compares a count (`count > 0`) is
 * decided over the whole inventory: each account shows that verdict, unless its own inventory has a gap.
 */
export interface AccountVerdict {
  accountId: string;
  verdict: Verdict;
  evaluated: number;
  failing: number;
  excepted: number;
  /** Its assets the inventory cannot decide (only for a control with an `undecided` query). */
  undecided?: number;
  /** Why the account's inventory cannot be trusted (those of the whole inventory included); [] when it can. */
  gaps: string[];
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
  // Controls over the same asset types share the coverage check and, mostly, the query of what they evaluate.
  const shared: SharedReads = { inventory: new Map(), evaluated: new Map() };
  shared.integrity = store.checkIntegrity();
  for (const control of controls) verdicts.push(await evaluateControl(api, store, control, options, shared));
  return verdicts;
}

/** What one evaluation of several controls reads once: coverage by asset types, and each distinct `evaluates` query's result. */
interface SharedReads {
  inventory: Map<string, ReturnType<typeof inventoryState>>;
  evaluated: Map<string, ReturnType<typeof execute>>;
  /** The database's integrity check, once per evaluation. */
  integrity?: Promise<IntegrityReport>;
}

/**
 * A control's verdict. A control of one rule (every YAML control) has that rule's verdict. One of several holds only
 * when every rule holds, and one with a rule for AWS that cannot be evaluated is never PASS (README, Controls:
 * "Cyscale's layout"): any rule FAIL gives FAIL, else any rule ERROR or not evaluated gives ERROR, else PASS.
 */
export async function evaluateControl(
  api: InventoryApi,
  store: InventoryStore,
  control: Control,
  options: EvaluationOptions = {},
  shared?: SharedReads,
): Promise<ControlVerdict> {
  if (control.rules.length === 1 && control.notEvaluated.length === 0) return evaluateRule(api, store, control, control.rules[0]!, options, shared);
  const outcomes: RuleOutcome[] = [];
  for (const rule of control.rules) {
    const evaluated: FailingAsset[] = [];
    const verdict = await evaluateRule(api, store, control, rule, options, shared, evaluated);
    // No verdict on a damaged database: every rule says so, the first is enough.
    if (verdict.databaseProblems) return { ...verdict, notEvaluated: control.notEvaluated };
    outcomes.push({ rule, verdict, evaluated });
  }
  return combineRules(control, outcomes, options);
}

interface RuleOutcome {
  rule: ControlRule;
  verdict: ControlVerdict;
  /** The assets the rule evaluated: its denominator, failing and excepted ones included. */
  evaluated: FailingAsset[];
}

const VERDICT_ORDER: Verdict[] = ['PASS', 'ERROR', 'FAIL'];
/** FAIL wins (a failing rule fails the control whatever the others hide), then ERROR, then PASS. */
const worst = (verdicts: Verdict[]): Verdict => VERDICT_ORDER[Math.max(0, ...verdicts.map((v) => VERDICT_ORDER.indexOf(v)))]!;

/** The control's verdict from its rules' verdicts and the rules it cannot evaluate. */
function combineRules(control: Control, outcomes: RuleOutcome[], options: EvaluationOptions): ControlVerdict {
  const now = options.now ?? new Date();
  const notEvaluated = control.notEvaluated;
  const rules: RuleVerdict[] = [
    ...outcomes.map(({ rule, verdict }) => ({ rule: rule.label, verdict: verdict.verdict, reason: verdict.reason })),
    ...notEvaluated.map(({ rule, reason }) => ({ rule, verdict: 'NOT EVALUATED' as const, reason })),
  ];
  const total = rules.length;
  const ofRules = (n: number) => `${n} of ${total} ${total === 1 ? 'rule' : 'rules'}`;
  const verdictOf = worst([...outcomes.map((o) => o.verdict.verdict), ...(notEvaluated.length > 0 ? ['ERROR' as const] : [])]);
  const named = (list: RuleVerdict[]) => list.map((r) => `${r.rule}: ${r.reason}`).join('; ');
  const failing = rules.filter((r) => r.verdict === 'FAIL');
  const errors = rules.filter((r) => r.verdict === 'ERROR');
  const waiting = rules.filter((r) => r.verdict === 'NOT EVALUATED');
  const waitingToo = waiting.length > 0 ? `; ${ofRules(waiting.length)} not evaluated (${named(waiting)})` : '';
  const reason =
    verdictOf === 'FAIL'
      ? `${ofRules(failing.length)} ${failing.length === 1 ? 'fails' : 'fail'}: ${named(failing)}${waitingToo}`
      : verdictOf === 'PASS'
        ? `all ${total} rules hold: ${named(rules)}`
        : waiting.length > 0
          ? `not evaluated: ${ofRules(waiting.length)} cannot be evaluated on this inventory, so the control cannot pass: ${named(waiting)}${errors.length > 0 ? `; and ${ofRules(errors.length)} could not be decided: ${named(errors)}` : ''}`
          : `${ofRules(errors.length)} could not be decided: ${named(errors)}`;
  const union = <A extends { id: string }>(lists: A[][]) => [...new Map(lists.flat().map((asset) => [asset.id, asset])).values()];
  const failingAssets = union(outcomes.map((o) => o.verdict.failingAssets));
  const exceptedAssets = union(outcomes.map((o) => o.verdict.exceptedAssets ?? []));
  const exceptions = (options.exceptions ?? []).filter((e) => e.control === control.id);
  const base: ControlVerdict = {
    controlId: control.id,
    title: control.title,
    severity: control.severity,
    verdict: verdictOf,
    reason,
    failingAssets,
    exceptedAssets,
    expiredExceptions: exceptions.filter((e) => !isActive(e, now)).map(summary),
    ...(notEvaluated.length > 0 ? { notEvaluated } : {}),
    rules,
    evaluatedAt: now.toISOString(),
  };
  const decided = outcomes.filter((o) => o.verdict.accounts !== undefined);
  if (decided.length === 0) return base;
  // The denominator of the whole: every asset any rule evaluated, once; each account's verdict combined as the control's.
  const evaluated = union(decided.map((o) => o.evaluated));
  const accounts = new Map<string, AccountVerdict>();
  for (const { verdict } of decided) {
    for (const account of verdict.accounts!) {
      const known = accounts.get(account.accountId);
      accounts.set(account.accountId, {
        ...account,
        verdict: known ? worst([known.verdict, account.verdict]) : account.verdict,
        gaps: [...new Set([...(known?.gaps ?? []), ...account.gaps])],
      });
    }
  }
  const inAccount = (list: { accountId: string }[], accountId: string) => list.filter((asset) => asset.accountId === accountId).length;
  return {
    ...base,
    evaluatedCount: evaluated.length,
    evaluatedUnit: decided.every((o) => o.verdict.evaluatedUnit === 'account') ? 'account' : 'asset',
    gaps: [...new Set(decided.flatMap((o) => o.verdict.gaps ?? []))],
    accounts: [...accounts.values()]
      .sort((a, b) => a.accountId.localeCompare(b.accountId))
      .map((account) => ({
        ...account,
        // An account where a rule could not be evaluated cannot pass either.
        verdict: notEvaluated.length > 0 ? worst([account.verdict, 'ERROR']) : account.verdict,
        evaluated: inAccount(evaluated, account.accountId),
        failing: inAccount(failingAssets, account.accountId),
        excepted: inAccount(exceptedAssets, account.accountId),
      })),
  };
}

/**
 * One rule's verdict, as the control's: its query's result against its expectation, on the inventory of its asset
 * types. `evaluatedOut`, when given, receives the assets it evaluated (its denominator), for a control of several rules.
 */
async function evaluateRule(
  api: InventoryApi,
  store: InventoryStore,
  control: Pick<Control, 'id' | 'title' | 'severity'>,
  rule: ControlRule,
  options: EvaluationOptions = {},
  shared?: SharedReads,
  evaluatedOut?: FailingAsset[],
): Promise<ControlVerdict> {
  const now = options.now ?? new Date();
  const exceptions = (options.exceptions ?? []).filter((e) => e.control === control.id);
  const active = exceptions.filter((e) => isActive(e, now));
  const expiredExceptions = exceptions.filter((e) => !isActive(e, now)).map(summary);
  const exceptedAssets: ExceptedAsset[] = [];
  let denominator: Pick<ControlVerdict, 'evaluatedCount' | 'accounts' | 'gaps' | 'evaluatedUnit' | 'undecidedAssets'> = {};
  const verdict = (v: Verdict, reason: string, failingAssets: FailingAsset[] = []): ControlVerdict => ({
    controlId: control.id,
    title: control.title,
    severity: control.severity,
    verdict: v,
    reason,
    failingAssets,
    exceptedAssets,
    expiredExceptions,
    ...denominator,
    evaluatedAt: now.toISOString(),
  });

  // No verdict on a damaged database: an index that lost rows makes the query miss failing assets, and so PASS.
  const integrity = await (shared?.integrity ?? store.checkIntegrity());
  if (!integrity.ok) {
    return {
      ...verdict('ERROR', `${integrityFailure(integrity)}; no verdict is given on it: restore it from a backup, or sync into a new database`),
      databaseProblems: integrity.problems,
    };
  }

  const once = <T>(cache: Map<string, T> | undefined, key: string, read: () => T): T => {
    if (!cache) return read();
    if (!cache.has(key)) cache.set(key, read());
    return cache.get(key)!;
  };
  const inventory = await once(shared?.inventory, [...rule.assetTypes].sort().join(), () => inventoryState(store, rule.assetTypes, options));
  const gaps = inventory.gaps.map((gap) => gap.text);
  // The named checks judge at the verdict's time (AWSLogging4's "within a day").
  const context = () => createContext(store, { now });
  const result = await execute({ schema: api.schema, document: rule.document, contextValue: context() });
  if (result.errors?.length) {
    return verdict('ERROR', `the query failed: ${result.errors.map((e: GraphQLError) => e.message).join('; ')}`);
  }
  const { expectation } = rule;
  // What the rule judges: the root field's value, or what its returnPath leads to from each item (Cyscale's layout).
  const raw = follow((result.data as Record<string, unknown> | null | undefined)?.[rule.rootField], rule.returnPath);
  // Cyscale's applicableAssetsQuery gets the failing assets' ids and returns the applicable assets that did not fail.
  const failedAssetsIdentifiers = assetsIn(raw).map((asset) => asset.id);
  const universe = rule.evaluatesTakesFailing
    ? await execute({ schema: api.schema, document: rule.evaluatesDocument, contextValue: context(), variableValues: { failedAssetsIdentifiers } })
    : await once(shared?.evaluated, print(rule.evaluatesDocument), () => execute({ schema: api.schema, document: rule.evaluatesDocument, contextValue: context() }));
  if (universe.errors?.length) {
    return verdict('ERROR', `the query of the assets it evaluates failed: ${universe.errors.map((e: GraphQLError) => e.message).join('; ')}`);
  }
  // The assets the inventory cannot decide (README, Controls: "Undecided assets"); an asset the query fails is not among them.
  let undecided: FailingAsset[] | undefined;
  if (rule.undecidedDocument) {
    const result = await execute({ schema: api.schema, document: rule.undecidedDocument, contextValue: context() });
    if (result.errors?.length)
      return verdict('ERROR', `the query of the assets it cannot decide failed: ${result.errors.map((e: GraphQLError) => e.message).join('; ')}`);
    const failed = new Set(failedAssetsIdentifiers);
    undecided = assetsIn((result.data as Record<string, unknown> | null | undefined)?.[rule.undecidedRootField!]).filter((asset) => !failed.has(asset.id));
  }
  if (!rule.undecidedDocument && rule.nullableFieldsRead) {
    undecided = await unreadAssets(store, rule.nullableFieldsRead, universe.data, new Set(failedAssetsIdentifiers));
  }
  // What the stored query asked for is what the expectation compares; the identity fields the engine added name the assets.
  // Only a comparison that can look inside the items needs them stripped (not a count, nor lists of different lengths).
  const lengthsDiffer = expectation.kind !== 'count' && Array.isArray(expectation.value) && Array.isArray(raw) && expectation.value.length !== raw.length;
  const actual = expectation.kind === 'count' || lengthsDiffer ? raw : withoutIdentity(raw);
  // Under `eq []` what the query returns fails; under `count > 0` it is what complies, and names no failing asset.
  const returned = listsFailures(expectation) ? assetsIn(raw) : [];
  // Exceptions only ever apply to assets the query returned as failing, and only when every item it returned is one.
  const applies = Array.isArray(actual) && actual.length === returned.length;
  const failingAssets: FailingAsset[] = [];
  for (const asset of returned) {
    const exception = applies ? active.find((e) => exceptionCovers(e.asset, asset)) : undefined;
    if (exception) exceptedAssets.push({ ...asset, exception: summary(exception) });
    else failingAssets.push(asset);
  }
  const evaluated = Object.values(universe.data ?? {}).flatMap(assetsIn);
  // Per account only when the query named every failing asset and its account; otherwise each account gets the whole verdict.
  const perAccount = listsFailures(expectation) && applies && returned.every((asset) => asset.accountId !== '');
  // A failing asset read from a part of the inventory that is complete and fresh: no gap can make it pass.
  const certain = listsFailures(expectation) && applies ? failingAssets.filter(inventory.certain) : [];
  const accountVerdicts = (whole: Verdict) =>
    tallyAccounts(inventory.accountIds, evaluated, failingAssets, exceptedAssets, inventory.gaps, perAccount ? undefined : whole, certain, undecided);
  // The denominator is every asset evaluated, and every asset found failing or undecided even if the evaluated list missed it.
  const counted = new Map([...evaluated, ...failingAssets, ...exceptedAssets, ...(undecided ?? [])].map((asset) => [asset.id, asset]));
  evaluatedOut?.push(...counted.values());
  const undecidedText = undecided?.length ? `${undecided.length} ${undecided.length === 1 ? 'asset' : 'assets'} the inventory cannot decide (${named(undecided)})` : '';
  const decided = (v: Verdict, reason: string, failing: FailingAsset[] = []) => {
    // Never PASS while an asset cannot be decided; a known failure still fails, and the reason names the undecided too.
    const [final, why] =
      undecidedText && v === 'PASS'
        ? ['ERROR' as const, `${undecidedText}, so the control cannot pass; otherwise ${reason}`]
        : [v, undecidedText && v === 'FAIL' ? `${reason}; and ${undecidedText}` : reason];
    denominator = {
      evaluatedCount: counted.size,
      evaluatedUnit: evaluatesAccounts(rule) ? 'account' : 'asset',
      accounts: accountVerdicts(final),
      gaps,
      ...(undecided ? { undecidedAssets: undecided } : {}),
    };
    return verdict(final, why, failing);
  };
  // An account-level control fails accounts, and says so.
  const noun = returned.length > 0 && returned.every((asset) => asset.assetType === 'Account') ? 'account' : 'asset';
  // Under `eq []` a failing asset known for certain fails the control whatever the gaps hide: FAIL, saying both.
  if (gaps.length > 0 && certain.length > 0) {
    const n = failingAssets.length;
    const sure = certain.length === n ? '' : ` (${certain.length} of them for certain: read where the inventory is complete and fresh)`;
    return decided(
      'FAIL',
      `${n} ${n === 1 ? `${noun} fails` : `${noun}s fail`}${sure}; expected "${expectation.source}"; the ${rule.assetTypes.join(', ')} inventory is also incomplete or stale, so more may fail: ${gaps.join('; ')}`,
      failingAssets,
    );
  }
  if (gaps.length > 0) {
    return decided(
      'ERROR',
      `the ${rule.assetTypes.join(', ')} inventory is incomplete or stale: ${gaps.join('; ')}${undecidedText && `; and ${undecidedText}`}`,
      failingAssets,
    );
  }
  if (expectation.kind === 'count' && !Array.isArray(actual)) {
    return decided('ERROR', `the query returned ${preview(actual)}, not a list, so "${expectation.source}" cannot be decided`);
  }
  if (meets(expectation, actual)) return decided('PASS', `the query result meets "${expectation.source}"`);
  const count = Array.isArray(actual) ? actual.length : undefined;
  const excepted = exceptedAssets.length;
  if (excepted > 0) {
    // Every asset the query returned is a failing asset an active exception covers: the control passes, and says so.
    if (failingAssets.length === 0) {
      return decided('PASS', `${excepted} ${excepted === 1 ? `${noun} fails` : `${noun}s fail`}, all excepted by an active exception; expected "${expectation.source}"`);
    }
    const left = failingAssets.length;
    return decided(
      'FAIL',
      `${left} ${left === 1 ? `${noun} fails` : `${noun}s fail`} (and ${excepted} more ${excepted === 1 ? 'is' : 'are'} excepted); expected "${expectation.source}"`,
      failingAssets,
    );
  }
  const what =
    count === undefined
      ? `the query returned ${preview(actual)}`
      : expectation.kind === 'count'
        ? `the query returned ${count} ${count === 1 ? 'asset' : 'assets'}`
        : `${count} ${count === 1 ? `${noun} fails` : `${noun}s fail`}`;
  return decided('FAIL', `${what}; expected "${expectation.source}"`, failingAssets);
}

/**
 * The assets a control evaluates (its `evaluates` query): those its exceptions can cover, as `exceptions list` counts
 * them with the same rule (exceptionCovers) that the evaluation applies to the failing ones.
 */
export async function evaluatedAssets(api: InventoryApi, store: InventoryStore, control: Control): Promise<FailingAsset[]> {
  const assets = new Map<string, FailingAsset>();
  for (const rule of control.rules) {
    // With no failing asset excluded, an applicableAssetsQuery returns every asset the rule applies to.
    const variableValues = rule.evaluatesTakesFailing ? { failedAssetsIdentifiers: [] } : undefined;
    const result = await execute({ schema: api.schema, document: rule.evaluatesDocument, contextValue: createContext(store), variableValues });
    if (result.errors?.length) throw new Error(`${control.id}: the query of the assets it evaluates failed: ${result.errors.map((e) => e.message).join('; ')}`);
    for (const asset of Object.values(result.data ?? {}).flatMap(assetsIn)) assets.set(asset.id, asset);
  }
  return [...assets.values()];
}

/**
 * Why the inventory of these asset types cannot be trusted, or [] when it can: never synced, the latest sync did not
 * finish or failed somewhere, an account's latest attempt failed, or an enabled region was never synced or failed.
 */
export async function inventoryGaps(store: InventoryStore, assetTypes: readonly string[], options: EvaluationOptions = {}): Promise<string[]> {
  return (await inventoryState(store, assetTypes, options)).gaps.map((gap) => gap.text);
}

/** An inventory gap, and the accounts it concerns; null when it concerns the whole inventory (e.g. never synced). */
export interface InventoryGap {
  accountIds: readonly string[] | null;
  text: string;
}

/**
 * inventoryGaps, each with the account it concerns, so that a verdict per account is ERROR only where its data is;
 * and every account the inventory of these asset types covers, so that an account with nothing to evaluate still shows.
 */
export async function inventoryState(
  store: InventoryStore,
  assetTypes: readonly string[],
  options: EvaluationOptions = {},
): Promise<{ gaps: InventoryGap[]; accountIds: string[]; certain: (asset: FailingAsset) => boolean }> {
  const found: InventoryGap[] = [];
  const covered = new Set<string>();
  // The (account, region) scopes whose latest attempt succeeded within the maximum age: what was read there holds.
  const fresh = new Set<string>();
  // The same for the types listed once per account (S3 buckets), by type and account: their one scope is in the region
  // they were listed from, not each asset's own.
  const freshAccounts = new Set<string>();
  // The type whose gaps are being found, and whether a type whose assets can settle another account's check
  // (definition.servesOtherAccounts) has one.
  let gapsOf = '';
  let crossAccountGap = false;
  const gaps = {
    push: (text: string, ...accountIds: string[]) => {
      if (registeredType(gapsOf)?.servesOtherAccounts) crossAccountGap = true;
      found.push({ accountIds: accountIds.length > 0 ? accountIds : null, text });
    },
  };
  const maxAgeHours = options.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS;
  const staleBefore = new Date((options.now ?? new Date()).getTime() - maxAgeHours * 3_600_000).toISOString();
  for (const assetType of assetTypes) {
    gapsOf = assetType;
    const collector = registeredType(assetType)?.collector;
    if (!collector) {
      gaps.push(`no collector gathers ${assetType} assets`);
      continue;
    }
    const latest = await store.latestSyncRun(collector);
    if (!latest) {
      gaps.push(`${assetType} assets have never been synced (run "inventory sync")`);
      continue;
    }
    const coverage = await computeCoverage(store, assetType);
    for (const entry of coverage) covered.add(entry.accountId);
    for (const entry of coverage) {
      if (entry.lastAttemptStatus === 'ok' && !entry.accountFailed && entry.lastSuccessAt !== null && entry.lastSuccessAt >= staleBefore) {
        fresh.add(`${entry.accountId}/${entry.region}`);
        freshAccounts.add(`${assetType}/${entry.accountId}`);
      }
    }
    if (latest.status === 'running') gaps.push(`sync run ${latest.id} has not finished`);
    if (latest.status === 'interrupted') gaps.push(`sync run ${latest.id} was interrupted before it finished`);
    if (latest.status === 'failed' || latest.status === 'partial') {
      // A run that failed in part says which accounts failed in it; a run that failed as a whole concerns every account.
      const failedIn =
        latest.status === 'partial'
          ? [...new Set(coverage.filter((e) => e.lastAttemptRunId === latest.id && (e.lastAttemptStatus === 'failed' || e.accountFailed)).map((e) => e.accountId))]
          : [];
      gaps.push(
        `sync run ${latest.id} ${latest.status === 'failed' ? 'failed' : 'failed in part'}: ${latest.errorMessage ?? latest.errorCode ?? 'no reason recorded'}`,
        ...failedIn,
      );
    }
    // What the latest run reported is said above; older failures that no run has repaired since are said here.
    const olderThanLatest = (entry: CoverageEntry) => entry.lastAttemptRunId !== latest.id;
    for (const [accountId, entries] of byAccount(coverage)) {
      const accountFailure = entries.find((entry) => entry.accountFailed);
      if (accountFailure && olderThanLatest(accountFailure)) {
        gaps.push(`account ${accountId} failed in sync run ${accountFailure.lastAttemptRunId} (${describe(accountFailure.error)})`, accountId);
      }
      if (entries.some((entry) => entry.enabledRegionsUnknown)) {
        gaps.push(`the enabled regions of account ${accountId} have never been read (ec2:DescribeRegions), so its coverage cannot be known`, accountId);
        continue;
      }
      // An enabled region counts only once a sync has read it since: never synced, or skipped while it was disabled, is a gap.
      const notSynced = entries
        .filter((entry) => entry.regionEnabled === true && !entry.accountFailed && (entry.lastAttemptStatus === 'never' || entry.lastAttemptStatus === 'skipped'))
        .map((entry) => entry.region);
      if (notSynced.length > 0) {
        gaps.push(
          `account ${accountId} has ${notSynced.length} enabled ${notSynced.length === 1 ? 'region' : 'regions'} never synced (${notSynced.join(', ')}); sync without --regions to cover them`,
          accountId,
        );
      }
      // Data no sync has confirmed for too long (an account left out of later syncs, a sync job that stopped) is stale.
      const stale = entries.filter((entry) => entry.lastAttemptStatus === 'ok' && entry.lastSuccessAt !== null && entry.lastSuccessAt < staleBefore);
      if (stale.length > 0) {
        const oldest = stale.map((entry) => entry.lastSuccessAt!).sort()[0];
        gaps.push(
          `account ${accountId} has ${stale.length} ${stale.length === 1 ? 'region' : 'regions'} last synced more than ${maxAgeHours} h ago ` +
            `(the oldest at ${oldest}: ${stale
              .slice(0, 3)
              .map((entry) => entry.region)
              .join(', ')}${stale.length > 3 ? ', ...' : ''}); sync it again, or list it under forget in the accounts file if it left the inventory`,
          accountId,
        );
      }
    }
    for (const entry of coverage.filter((e) => e.lastAttemptStatus === 'failed' && !e.accountFailed && olderThanLatest(e))) {
      gaps.push(`account ${entry.accountId} region ${entry.region} failed in sync run ${entry.lastAttemptRunId} (${describe(entry.error)})`, entry.accountId);
    }
  }
  // A regional asset is certain when its region's inventory is fresh; an account-level one (no region: an account
  // without a qualifying trail, say) only when nothing of its account is missing, since what is missing could qualify,
  // nor anything of a type that serves other accounts (the organization's monitoring chain is the management account's),
  // nor a gap of every account (a run that failed as a whole).
  const accountsWithGaps = new Set(found.flatMap((gap) => gap.accountIds ?? []));
  const certain = (asset: FailingAsset) =>
    asset.region === ''
      ? covered.has(asset.accountId) && !accountsWithGaps.has(asset.accountId) && !crossAccountGap && !found.some((gap) => gap.accountIds === null)
      : registeredType(asset.assetType)?.scope === 'account'
        ? freshAccounts.has(`${asset.assetType}/${asset.accountId}`)
        : fresh.has(`${asset.accountId}/${asset.region}`);
  return { gaps: found, accountIds: [...covered], certain };
}

/**
 * Each account's verdict and counts: every account the inventory covers, and any other with an evaluated, failing or
 * excepted asset (e.g. the owner of an organization trail). `whole` is the control's verdict when it is decided over
 * the whole inventory (a count), else undefined.
 */
function tallyAccounts(
  covered: readonly string[],
  evaluated: FailingAsset[],
  failing: FailingAsset[],
  excepted: ExceptedAsset[],
  gaps: InventoryGap[],
  whole: Verdict | undefined,
  certain: readonly FailingAsset[] = [],
  undecided?: readonly FailingAsset[],
): AccountVerdict[] {
  const accounts = new Map<string, { ids: Set<string>; failing: number; certain: number; excepted: number; undecided: number; gaps: string[] }>();
  const account = (accountId: string) => {
    let entry = accounts.get(accountId);
    if (!entry) accounts.set(accountId, (entry = { ids: new Set(), failing: 0, certain: 0, excepted: 0, undecided: 0, gaps: [] }));
    return entry;
  };
  for (const asset of undecided ?? []) {
    account(asset.accountId).undecided++;
    account(asset.accountId).ids.add(asset.id);
  }
  for (const asset of certain) account(asset.accountId).certain++;
  for (const accountId of covered) account(accountId);
  for (const asset of [...evaluated, ...failing, ...excepted]) account(asset.accountId).ids.add(asset.id);
  for (const asset of failing) account(asset.accountId).failing++;
  for (const asset of excepted) account(asset.accountId).excepted++;
  for (const gap of gaps) for (const accountId of gap.accountIds ?? []) account(accountId).gaps.push(gap.text);
  const everywhere = gaps.filter((gap) => gap.accountIds === null).map((gap) => gap.text);
  return [...accounts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([accountId, entry]) => {
      const accountGaps = [...everywhere, ...entry.gaps];
      // A gap makes the account ERROR, unless one of its failing assets is certain: then it fails whatever the gap hides.
      // An account with an asset the inventory cannot decide is ERROR, unless a failure is known there.
      const own: Verdict = entry.failing > 0 ? 'FAIL' : entry.undecided > 0 ? 'ERROR' : 'PASS';
      const verdict: Verdict = accountGaps.length > 0 ? (whole === undefined && entry.certain > 0 ? 'FAIL' : 'ERROR') : (whole ?? own);
      const counts = { evaluated: entry.ids.size, failing: entry.failing, excepted: entry.excepted, ...(undecided ? { undecided: entry.undecided } : {}) };
      return { accountId, verdict, ...counts, gaps: accountGaps };
    });
}

/** Whether the rule evaluates accounts as a whole: its denominator query lists accounts. */
function evaluatesAccounts(rule: ControlRule): boolean {
  const operation = rule.evaluatesDocument.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  const root = operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet.selections[0] : undefined;
  return root?.kind === Kind.FIELD && root.name.value === 'accounts';
}

function byAccount(coverage: CoverageEntry[]): Map<string, CoverageEntry[]> {
  const accounts = new Map<string, CoverageEntry[]>();
  for (const entry of coverage) accounts.set(entry.accountId, [...(accounts.get(entry.accountId) ?? []), entry]);
  return accounts;
}

function describe(error: ScopeError | null): string {
  return `${error?.code ?? 'error'}: ${error?.message ?? ''}`;
}

/** The value at `path` from `value`, through every item of each list on the way (Cyscale's returnPath); `value` for []. */
function follow(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) return value.flatMap((item) => follow(item, path) ?? []);
  if (typeof value !== 'object' || value === null) return undefined;
  return follow((value as Record<string, unknown>)[path[0]!], path.slice(1));
}

/**
 * The evaluated assets a rule without an undecided query cannot decide: those with a field it reads null, because the
 * call that reads it failed (their collectionErrors say which). Without this a denied call would make the rule PASS.
 */
type CollectionErrorRow = { operation: string; code: string };

async function unreadAssets(
  store: InventoryStore,
  fieldsRead: Readonly<Record<string, readonly string[]>>,
  evaluated: Record<string, unknown> | null | undefined,
  failed: ReadonlySet<string>,
): Promise<FailingAsset[]> {
  const ids = new Map<string, Set<string>>();
  for (const [root, value] of Object.entries(evaluated ?? {})) {
    // The default denominator lists `<plural> { id accountId }`, naming its type by the root field alone.
    const rootType = ASSET_TYPES.find((type) => type.plural === root)?.name ?? '';
    for (const asset of assetsIn(value)) {
      const type = asset.assetType || rootType;
      if (fieldsRead[type] && !failed.has(asset.id)) ids.set(type, (ids.get(type) ?? new Set()).add(asset.id));
    }
  }
  const undecided: FailingAsset[] = [];
  for (const [type, wanted] of ids) {
    for (const stored of await store.assetsById(type, [...wanted])) {
      if (!stored) continue;
      const unknown = fieldsRead[type]!.filter((field) => (field === 'tags' ? !stored.tagsKnown : stored[field] === null));
      if (unknown.length === 0) continue;
      undecided.push({
        id: stored.id,
        name: stored.name,
        assetType: type,
        accountId: stored.accountId,
        region: stored.region,
        detail: `${unknown.join(', ')} unknown: ${(stored.collectionErrors as CollectionErrorRow[]).map((e) => `${e.operation} ${e.code}`).join('; ')}`,
      });
    }
  }
  return undecided;
}

function assetsIn(value: unknown): FailingAsset[] {
  if (!Array.isArray(value)) return [];
  const A = IDENTITY_ALIASES;
  return value
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => ({
      id: String(item[A.id] ?? item.id ?? item.arn ?? ''),
      name: String(item[A.name] ?? item.name ?? ''),
      assetType: String(item[A.assetType] ?? item.assetType ?? item[A.__typename] ?? item.__typename ?? ''),
      accountId: String(item[A.accountId] ?? item.accountId ?? ''),
      region: String(item[A.region] ?? item.region ?? ''),
      ...('detail' in item ? { detail: textsIn(item.detail).join('; ') } : {}),
    }));
}

/** The texts within a value the query selected (a string, or the strings in its lists and objects, in order). */
function textsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(textsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(textsIn);
  return [];
}

/** Assets named for a reason: each id, with its detail when the query gave one; the first five, then how many more. */
function named(assets: readonly FailingAsset[]): string {
  const shown = assets.slice(0, 5).map((asset) => (asset.detail ? `${asset.id}: ${asset.detail}` : asset.id));
  return `${shown.join('; ')}${assets.length > 5 ? `; and ${assets.length - 5} more` : ''}`;
}

const IDENTITY_KEYS = new Set<string>(Object.values(IDENTITY_ALIASES));

/** The query's items as the stored query selected them: without the identity fields the engine added. */
function withoutIdentity(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((item) => (typeof item === 'object' && item !== null ? Object.fromEntries(Object.entries(item).filter(([key]) => !IDENTITY_KEYS.has(key))) : item));
}

function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? 'undefined';
  return json.length > 200 ? `${json.slice(0, 200)}...` : json;
}
