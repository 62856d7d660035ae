// A full sync of a simulated AWS organization against the lower bound its concurrency and rate limits allow.
// The organization: 200 accounts × 17 regions with trails and KMS keys, 20 ms per call, 10 CloudTrail calls per second
// per account and region (ThrottlingException above), 2% transient errors, one member role that cannot be assumed, one
// denied region. The lower bound counts every call that passes the sync's limiter, of every collector.
// Then: an unchanged sync's row writes, what a dashboard reads afterwards, and kill -9 in the middle of a full sync.
// Usage: npm run bench -- org-sync; the organization's size and the sync's limits come from the environment:
// BENCH_SYNC_ACCOUNTS (200), BENCH_SYNC_CONCURRENCY and BENCH_SYNC_ACCOUNT_CONCURRENCY (the sync's defaults).
// --trails and --runs do not apply: the simulated organization has its own trails, and one faulty sync is measured.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../src/controls/catalog.js';
import { evaluateControls } from '../src/controls/evaluate.js';
import { createInventoryApi, runQuery } from '../src/graphql/execute.js';
import { silentLogger } from '../src/log.js';
import type { OrganizationScenario } from '../src/simulator/index.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { parseAccountsConfig } from '../src/sync/accounts-config.js';
import { DEFAULT_LIMITS, RateLimit, type SyncLimits } from '../src/sync/limits.js';
import { syncInventory, type SyncSummary } from '../src/sync/sync.js';
import { resolveAccountTargets } from '../src/sync/targets.js';
import { countRowWrites } from '../test/support/store.js';
import type { Benchmark, Measurement } from './lib/measure.js';
import type { CallStats, SimulatorRequest } from './simulator-process.js';

export const LATENCY_MS = 20;
export const RATIO_BAR = 1.5;
/**
 * The longest chain of calls one account must make one after another: AssumeRole, GetCallerIdentity, DescribeRegions,
 * then KMS's ListKeys, DescribeKey, GetKeyRotationStatus (CloudTrail's DescribeTrails, GetTrailStatus is shorter).
 */
const SERIAL_CALLS_PER_ACCOUNT = 6;

export interface OrgSyncOptions {
  accounts: number;
  limits: SyncLimits;
  /** SDK threads (BENCH_SYNC_THREADS; the sync's default when unset). */
  threads?: number;
}

/** The organization's size and the sync's limits, from BENCH_SYNC_ACCOUNTS, BENCH_SYNC_CONCURRENCY and BENCH_SYNC_ACCOUNT_CONCURRENCY. */
export function orgSyncOptions(env: NodeJS.ProcessEnv = process.env): OrgSyncOptions {
  const positive = (name: string, least = 1): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < least) throw new Error(`${name} must be an integer of at least ${least}, not "${text}"`);
    return value;
  };
  const concurrency = positive('BENCH_SYNC_CONCURRENCY');
  const accountConcurrency = positive('BENCH_SYNC_ACCOUNT_CONCURRENCY');
  const threads = positive('BENCH_SYNC_THREADS', 0);
  return {
    ...(threads === undefined ? {} : { threads }),
    accounts: positive('BENCH_SYNC_ACCOUNTS') ?? 200,
    limits: { ...DEFAULT_LIMITS, ...(concurrency ? { concurrency } : {}), ...(accountConcurrency ? { accountConcurrency } : {}) },
  };
}

export const orgSync: Benchmark = {
  name: 'org-sync',
  description: 'the sync of a simulated organization with faults (BENCH_SYNC_ACCOUNTS, 200) vs the lower bound its limits allow',
  run: ({ log }) => runOrgSync(orgSyncOptions(), log).then((m) => [m]),
};

/** The AWS variables the sync reads, pointed at the simulator while the benchmark runs and restored after. */
const AWS_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
] as const;

export async function runOrgSync({ accounts, limits, threads }: OrgSyncOptions, log: (line: string) => void): Promise<Measurement> {
  const scenarioOptions = { accounts, latencyMs: LATENCY_MS, callsPerSecond: limits.callsPerSecond, transientErrorRate: 0.02 };
  const simulator = fork(new URL('./simulator-process.ts', import.meta.url), [JSON.stringify(scenarioOptions)], { execArgv: ['--import', 'tsx'] });
  const dir = mkdtempSync(join(tmpdir(), 'inventory-bench-sync-'));
  const savedEnv = Object.fromEntries(AWS_VARIABLES.map((name) => [name, process.env[name]]));
  try {
    const { url, org } = await nextMessage<{ url: string; org: Omit<OrganizationScenario, 'scenario'> }>(simulator);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: org.management.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: org.management.SecretAccessKey,
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const config = parseAccountsConfig(`organization:\n  member_role_name: ${org.memberRoleName}\n`, 'bench accounts');
    const dbPath = join(dir, 'inventory.db');
    const store = SqliteStore.open(dbPath);
    const sync = (): Promise<SyncSummary> =>
      syncInventory(store, {
        accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 5, log: silentLogger }),
        limits,
        ...(threads === undefined ? {} : { threads }),
        log: silentLogger,
      });

    log(
      `organization: ${org.activeAccountIds.length} active accounts (+${org.suspendedAccountIds.length} suspended) × 17 regions, ` +
        `${LATENCY_MS} ms per call, ${limits.callsPerSecond} calls/s per account and region, 2% transient errors`,
    );
    log(`limits: ${limits.concurrency} calls in flight, ${limits.accountConcurrency} per account, ${limits.callsPerSecond} calls/s per account, region and service`);

    // 1. A good day: everything synced, so the faulty run below has data it must not lose.
    await ask(simulator, { type: 'faults', on: false });
    const clean = await sync();
    log(`first sync, no faults: ${clean.run.status}, ${clean.totals.scopesOk} scopes ok, ${clean.totals.new} trails, ${(clean.durationMs / 1000).toFixed(2)} s`);

    // 2. The measured run: a role that cannot be assumed, a denied region, throttling above the rate, transient errors.
    await ask(simulator, { type: 'faults', on: true });
    await ask(simulator, { type: 'reset' });
    const cpuBefore = process.cpuUsage();
    const measured = await sync();
    const cpu = process.cpuUsage(cpuBefore);
    const { stats } = await ask<{ stats: CallStats }>(simulator, { type: 'stats' });
    const failedScopes = measured.scopes.filter((s) => s.status === 'failed').map((s) => `${s.accountId}/${s.region}`);
    const failedAccounts = measured.accountFailures.map((a) => a.accountId ?? a.label);
    const live = new Set((await store.findTrails({}, { limit: 10_000, fields: ['arn'] })).map((t) => t.arn));
    const lost = org.trailArns.filter((arn) => !live.has(arn));
    const faultsAsExpected = failedScopes.join() === `${org.deniedScope!.accountId}/${org.deniedScope!.region}` && failedAccounts.join() === org.unassumableAccountId;
    log(
      `faulty sync: ${measured.run.status}; ${measured.totals.scopesOk} scopes ok, ${measured.totals.scopesFailed} failed (${failedScopes.join(', ')}), ` +
        `accounts failed: ${failedAccounts.join(', ')} (${measured.accountFailures.map((a) => a.error.code).join(', ')}); ` +
        `the two faults ${faultsAsExpected ? 'recorded as expected' : 'NOT as expected'}; trails lost: ${lost.length} of ${org.trailArns.length}`,
    );
    log(
      `calls: ${stats.calls} answered (${Object.entries(stats.errors)
        .map(([code, n]) => `${n} ${code}`)
        .join(', ')})`,
    );

    const bound = lowerBound(stats, limits);
    const ratio = measured.durationMs / bound.ms;
    log(
      `lower bound ${(bound.ms / 1000).toFixed(2)} s (${bound.why}); CPU used: sync ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (${((cpu.user + cpu.system) / 1e3 / measured.scopes.length).toFixed(2)} ms per scope), simulator ${stats.simulatorCpuSeconds.toFixed(2)} s`,
    );
    log(
      `sync wall time ${(measured.durationMs / 1000).toFixed(2)} s vs lower bound ${(bound.ms / 1000).toFixed(2)} s: ratio ${ratio.toFixed(2)} (bar ${RATIO_BAR}: ${ratio <= RATIO_BAR ? 'met' : 'NOT met'})`,
    );

    // 3. Nothing changed in the organization: count the rows a sync writes into the asset tables.
    const written = countRowWrites(store, ['trails', 'asset_sightings', 'asset_tags', 'asset_changes']);
    const unchanged = await sync();
    log(
      `unchanged sync: ${unchanged.run.status}, ${unchanged.totals.new} new, ${unchanged.totals.changed} changed, ${unchanged.totals.deleted} deleted; ` +
        `rows written: ${Object.entries(written.read())
          .map(([table, n]) => `${table} ${n}`)
          .join(', ')}`,
    );

    // 4. What a dashboard and the control engine read after such a sync.
    const api = createInventoryApi();
    const timed = async (label: string, run: () => Promise<string>): Promise<void> => {
      const started = performance.now();
      const result = await run();
      log(`${label}: ${(performance.now() - started).toFixed(0)} ms (${result})`);
    };
    await timed('coverage(assetType: "Trail") in-process', async () => {
      const result = await runQuery(api, store, '{ coverage(assetType: "Trail") { accountId region lastSuccessAt latestAttemptFailed } }');
      return `${(result.data!.coverage as unknown[]).length} entries`;
    });
    await timed('syncRuns(limit: 3) with every scope, in-process', async () => {
      const result = await runQuery(api, store, '{ syncRuns(limit: 3) { id status totals { scopesOk scopesFailed } scopes { accountId region status } } }');
      return `${(result.data!.syncRuns as { scopes: unknown[] }[]).reduce((n, run) => n + run.scopes.length, 0)} scopes`;
    });
    await timed('control evaluation (inventory check)', async () => {
      const verdicts = await evaluateControls(api, store, loadCatalog(api));
      return verdicts.map((v) => `${v.controlId} ${v.verdict}`).join(', ');
    });
    await store.close();

    // 5. kill -9 in the middle of a full sync, then a sync that must complete: the process is the CLI, as users run it.
    const accountsFile = join(dir, 'accounts.yaml');
    writeFileSync(accountsFile, `organization:\n  member_role_name: ${org.memberRoleName}\n`);
    const cli = (args: string[]) =>
      spawn(
        process.execPath,
        ['--import', 'tsx', new URL('./cli.ts', import.meta.url).pathname, 'sync', '--quiet', '--db', dbPath, '--accounts', accountsFile, ...args],
        {
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          stdio: ['ignore', 'pipe', 'ignore'], // its one expected error (the refused role) is in the summary
        },
      );
    const before = liveTrails(dbPath);
    const victim = cli([]);
    const victimClosed = new Promise((resolve) => victim.once('close', resolve));
    const runsBefore = count(dbPath, 'SELECT max(id) AS n FROM sync_runs');
    const target = Math.round((org.activeAccountIds.length * 17) / 3);
    // Until a third of the scopes are written; a sync that ends sooner (a tiny organization) is killed after the fact.
    while (victim.exitCode === null && count(dbPath, `SELECT count(*) AS n FROM sync_scopes WHERE run_id > ${runsBefore}`) < target) await sleep(10);
    victim.kill('SIGKILL');
    await victimClosed;
    const killedAfter = count(dbPath, `SELECT count(*) AS n FROM sync_scopes WHERE run_id > ${runsBefore}`);
    const check = new Database(dbPath);
    const integrity = check.pragma('integrity_check', { simple: true });
    check.close();
    const afterKill = new Set(liveTrails(dbPath));
    const resumed = cli([]);
    let summary = '';
    resumed.stdout!.on('data', (chunk) => (summary += chunk));
    await new Promise((resolve) => resumed.once('close', resolve));
    const afterResume = new Set(liveTrails(dbPath));
    log(
      `kill -9 after ${killedAfter} of ${org.activeAccountIds.length * 17} scopes: integrity_check ${integrity}; ` +
        `trails lost ${before.filter((arn) => !afterKill.has(arn)).length} of ${before.length}; ` +
        `next sync: ${summary.split('\n')[0]}, trails lost ${before.filter((arn) => !afterResume.has(arn)).length}`,
    );

    return {
      name: 'org-sync',
      ours: Math.round(measured.durationMs),
      reference: Math.round(bound.ms),
      ratio: Math.round(ratio * 1000) / 1000,
      unit: 'ms',
      runs: 1,
      note: `${org.activeAccountIds.length} accounts × 17 regions with faults: sync wall time vs the lower bound the limits allow (${bound.why}); bar ${RATIO_BAR}`,
    };
  } finally {
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    simulator.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The least wall time the work done allows: discovery first, then the largest of the global work spread over every
 * slot, the busiest account's work over its slots, one account's serial chain, and the busiest scope's rate.
 */
function lowerBound(stats: CallStats, limits: SyncLimits): { ms: number; why: string } {
  const limited = Object.values(stats.limitedByAccount);
  const total = limited.reduce((a, b) => a + b, 0);
  const candidates: [number, string][] = [
    [(total * LATENCY_MS) / limits.concurrency, `${total} calls × ${LATENCY_MS} ms / ${limits.concurrency} in flight`],
    [(Math.max(...limited) * LATENCY_MS) / limits.accountConcurrency, `busiest account`],
    [SERIAL_CALLS_PER_ACCOUNT * LATENCY_MS, 'one account’s serial calls'],
    [Math.max(...Object.values(stats.limitedByRate).map((n) => RateLimit.minimumDurationMs(n, limits.callsPerSecond))), 'busiest scope and service’s rate'],
  ];
  const [ms, why] = candidates.reduce((a, b) => (b[0] > a[0] ? b : a));
  const discovery = stats.discoveryCalls * LATENCY_MS;
  return { ms: discovery + ms, why: `${stats.discoveryCalls} discovery calls × ${LATENCY_MS} ms, then ${why}` };
}

/** The trails a default query shows (not deleted), read straight from the file. */
function liveTrails(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT arn FROM trails WHERE deleted_at IS NULL ORDER BY arn').all() as { arn: string }[]).map((r) => r.arn);
  } finally {
    db.close();
  }
}

function count(path: string, sql: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return Number((db.prepare(sql).get() as { n: number | null }).n ?? 0);
  } finally {
    db.close();
  }
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code})`)));
  });
}

function ask<T = unknown>(child: ChildProcess, request: SimulatorRequest): Promise<T> {
  const reply = nextMessage<T>(child);
  child.send(request);
  return reply;
}
