// Runs the trail collector over accounts × regions and writes each (account, region) scope in its own transaction.
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { describeAccountRegions, getCallerIdentity, type AccountRegions } from '../../collectors/aws/account.js';
import { collectTrails, TRAILS_COLLECTOR } from '../../collectors/aws/cloudtrail/trails.js';
import { describeAwsError } from '../../collectors/aws/errors.js';
import type { Logger } from '../log.js';
import type { InventoryStore, ScopeCounts, ScopeError, ScopeStatus, SyncRun, TrailScopeResult } from '../store/store.js';

/** Where region-less calls (STS, EC2 DescribeRegions) go when neither AWS_REGION nor a profile names a region. */
export const FALLBACK_REGION = 'us-east-1';

/** An account to sync: credentials from the standard SDK chain unless given. */
export interface AccountTarget {
  /** How logs name the account before its id is known, e.g. "default credentials" or a profile name. */
  label: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface TrailSyncOptions {
  accounts: AccountTarget[];
  /** Regions to sync; when empty, every region enabled for each account (EC2 DescribeRegions). */
  regions?: string[];
  /** SDK attempts per call, retries of throttling and transient errors included (SDK default 3). */
  maxAttempts?: number;
  /** Calls in flight at once per account. */
  concurrency?: number;
  /** Milliseconds before one AWS call is abandoned as timed out. */
  requestTimeoutMs?: number;
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
  error: ScopeError;
}

export interface TrailSyncSummary {
  run: SyncRun;
  scopes: ScopeOutcome[];
  accountFailures: AccountFailure[];
  /** Requested region names an account's partition does not have (EC2 DescribeRegions). */
  unknownRegions: { accountId: string; region: string }[];
  totals: { scopesOk: number; scopesSkipped: number; scopesFailed: number } & ScopeCounts;
  durationMs: number;
}

export async function syncTrails(store: InventoryStore, options: TrailSyncOptions): Promise<TrailSyncSummary> {
  const started = Date.now();
  const { log } = options;
  const requestedRegions = options.regions ?? [];
  const run = await store.startSyncRun({ collector: TRAILS_COLLECTOR, requestedRegions });
  log.info({ runId: run.id, accounts: options.accounts.length, regions: requestedRegions.length ? requestedRegions : 'enabled' }, 'sync started');

  const scopes: ScopeOutcome[] = [];
  const accountFailures: AccountFailure[] = [];
  const unknownRegions: TrailSyncSummary['unknownRegions'] = [];
  try {
    const synced = new Set<string>();
    for (const account of options.accounts) {
      const outcome = await syncAccount(store, run.id, account, options, synced);
      if ('error' in outcome) accountFailures.push(outcome);
      else {
        scopes.push(...outcome.scopes);
        unknownRegions.push(...outcome.unknownRegions.map((region) => ({ accountId: outcome.accountId, region })));
      }
    }
  } catch (error) {
    // A store failure (disk full, locked database): what was written stays written, and the run says why it stopped.
    await store.finishSyncRun(run.id, 'failed', describeAwsError(error));
    log.error({ runId: run.id, err: error }, 'sync aborted');
    throw error;
  }

  const totals = {
    scopesOk: scopes.filter((s) => s.status === 'ok').length,
    scopesSkipped: scopes.filter((s) => s.status === 'skipped').length,
    scopesFailed: scopes.filter((s) => s.status === 'failed').length,
    seen: sum(scopes, 'seen'),
    new: sum(scopes, 'new'),
    changed: sum(scopes, 'changed'),
    deleted: sum(scopes, 'deleted'),
  };
  const failed = totals.scopesFailed + accountFailures.length + unknownRegions.length;
  const status = failed === 0 ? 'succeeded' : totals.scopesOk === 0 ? 'failed' : 'partial';
  const runError = failed === 0 ? undefined : summarizeFailures(scopes, accountFailures, unknownRegions);
  const finished = await store.finishSyncRun(run.id, status, runError);
  const durationMs = Date.now() - started;
  log.info({ runId: run.id, status, ...totals, durationMs }, 'sync finished');
  return { run: finished, scopes, accountFailures, unknownRegions, totals, durationMs };
}

async function syncAccount(
  store: InventoryStore,
  runId: number,
  account: AccountTarget,
  options: TrailSyncOptions,
  synced: Set<string>,
): Promise<{ accountId: string; scopes: ScopeOutcome[]; unknownRegions: string[] } | AccountFailure> {
  const { log } = options;
  const clientConfig = {
    ...(account.credentials ? { credentials: account.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 30_000, throwOnRequestTimeout: true, connectionTimeout: 10_000 },
  };
  const homeRegion = await defaultRegion();
  const sts = new STSClient({ ...clientConfig, region: homeRegion });
  const ec2 = new EC2Client({ ...clientConfig, region: homeRegion });
  let accountId: string;
  let regions: AccountRegions | undefined;
  try {
    try {
      accountId = (await getCallerIdentity(sts)).accountId;
    } catch (error) {
      const failure = { label: account.label, error: describeAwsError(error) };
      log.error({ account: account.label, error: failure.error }, 'account could not be identified');
      return failure;
    }
    if (synced.has(accountId)) {
      log.warn({ account: account.label, accountId }, 'account listed twice; synced once');
      return { accountId, scopes: [], unknownRegions: [] };
    }
    synced.add(accountId);
    try {
      regions = await describeAccountRegions(ec2);
    } catch (error) {
      // Without the opt-in status, named regions can still be synced; discovering them cannot.
      const described = describeAwsError(error);
      if (!options.regions?.length) {
        await store.recordAccount(runId, TRAILS_COLLECTOR, { accountId, status: 'failed', enabledRegions: null, error: described });
        log.error({ accountId, error: described }, 'the regions of the account could not be listed');
        return { label: account.label, accountId, error: described };
      }
      log.warn({ accountId, error: described }, 'the regions of the account could not be listed; syncing the regions named');
    }
  } finally {
    sts.destroy();
    ec2.destroy();
  }
  await store.recordAccount(runId, TRAILS_COLLECTOR, { accountId, status: 'ok', enabledRegions: regions?.enabled ?? null });

  const plan = planRegions(options.regions?.length ? options.regions : regions!.enabled, regions);
  const clients = new Map<string, CloudTrailClient>();
  const cloudTrail = (region: string): CloudTrailClient => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = new CloudTrailClient({ ...clientConfig, region })));
    return client;
  };
  log.info({ accountId, regions: plan.toCollect.length, skipped: plan.notCollected.length }, 'collecting trails');
  let results: TrailScopeResult[];
  try {
    results = await collectTrails({ accountId, regions: plan.toCollect, cloudTrail, ...(options.concurrency ? { concurrency: options.concurrency } : {}) });
  } finally {
    for (const client of clients.values()) client.destroy();
  }

  const scopes: ScopeOutcome[] = [];
  for (const scope of [...results, ...plan.notCollected.map((r) => ({ accountId, ...r, trails: [] }))]) {
    const counts = await store.writeTrailScope(runId, TRAILS_COLLECTOR, scope);
    scopes.push({ accountId, region: scope.region, status: scope.status, ...(scope.error ? { error: scope.error } : {}), ...counts });
    log[scope.status === 'failed' ? 'warn' : 'debug']({ accountId, region: scope.region, status: scope.status, error: scope.error, ...counts }, 'scope written');
  }
  return { accountId, scopes, unknownRegions: plan.unknown };
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
async function defaultRegion(): Promise<string> {
  const probe = new STSClient({});
  try {
    return await probe.config.region();
  } catch {
    return FALLBACK_REGION;
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
