// kill -9 in the middle of a multi-account sync: the database stays sound, nothing synced before is lost (trails and
// KMS keys), every collector's run is shown as interrupted, and the next sync completes. The sync runs as a user runs
// it: the built CLI, in its own process.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { organizationScenario, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { awsEnv } from '../support/aws.js';
import { BIN, runCli } from '../support/cli.js';
import { tempDir } from '../support/store.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A 30-account organization served on 127.0.0.1, an accounts file for it, and the environment a user's shell would have. */
async function organizationToSync(latencyMs: number, seed: number) {
  const org = organizationScenario({ accounts: 30, regions: REGIONS, latencyMs, transientErrorRate: 0, unassumableRole: false, deniedRegion: false, seed });
  delete org.scenario.rateLimit;
  sim = await startSimulator(org.scenario);
  const dir = tempDir();
  const db = join(dir, 'inventory.db');
  const accounts = join(dir, 'accounts.yaml');
  writeFileSync(accounts, `organization:\n  member_role_name: ${org.memberRoleName}\n`);
  const env = { ...awsEnv(sim, org.management), INVENTORY_DB: db, INVENTORY_ACCOUNTS: accounts, INVENTORY_REGIONS: REGIONS.join(',') };
  return { org, db, env };
}

/** The collectors a sync runs, each with its own run (README, "Sync runs"), in the order their runs are started. */
const COLLECTORS = ASSET_TYPES.map((type) => type.collector);

describe('a sync killed with SIGKILL', () => {
  it('loses nothing, leaves a sound database, is shown as interrupted, and the next sync completes', async () => {
    const { org, db, env } = await organizationToSync(0, 11);

    const first = await runCli(['sync', '--quiet'], env);
    expect(first.code, first.stderr).toBe(0);
    const before = liveAssets(db);
    expect(before.trails).toEqual([...org.trailArns].sort());
    expect(before.kmsKeys).toEqual(scenarioKeyArns(org));
    expect(before.kmsKeys.length).toBeGreaterThan(0);
    expect(before.buckets.length).toBeGreaterThan(0);
    const firstRuns = runIds(db);
    expect(firstRuns).toHaveLength(COLLECTORS.length);

    // Slow the organization down so the second sync is still writing when it is killed.
    org.scenario.latencyMs = 40;
    const child = spawn(process.execPath, [BIN, 'sync', '--quiet', '--account-concurrency', '2'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    const reader = new Database(db, { readonly: true });
    let secondRuns: number[];
    try {
      // Every collector's run of the second sync has started and has written some of its scopes.
      await waitFor(() => {
        const runs = runIds(db).filter((id) => !firstRuns.includes(id));
        return runs.length === COLLECTORS.length && runs.every((id) => scopesOfRun(reader, id) >= 5);
      });
      secondRuns = runIds(db).filter((id) => !firstRuns.includes(id));
      for (const id of secondRuns) expect(scopesOfRun(reader, id)).toBeLessThan(org.activeAccountIds.length * REGIONS.length); // killed mid-run, not after
    } finally {
      reader.close();
    }
    child.kill('SIGKILL');
    await exited;

    const check = new Database(db);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    // Nothing synced before is lost, of any asset type.
    expect(liveAssets(db)).toEqual(before);
    const store = SqliteStore.open(db);
    for (const [i, collector] of COLLECTORS.entries()) {
      expect(await store.latestSyncRun(collector)).toMatchObject({ id: secondRuns[i], status: 'interrupted' });
    }
    await store.close();

    org.scenario.latencyMs = 0;
    const third = await runCli(['sync', '--quiet'], env);
    expect(third.code, third.stderr).toBe(0);
    // One new run per collector, numbered after the interrupted ones, each succeeded.
    const lastInterrupted = secondRuns[secondRuns.length - 1]!;
    expect(third.stdout).toMatch(
      new RegExp(`^Sync runs ${COLLECTORS.map((collector, i) => `${lastInterrupted + i + 1} \\(${collector.replace(/\./g, '\\.')}\\) succeeded`).join(', ')} in `),
    );
    expect(liveAssets(db)).toEqual(before);
  });
});

describe('a sync stopped with Ctrl-C (SIGINT)', () => {
  it('finishes the accounts in progress, starts no more, and records the run as interrupted', async () => {
    const { org, db, env } = await organizationToSync(40, 12);

    const child = spawn(process.execPath, [BIN, 'sync', '--concurrency', '4', '--account-concurrency', '2'], { env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => existsSync(db) && scopesWritten(db) >= 3);
    child.kill('SIGINT');
    expect(await exited).toBe(3);
    // Every collector's run is shown interrupted, each by its id and collector.
    expect(stdout.startsWith(`Sync runs ${COLLECTORS.map((collector, i) => `${i + 1} (${collector}) interrupted`).join(', ')} in `), stdout).toBe(true);
    expect(stdout).toContain(
      `  interrupted: runs ${COLLECTORS.map((_, i) => i + 1).join(', ')} stopped before every account was synced; what was written is kept, and the next sync completes the rest\n`,
    );

    const reader = new Database(db, { readonly: true });
    const finished = COLLECTORS.map((_, i) => accountsScopes(reader, i + 1));
    reader.close();
    for (const [i, scopesByAccount] of finished.entries()) {
      // Buckets are listed once per account, the other types in each region.
      const scopesPerAccount = COLLECTORS[i] === 'aws.s3.buckets' ? 1 : REGIONS.length;
      const written = [...scopesByAccount.values()].reduce((n, count) => n + count, 0);
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(org.activeAccountIds.length * scopesPerAccount);
      // An account in progress was finished, in every collector: none is left with part of its regions.
      expect([...scopesByAccount.values()].filter((count) => count !== scopesPerAccount)).toEqual([]);
    }
    // Each collector finished the same accounts: Ctrl-C stops accounts, not a collector in the middle of one.
    expect([...finished[1]!.keys()].sort()).toEqual([...finished[0]!.keys()].sort());
    expect([...finished[2]!.keys()].sort()).toEqual([...finished[0]!.keys()].sort());
    const store = SqliteStore.open(db);
    for (const [i, collector] of COLLECTORS.entries()) expect(await store.latestSyncRun(collector)).toMatchObject({ id: i + 1, status: 'interrupted' });
    await store.close();
  });
});

/** The run ids in the file, oldest first. */
function runIds(path: string): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT id FROM sync_runs ORDER BY id`).all() as { id: number }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

function scopesOfRun(db: Database.Database, runId: number): number {
  return (db.prepare(`SELECT count(*) AS n FROM sync_scopes WHERE run_id = ?`).get(runId) as { n: number }).n;
}

/** How many scopes of the run each account has. */
function accountsScopes(db: Database.Database, runId: number): Map<string, number> {
  const rows = db.prepare(`SELECT account_id, count(*) AS n FROM sync_scopes WHERE run_id = ? GROUP BY account_id`).all(runId) as { account_id: string; n: number }[];
  return new Map(rows.map((r) => [r.account_id, r.n]));
}

/** Every KMS key of the scenario in the regions synced. */
function scenarioKeyArns(org: ReturnType<typeof organizationScenario>): string[] {
  return org.scenario.accounts
    .filter((a) => org.activeAccountIds.includes(a.Id))
    .flatMap((a) => (a.KmsKeys ?? []).filter((k) => REGIONS.includes(k.Region)).map((k) => `arn:aws:kms:${k.Region}:${a.Id}:key/${k.KeyId}`))
    .sort();
}

function scopesWritten(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM sync_scopes`).get() as { n: number }).n;
  } catch {
    return 0; // not migrated yet
  } finally {
    db.close();
  }
}

/** The trails, KMS keys and buckets a default query shows (not deleted), read straight from the file. */
function liveAssets(path: string): { trails: string[]; kmsKeys: string[]; buckets: string[] } {
  const db = new Database(path, { readonly: true });
  try {
    const live = (table: string) => (db.prepare(`SELECT arn FROM ${table} WHERE deleted_at IS NULL ORDER BY arn`).all() as { arn: string }[]).map((r) => r.arn);
    return { trails: live('trails'), kmsKeys: live('kms_keys'), buckets: live('buckets') };
  } finally {
    db.close();
  }
}

// The timeout is a safety net for a sync that never gets there; a loaded machine may take many times longer.
async function waitFor(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the sync to make progress');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
