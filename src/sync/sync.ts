// Runs the trail collector over accounts × regions, accounts in parallel within the configured limits, and writes each
// (account, region) scope in its own transaction. A failure stays inside its account or scope: the run goes on.
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { STSClient } from '@aws-sdk/client-sts';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import pLimit from 'p-limit';
import { describeAwsError } from '../../collectors/aws/errors.js';
import { describeAccountRegions, getCallerIdentity, type AccountRegions } from '../../collectors/aws/account.js';
import { collectTrails, TRAILS_COLLECTOR } from '../../collectors/aws/cloudtrail/trails.js';
import type { Logger } from '../log.js';
import type { AccountRetirement, InventoryStore, ScopeCounts, ScopeError, ScopeStatus, SyncRun, TrailScopeResult } from '../store/store.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, requestHandlerConfig } from './credentials.js';
import { CallLimiter, DEFAULT_LIMITS, type SyncLimits } from './limits.js';
import { SyncProgress } from './progress.js';
import type { AccountTarget } from './targets.js';

export type { AccountTarget } from './targets.js';

/** Where region-less calls (STS, EC2 DescribeRegions) go when neither AWS_REGION nor a profile names a region. */
export const FALLBACK_REGION = 'us-east-1';

/** Attempts per AWS call, retries included: throttling and transient errors are retried with backoff and full jitter. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** How often a running sync says it is alive, so that a run whose process died is seen as interrupted. */
export const HEARTBEAT_MS = 5_000;

export interface TrailSyncOptions {
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
  /** When aborted, accounts not yet started are left out and the run is recorded as interrupted. */
  signal?: AbortSignal;
  progress?: SyncProgress;
  log: Logger;
}

export interface ScopeOutcome extends ScopeCounts {
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

export interface TrailSyncSummary {
  run: SyncRun;
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

export async function syncTrails(store: InventoryStore, options: TrailSyncOptions): Promise<TrailSyncSummary> {
  const started = Date.now();
  const { log } = options;
  const progress = options.progress ?? new SyncProgress();
  const requestedRegions = options.regions ?? [];
  const run = await store.startSyncRun({ collector: TRAILS_COLLECTOR, requestedRegions });
  const heartbeat = setInterval(() => {
    store.heartbeatSyncRun(run.id).catch((error: unknown) => log.warn({ runId: run.id, err: error }, 'sync heartbeat not recorded'));
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  log.info({ runId: run.id, regions: requestedRegions.length ? requestedRegions : 'enabled' }, 'sync started');

  const scopes: ScopeOutcome[] = [];
  const accountFailures: AccountFailure[] = [];
  const retired: RetiredAccount[] = [];
  const unknownRegions: TrailSyncSummary['unknownRegions'] = [];
  const namedAccounts: TrailSyncSummary['namedAccounts'] = [];
  let accountCount = 0;
  // One pool of keep-alive connections for every client of the run: thousands of clients must not open thousands of connections.
  const agents = { httpAgent: new HttpAgent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) };
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
      const retirement = await store.retireAccount(run.id, TRAILS_COLLECTOR, account.accountId!, account.retire!);
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
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const context: AccountContext = {
      store,
      runId: run.id,
      options,
      limiter: new CallLimiter(limits),
      homeRegion: await defaultRegion(),
      clientSettings: await sharedClientSettings(),
      synced: new Set(),
      progress,
      agents,
    };
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
    // A store failure (disk full, locked database): what was written stays written, and the run says why it stopped.
    await store.finishSyncRun(run.id, 'failed', describeAwsError(error));
    log.error({ runId: run.id, err: error }, 'sync aborted');
    throw error;
  } finally {
    clearInterval(heartbeat);
    agents.httpAgent.destroy();
    agents.httpsAgent.destroy();
  }

  const totals = {
    accounts: accountCount,
    scopesOk: scopes.filter((s) => s.status === 'ok').length,
    scopesSkipped: scopes.filter((s) => s.status === 'skipped').length,
    scopesFailed: scopes.filter((s) => s.status === 'failed').length,
    seen: sum(scopes, 'seen'),
    new: sum(scopes, 'new'),
    changed: sum(scopes, 'changed'),
    deleted: sum(scopes, 'deleted'),
  };
  const failed = totals.scopesFailed + accountFailures.length + unknownRegions.length;
  const status = options.signal?.aborted ? 'interrupted' : failed === 0 ? 'succeeded' : totals.scopesOk === 0 ? 'failed' : 'partial';
  const runError = failed === 0 ? undefined : summarizeFailures(scopes, accountFailures, unknownRegions);
  const finished = await store.finishSyncRun(run.id, status, runError);
  const durationMs = Date.now() - started;
  log.info({ runId: run.id, status, ...totals, durationMs }, 'sync finished');
  return { run: finished, scopes, accountFailures, retired, unknownRegions, namedAccounts, totals, durationMs };
}

interface AccountContext {
  store: InventoryStore;
  runId: number;
  options: TrailSyncOptions;
  limiter: CallLimiter;
  /** The region of region-less calls (STS, EC2 DescribeRegions). */
  homeRegion: string;
  /** Accounts already synced in this run, so an account listed twice is synced once. */
  synced: Set<string>;
  progress: SyncProgress;
  agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent };
  clientSettings: Record<string, unknown>;
}

type AccountResult = { accountId: string; name?: string; scopes: ScopeOutcome[]; unknownRegions: string[] } | AccountFailure;

async function syncAccount(context: AccountContext, account: AccountTarget): Promise<AccountResult> {
  const { store, runId, options, limiter, homeRegion } = context;
  const { log } = options;
  const clientConfig = {
    ...context.clientSettings,
    ...(account.credentials ? { credentials: account.credentials } : {}),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: { ...requestHandlerConfig(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS), ...context.agents },
  };
  // Until the account id is known, its calls share the limits of its label.
  const limitKey = account.accountId ?? account.label;
  const sts = new STSClient({ ...clientConfig, region: homeRegion });
  const ec2 = new EC2Client({ ...clientConfig, region: homeRegion });
  limiter.attach(sts, limitKey, homeRegion, 'sts');
  limiter.attach(ec2, limitKey, homeRegion, 'ec2');
  let accountId: string;
  let regions: AccountRegions | undefined;
  const fail = async (error: ScopeError, knownId: string | undefined, message: string): Promise<AccountFailure> => {
    // An account known by id is recorded, so coverage shows it failing instead of silently missing.
    if (knownId) await store.recordAccount(runId, TRAILS_COLLECTOR, { accountId: knownId, status: 'failed', enabledRegions: null, error, name: account.name ?? null });
    log.error({ account: account.label, accountId: knownId, error }, message);
    return { label: account.label, ...(knownId ? { accountId: knownId } : {}), ...(account.name ? { name: account.name } : {}), error };
  };
  if (account.unreachable) return await fail(account.unreachable, account.accountId, 'account cannot be synced');
  try {
    accountId = (await getCallerIdentity(sts)).accountId;
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
    regions = await describeAccountRegions(ec2);
  } catch (error) {
    // Without the opt-in status, named regions can still be synced; discovering them cannot.
    const described = describeAwsError(error);
    if (!options.regions?.length) return await fail(described, accountId, 'the regions of the account could not be listed');
    log.warn({ accountId, error: described }, 'the regions of the account could not be listed; syncing the regions named');
  }
  await store.recordAccount(runId, TRAILS_COLLECTOR, { accountId, status: 'ok', enabledRegions: regions?.enabled ?? null, name: account.name ?? null });

  const plan = planRegions(options.regions?.length ? options.regions : regions!.enabled, regions);
  context.progress.scopesPlanned(plan.toCollect.length + plan.notCollected.length);
  const clients = new Map<string, CloudTrailClient>();
  const cloudTrail = (region: string): CloudTrailClient => {
    let client = clients.get(region);
    if (!client) {
      clients.set(region, (client = new CloudTrailClient({ ...clientConfig, region })));
      limiter.attach(client, accountId, region, 'cloudtrail');
    }
    return client;
  };
  log.info({ accountId, regions: plan.toCollect.length, skipped: plan.notCollected.length }, 'collecting trails');
  // Clients are not destroyed one by one: that would close the shared connection pool (closed when the run ends).
  const results = await collectTrails({ accountId, regions: plan.toCollect, cloudTrail });

  const scopes: ScopeOutcome[] = [];
  for (const scope of [...results, ...plan.notCollected.map((r) => ({ accountId, ...r, trails: [] }))]) {
    const counts = await store.writeTrailScope(runId, TRAILS_COLLECTOR, scope);
    scopes.push({ accountId, region: scope.region, status: scope.status, ...(scope.error ? { error: scope.error } : {}), ...counts });
    context.progress.scopeWritten(scope.status, counts);
    log[scope.status === 'failed' ? 'warn' : 'debug']({ accountId, region: scope.region, status: scope.status, error: scope.error, ...counts }, 'scope written');
  }
  return { accountId, ...(account.name ? { name: account.name } : {}), scopes, unknownRegions: plan.unknown };
}

/**
 * Which of the requested regions to collect. An opt-in region the account has not enabled is skipped (its endpoint
 * refuses the account's credentials); a name the partition does not have is set apart. Unknown opt-in status: collect.
 */
function planRegions(requested: string[], regions: AccountRegions | undefined): {
  toCollect: string[];
  notCollected: Pick<TrailScopeResult, 'region' | 'status' | 'error'>[];
  /** Names the partition does not have: a mistake in the request, not a scope of the account. */
  unknown: string[];
} {
  const toCollect: string[] = [];
  const notCollected: Pick<TrailScopeResult, 'region' | 'status' | 'error'>[] = [];
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
async function sharedClientSettings(): Promise<Record<string, unknown>> {
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
    };
  } finally {
    probe.destroy();
  }
}

function sum(scopes: ScopeOutcome[], key: keyof ScopeCounts): number {
  return scopes.reduce((total, scope) => total + scope[key], 0);
}

function summarizeFailures(scopes: ScopeOutcome[], accounts: AccountFailure[], unknownRegions: TrailSyncSummary['unknownRegions']): ScopeError {
  const parts = [
    ...accounts.map((a) => `${a.accountId ?? a.label}: ${a.error.code}`),
    ...unknownRegions.map((u) => `${u.accountId}/${u.region}: not a region of the account's partition`),
    ...scopes.filter((s) => s.status === 'failed').map((s) => `${s.accountId}/${s.region}: ${s.error?.code ?? 'failed'} (${s.error?.message ?? ''})`),
  ];
  const shown = parts.slice(0, 10).join('; ');
  return { code: 'ScopesFailed', message: `${parts.length} failed: ${shown}${parts.length > 10 ? '; ...' : ''}` };
}
