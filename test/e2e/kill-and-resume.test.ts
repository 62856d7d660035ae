// kill -9 in the middle of a multi-account sync: the database stays sound, nothing synced before is lost, the run is
// shown as interrupted, and the next sync completes. The sync runs as a user runs it: the built CLI, in its own process.
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

describe('a sync killed with SIGKILL', () => {
  it('loses nothing, leaves a sound database, is shown as interrupted, and the next sync completes', async () => {
    const { org, db, env } = await organizationToSync(0, 11);

    const first = await runCli(['sync', '--quiet'], env);
    expect(first.code, first.stderr).toBe(0);
    const before = trailArns(db);
    expect(before).toEqual([...org.trailArns].sort());

    // Slow the organization down so the second sync is still writing when it is killed.
    org.scenario.latencyMs = 40;
    const child = spawn(process.execPath, [BIN, 'sync', '--quiet', '--account-concurrency', '2'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    const reader = new Database(db, { readonly: true });
    try {
      await waitFor(() => {
        const row = reader.prepare(`SELECT count(*) AS n FROM sync_scopes WHERE run_id = (SELECT max(id) FROM sync_runs)`).get() as { n: number };
        const runs = reader.prepare(`SELECT count(*) AS n FROM sync_runs`).get() as { n: number };
        return runs.n === 2 && row.n >= 10;
      });
      const written = (reader.prepare(`SELECT count(*) AS n FROM sync_scopes WHERE run_id = 2`).get() as { n: number }).n;
      expect(written).toBeLessThan(org.activeAccountIds.length * REGIONS.length); // killed mid-run, not after
    } finally {
      reader.close();
    }
    child.kill('SIGKILL');
    await exited;

    const check = new Database(db);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    expect(trailArns(db)).toEqual(before);
    const store = SqliteStore.open(db);
    expect(await store.latestSyncRun('aws.cloudtrail.trails')).toMatchObject({ id: 2, status: 'interrupted' });
    await store.close();

    org.scenario.latencyMs = 0;
    const third = await runCli(['sync', '--quiet'], env);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/Sync run 3 succeeded/);
    expect(trailArns(db)).toEqual(before);
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
    expect(stdout).toMatch(/^Sync run 1 interrupted in/);

    const written = scopesWritten(db);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(org.activeAccountIds.length * REGIONS.length);
    const store = SqliteStore.open(db);
    expect(await store.latestSyncRun('aws.cloudtrail.trails')).toMatchObject({ id: 1, status: 'interrupted' });
    await store.close();
  });
});

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

/** The trails a default query shows (not deleted), read straight from the file. */
function trailArns(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT arn FROM trails WHERE deleted_at IS NULL ORDER BY arn`).all() as { arn: string }[]).map((r) => r.arn);
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
