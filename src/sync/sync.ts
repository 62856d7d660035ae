// Runs the collectors (collectors/aws/index.ts) over accounts × regions in one loop: per account, credentials, STS and
// the enabled regions once, then every collector over its regions, accounts in parallel within the configured limits.
// Each collector's runs, scopes and account outcomes are its own (README, "Sync runs"). Every scope is written in its
// own transaction; a failure stays inside its account or scope: the run goes on. With several accounts the SDK makes
// its calls on threads of its own (src/sync/sdk-threads.ts).
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import type { Collector } from '../../collectors/collector.js';
import { describeAwsError } from '../../collectors/aws/errors.js';
import { describeAccountRegions, getCallerIdentity, type AccountRegions } from '../../collectors/aws/account.js';
import { AWS_COLLECTORS, collectorsOf } from '../../collectors/aws/index.js';
import type { Logger } from '../log.js';
import type { ScopeResult } from '../model/scope.js';
import type { AccountRetirement, InventoryStore, ScopeCounts, ScopeError, ScopeStatus, SyncRun } from '../store/store.js';
import { RunClients, type AccountAwsClients, type SharedClientSettings, type SyncClients } from './clients.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, requestHandlerConfig } from './credentials.js';
import { CallLimiter, DEFAULT_LIMITS, type SyncLimits } from './limits.js';
import { SyncProgress } from './progress.js';
import { DEFAULT_MAX_ATTEMPTS } from './settings.js';
import { defaultSdkThreads, SdkThreads } from './sdk-threads.js';
import type { AccountTarget } from './targets.js';

export type { AccountTarget } from './targets.js';

/** Where region-less calls (STS, EC2 DescribeRegions) go when neither AWS_REGION nor a profile names a region. */
export const FALLBACK_REGION = 'us-east-1';

export { DEFAULT_MAX_ATTEMPTS } from './settings.js';

/** How often a running sync says it is alive, so that a run whose process died is seen as interrupted. */
export const HEARTBEAT_MS = 5_000;

export interface SyncOptions {
  /** The accounts, or how to find them (e.g. Organizations discovery, which then happens inside the recorded run). */
  accounts: AccountTarget[] | (() => Promise<AccountTarget[]>);
  /** Regions to sync; when empty, every region enabled for each account (EC2 DescribeRegions). */
  regions?: string[];
  /** SDK attempts per call, retries of throttling and transient errors included (default DEFAULT_MAX_ATTEMPTS). */
  maxAttempts?: number;
  limits?: Partial<SyncLimits>;
  /** Milliseconds before one AWS call is abandoned as timed out. */
  requestTimeoutMs?: number;
  heartbeatMs?: number;
  /** The collectors to run (default AWS_COLLECTORS): exactly one per registered asset type. */
  collectors?: readonly Collector[];
  /** Threads that make the SDK's calls (src/sync/sdk-threads.ts); 0 makes them on the main thread. Default: defaultSdkThreads. */
  threads?: number;
  /** When aborted, accounts not yet started are left out and the run is recorded as interrupted. */
  signal?: AbortSignal;
  progress?: SyncProgress;
  log: Logger;
}

export interface ScopeOutcome extends ScopeCounts {
  /** The collector whose scope it is (`aws.cloudtrail.trails`). */
  collector: string;
  accountId: string;
  region: string;
  status: ScopeStatus;
  error?: ScopeError;
}

export interface AccountFailure {
  label: string;
  accountId?: string;
  /** The accounts file's or AWS Organizations' name for the account, when it has one. */
  name?: string;
  error: ScopeError;
}

export interface RetiredAccount extends AccountRetirement {
  accountId: string;
  name?: string;
  reason: string;
}

export interface SyncSummary {
  /** The first collector's run (the trail collector's): the run of a sync that runs one collector. */
  run: SyncRun;
  /** One run per collector, in registry order (README, "Sync runs"). */
  runs: SyncRun[];
  scopes: ScopeOutcome[];
  accountFailures: AccountFailure[];
  /** Accounts taken out of the inventory in this run, with what left with them. */
  retired: RetiredAccount[];
  /** Requested region names an account's partition does not have (EC2 DescribeRegions). */
  unknownRegions: { accountId: string; region: string }[];
  /** The accounts reached that have a name (the accounts file's, else AWS Organizations'), in the order given. */
  namedAccounts: { accountId: string; name: string }[];
  totals: { accounts: number; scopesOk: number; scopesSkipped: number; scopesFailed: number } & ScopeCounts;
  durationMs: number;
}

export async function syncInventory(store: InventoryStore, options: SyncOptions): Promise<SyncSummary> {
  const started = Date.now();
  const { log } = options;
  const progress = options.progress ?? new SyncProgress();
  const requestedRegions = options.regions ?? [];
  const collectors = collectorsOf(options.collectors ?? AWS_COLLECTORS);
  // One run per collector (README, "Sync runs"): each asset type's coverage, status and verdicts are its own.
  const runs = new Map<string, SyncRun>();
  for (const collector of collectors) {
    const name = collector.definition.collector;
    runs.set(name, await store.startSyncRun({ collector: name, requestedRegions }));
  }
  const runIds = [...runs.values()].map((run) => run.id);
  const heartbeat = setInterval(() => {
    for (const runId of runIds) {
      store.heartbeatSyncRun(runId).catch((error: unknown) => log.warn({ runId, err: error }, 'sync heartbeat not recorded'));
    }
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  log.info({ ...(runIds.length === 1 ? { runId: runIds[0] } : { runIds }), regions: requestedRegions.length ? requestedRegions : 'enabled' }, 'sync started');

  const scopes: ScopeOutcome[] = [];
  const accountFailures: AccountFailure[] = [];
  const retired: RetiredAccount[] = [];
  const unknownRegions: SyncSummary['unknownRegions'] = [];
  const namedAccounts: SyncSummary['namedAccounts'] = [];
  let accountCount = 0;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  let clients: SyncClients | undefined;
  try {
    let accounts: AccountTarget[];
    try {
      accounts = typeof options.accounts === 'function' ? await options.accounts() : options.accounts;
    } catch (error) {
      // Without the list of accounts nothing can be synced; the run says why, and no data is touched.
      const failure = { label: 'account discovery', error: describeAwsError(error) };
      log.error({ error: failure.error }, 'the accounts to sync could not be listed');
      accountFailures.push(failure);
      accounts = [];
    }
    for (const account of accounts.filter((a) => a.retire && a.accountId)) {
      let retirement: AccountRetirement | undefined;
      for (const [collector, run] of runs) {
        const part = await store.retireAccount(run.id, collector, account.accountId!, account.retire!);
        // Each collector retires its own types: the account's regions once, its deleted assets by type.
        if (part)
          retirement = retirement ? { regions: Math.max(retirement.regions, part.regions), assetsDeleted: { ...retirement.assetsDeleted, ...part.assetsDeleted } } : part;
      }
      if (retirement) {
        retired.push({ accountId: account.accountId!, ...(account.name ? { name: account.name } : {}), reason: account.retire!, ...retirement });
        log.info({ accountId: account.accountId, reason: account.retire, ...retirement }, 'account retired from the inventory');
      }
    }
    accounts = accounts.filter((a) => !a.retire);
    if (accounts.length === 0 && accountFailures.length === 0) {
      // Nothing synced must never read as "all synced": a run over no account fails.
      const error = { code: 'NoAccounts', message: 'there is no account to sync: check the organization and its include and exclude lists' };
      log.error({ error }, 'no account to sync');
      accountFailures.push({ label: 'account discovery', error });
    }
    accountCount = accounts.length;
    progress.accountsPlanned(accounts.length);
    clients = await syncClients(limits, options, options.threads ?? defaultSdkThreads(accounts.length));
    const context: AccountContext = { store, runs, collectors, options, clients, homeRegion: await defaultRegion(), synced: new Set(), progress };
    // As many accounts in flight as global slots: most of an account's time goes to its serial first calls and retries.
    const accountsInFlight = pLimit(limits.concurrency);
    // Settled, not Promise.all: if one account fails unexpectedly, no other account is still writing when the run ends.
    const settled = await Promise.allSettled(
      accounts.map((account) =>
        accountsInFlight(async () => {
          if (options.signal?.aborted) return undefined;
          const outcome = await syncAccount(context, account);
          if ('error' in outcome) progress.accountFailed();
          else progress.accountDone();
          return outcome;
        }),
      ),
    );
    const unexpected = settled.find((result) => result.status === 'rejected');
    if (unexpected) throw unexpected.reason;
    // Reported in the order the accounts were given, whatever order they finished in.
    for (const result of settled) {
      const outcome = result.status === 'fulfilled' ? result.value : undefined;
      if (!outcome) continue;
      if ('error' in outcome) accountFailures.push(outcome);
      else {
        scopes.push(...outcome.scopes);
        if (outcome.name && !namedAccounts.some((a) => a.accountId === outcome.accountId)) namedAccounts.push({ accountId: outcome.accountId, name: outcome.name });
        unknownRegions.push(...outcome.unknownRegions.map((region) => ({ accountId: outcome.accountId, region })));
      }
    }
  } catch (error) {
    // A store failure (disk full, locked database): what was written stays written, and the runs say why they stopped.
    for (const runId of runIds) await store.finishSyncRun(runId, 'failed', describeAwsError(error));
    log.error({ runIds, err: error }, 'sync aborted');
    throw error;
  } finally {
    clearInterval(heartbeat);
    await clients?.close();
  }

  const totals = totalsOf(scopes, accountCount);
  const finished: SyncRun[] = [];
  for (const [collector, run] of runs) {
    // A run's status is its collector's: its scopes, and the accounts and region names that failed every collector.
    const own = scopes.filter((scope) => scope.collector === collector);
    const ownTotals = totalsOf(own, accountCount);
    const failed = ownTotals.scopesFailed + accountFailures.length + unknownRegions.length;
    const status = options.signal?.aborted ? 'interrupted' : failed === 0 ? 'succeeded' : ownTotals.scopesOk === 0 ? 'failed' : 'partial';
    const runError = failed === 0 ? undefined : summarizeFailures(own, accountFailures, unknownRegions);
    finished.push(await store.finishSyncRun(run.id, status, runError));
    if (runs.size > 1) log.info({ runId: run.id, collector, status, ...ownTotals }, 'sync run finished');
  }
  const durationMs = Date.now() - started;
  // One run: the line it always was; several: each run's line above, and the ids here.
  const runFields = finished.length === 1 ? { runId: finished[0]!.id, status: finished[0]!.status } : { runIds };
  log.info({ ...runFields, ...totals, durationMs }, 'sync finished');
  return { run: finished[0]!, runs: finished, scopes, accountFailures, retired, unknownRegions, namedAccounts, totals, durationMs };
}

function totalsOf(scopes: ScopeOutcome[], accounts: number): SyncSummary['totals'] {
  return {
    accounts,
    scopesOk: scopes.filter((s) => s.status === 'ok').length,
    scopesSkipped: scopes.filter((s) => s.status === 'skipped').length,
    scopesFailed: scopes.filter((s) => s.status === 'failed').length,
    seen: sum(scopes, 'seen'),
    new: sum(scopes, 'new'),
    changed: sum(scopes, 'changed'),
    deleted: sum(scopes, 'deleted'),
  };
}

interface AccountContext {
  store: InventoryStore;
  /** Each collector's run, by collector id. */
  runs: ReadonlyMap<string, SyncRun>;
  collectors: readonly Collector[];
  options: SyncOptions;
  clients: SyncClients;
  /** The region of region-less calls (STS, EC2 DescribeRegions) and of types listed once per account. */
  homeRegion: string;
  /** Accounts already synced in this run, so an account listed twice is synced once. */
  synced: Set<string>;
  progress: SyncProgress;
}

type AccountResult = { accountId: string; name?: string; scopes: ScopeOutcome[]; unknownRegions: string[] } | AccountFailure;

async function syncAccount(context: AccountContext, account: AccountTarget): Promise<AccountResult> {
  const { store, runs, options, homeRegion } = context;
  const { log } = options;
  // Until the account id is known, its calls share the limits of its label.
  const clients = context.clients.forAccount(account.accountId ?? account.label, account.credentials);
  let accountId: string;
  let regions: AccountRegions | undefined;
  /** The account's outcome, recorded for every collector: each collector's coverage is its own. */
  const recordAccount = async (outcome: Parameters<InventoryStore['recordAccount']>[2]): Promise<void> => {
    for (const [collector, run] of runs) await store.recordAccount(run.id, collector, outcome);
  };
  const fail = async (error: ScopeError, knownId: string | undefined, message: string): Promise<AccountFailure> => {
    // An account known by id is recorded, so coverage shows it failing instead of silently missing.
    if (knownId) await recordAccount({ accountId: knownId, status: 'failed', enabledRegions: null, error, name: account.name ?? null });
    log.error({ account: account.label, accountId: knownId, error }, message);
    return { label: account.label, ...(knownId ? { accountId: knownId } : {}), ...(account.name ? { name: account.name } : {}), error };
  };
  if (account.unreachable) return await fail(account.unreachable, account.accountId, 'account cannot be synced');
  try {
    accountId = (await getCallerIdentity(clients.client(STSClient, homeRegion, 'sts'))).accountId;
  } catch (error) {
    return await fail(describeAwsError(error), account.accountId, 'account could not be reached');
  }
  if (account.accountId && account.accountId !== accountId) {
    const error = { code: 'WrongAccount', message: `the credentials for ${account.label} belong to account ${accountId}` };
    return await fail(error, account.accountId, 'account credentials belong to another account');
  }
  if (context.synced.has(accountId)) {
    log.warn({ account: account.label, accountId }, 'account listed twice; synced once');
    return { accountId, scopes: [], unknownRegions: [] };
  }
  context.synced.add(accountId);
  try {
    regions = await describeAccountRegions(clients.client(EC2Client, homeRegion, 'ec2'));
  } catch (error) {
    // Without the opt-in status, named regions can still be synced; discovering them cannot.
    const described = describeAwsError(error);
    if (!options.regions?.length) return await fail(described, accountId, 'the regions of the account could not be listed');
    log.warn({ accountId, error: described }, 'the regions of the account could not be listed; syncing the regions named');
  }
  clients.limitAs(accountId);
  await recordAccount({ accountId, status: 'ok', enabledRegions: regions?.enabled ?? null, name: account.name ?? null });

  const plan = planRegions(options.regions?.length ? options.regions : regions!.enabled, regions);
  const scopes: (ScopeOutcome & { index: number })[] = [];
  // Every collector at once (their calls share the account's limits); each one's scopes are written as soon as it is done.
  await Promise.all(context.collectors.map(async (collector) => scopes.push(...(await runCollector(context, collector, accountId, plan, clients)))));
  // In the order of the collectors, then of the regions, whatever order they finished in.
  const order = new Map(context.collectors.map((c, i) => [c.definition.collector, i]));
  scopes.sort((a, b) => order.get(a.collector)! - order.get(b.collector)! || a.index - b.index);
  return { accountId, ...(account.name ? { name: account.name } : {}), scopes: scopes.map(({ index: _index, ...scope }) => scope), unknownRegions: plan.unknown };
}

/** One collector over one account: its regions, its results written one scope at a time, skipped regions recorded. */
async function runCollector(
  context: AccountContext,
  collector: Collector,
  accountId: string,
  plan: RegionPlan,
  clients: AccountAwsClients,
): Promise<(ScopeOutcome & { index: number })[]> {
  const { store, options, progress } = context;
  const { definition } = collector;
  const runId = context.runs.get(definition.collector)!.id;
  // A type listed once per account is listed from one region: the home region when the account can use it.
  const regional = definition.scope === 'regional';
  const home = plan.toCollect.includes(context.homeRegion) || plan.toCollect.length === 0 ? context.homeRegion : plan.toCollect[0]!;
  const regions = regional ? plan.toCollect : [home];
  progress.scopesPlanned(regions.length + (regional ? plan.notCollected.length : 0));
  options.log.info(
    { accountId, collector: definition.collector, regions: regions.length, skipped: regional ? plan.notCollected.length : 0 },
    `collecting ${definition.plural}`,
  );
  const results = await collector.collect({ accountId, regions, clients });
  const skipped: ScopeResult[] = regional ? plan.notCollected.map((r) => ({ assetType: definition.name, accountId, ...r, assets: [] })) : [];
  const outcomes: (ScopeOutcome & { index: number })[] = [];
  for (const scope of [...results, ...skipped]) {
    const counts = await store.writeScope(runId, scope);
    outcomes.push({
      index: outcomes.length,
      collector: definition.collector,
      accountId,
      region: scope.region,
      status: scope.status,
      ...(scope.error ? { error: scope.error } : {}),
      ...counts,
    });
    progress.scopeWritten(scope.status, counts);
    options.log[scope.status === 'failed' ? 'warn' : 'debug'](
      { accountId, collector: definition.collector, region: scope.region, status: scope.status, error: scope.error, ...counts },
      'scope written',
    );
  }
  return outcomes;
}

interface RegionPlan {
  toCollect: string[];
  notCollected: Pick<ScopeResult, 'region' | 'status' | 'error'>[];
  /** Names the partition does not have: a mistake in the request, not a scope of the account. */
  unknown: string[];
}

/**
 * Which of the requested regions to collect. An opt-in region the account has not enabled is skipped (its endpoint
 * refuses the account's credentials); a name the partition does not have is set apart. Unknown opt-in status: collect.
 */
function planRegions(requested: string[], regions: AccountRegions | undefined): RegionPlan {
  const toCollect: string[] = [];
  const notCollected: RegionPlan['notCollected'] = [];
  const unknown: string[] = [];
  for (const region of new Set(requested)) {
    if (!regions || regions.enabled.includes(region)) toCollect.push(region);
    else if (regions.notEnabled.includes(region)) {
      notCollected.push({ region, status: 'skipped', error: { code: 'RegionNotEnabled', message: `${region} is an opt-in region this account has not enabled` } });
    } else {
      unknown.push(region);
    }
  }
  return { toCollect, notCollected, unknown };
}

/** The run's clients: on the main thread, or spread over `threads` SDK threads. */
async function syncClients(limits: SyncLimits, options: SyncOptions, threads: number): Promise<SyncClients> {
  const settings = await sharedClientSettings();
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const requestHandler = requestHandlerConfig(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  if (threads > 0) return new SdkThreads(threads, { settings, limits, maxAttempts, requestHandler });
  return new RunClients(settings, new CallLimiter(limits), { maxAttempts, requestHandler });
}

/** The region the SDK would use from AWS_REGION or the profile, else FALLBACK_REGION. */
export async function defaultRegion(): Promise<string> {
  const probe = new STSClient({});
  try {
    return await probe.config.region();
  } catch {
    return FALLBACK_REGION;
  } finally {
    probe.destroy();
  }
}

/**
 * Settings each client would read from the environment and the profile (AWS_USE_FIPS_ENDPOINT, AWS_RETRY_MODE, ...),
 * read once per run and handed to every client: reading them per client costs more CPU than the calls themselves.
 */
async function sharedClientSettings(): Promise<SharedClientSettings> {
  const probe = new CloudTrailClient({ region: FALLBACK_REGION });
  try {
    const { config } = probe;
    const appId = await config.userAgentAppId();
    return {
      useFipsEndpoint: await config.useFipsEndpoint(),
      useDualstackEndpoint: await config.useDualstackEndpoint(),
      retryMode: typeof config.retryMode === 'function' ? await config.retryMode() : config.retryMode,
      // '' when none is configured: given, it is not looked up again in the environment and profile by every client.
      userAgentAppId: appId ?? '',
      authSchemePreference: await config.authSchemePreference(),
    };
  } finally {
    probe.destroy();
  }
}

function sum(scopes: ScopeOutcome[], key: keyof ScopeCounts): number {
  return scopes.reduce((total, scope) => total + scope[key], 0);
}

function summarizeFailures(scopes: ScopeOutcome[], accounts: AccountFailure[], unknownRegions: SyncSummary['unknownRegions']): ScopeError {
  const parts = [
    ...accounts.map((a) => `${a.accountId ?? a.label}: ${a.error.code}`),
    ...unknownRegions.map((u) => `${u.accountId}/${u.region}: not a region of the account's partition`),
    ...scopes.filter((s) => s.status === 'failed').map((s) => `${s.accountId}/${s.region}: ${s.error?.code ?? 'failed'} (${s.error?.message ?? ''})`),
  ];
  const shown = parts.slice(0, 10).join('; ');
  return { code: 'ScopesFailed', message: `${parts.length} failed: ${shown}${parts.length > 10 ? '; ...' : ''}` };
}
