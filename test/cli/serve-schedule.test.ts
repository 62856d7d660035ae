// inventory serve --sync-every on a SQLite file (README, "Scheduled syncs"): the server syncs the inventory once per
// period with the sync of `inventory sync`, a run's progress shows in syncRuns while it runs, a period that comes while
// a sync runs is skipped, and SIGINT stops a running sync as Ctrl-C stops `inventory sync` before the server exits.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { awsEnv } from '../support/aws.js';
import { postGraphQL, startCli } from '../support/cli.js';
import { simAccount, simTrail } from '../support/scenarios.js';
import { removeDir, tempDir } from '../support/store.js';

const ACCOUNT = '210987654321';
const REGIONS = ['us-east-1', 'eu-west-1'];
const RUNS = `{ syncRuns(limit: 100) { id collector status totals { scopesOk seen } } }`;

interface Run {
  id: number;
  collector: string;
  status: string;
  totals: { scopesOk: number; seen: number };
}

describe('inventory serve --sync-every on a SQLite file', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ accounts: [simAccount(ACCOUNT, [simTrail('main', 'us-east-1')])] });
    dir = tempDir('serve-schedule-');
  });
  afterAll(async () => {
    await sim?.close();
    removeDir(dir);
  });

  it('syncs once per period into syncRuns, skips a period while a sync runs, and SIGINT interrupts the sync as Ctrl-C does', async () => {
    const db = join(dir, 'inventory.db');
    // No inventory yet: serve --sync-every creates it, as `inventory sync` would.
    const server = await startCli(
      ['serve', '--db', db, '--port', '0', '--workers', '0', '--log-level', 'info', '--sync-every', '2s', '--regions', REGIONS.join(',')],
      awsEnv(sim, sim.scenario.accounts[0]),
      /GraphQL API at (http:\/\/\S+\/graphql)[\s\S]*Press Ctrl\+C/,
    );
    const url = server.match[1]!;
    const runs = async (): Promise<Run[]> => {
      const { body } = await postGraphQL(url, RUNS);
      return body.data.syncRuns as Run[];
    };
    try {
      expect(server.output()).toContain('Syncs the inventory every 2s (--sync-every)');
      // The first period's sync: every collector's run, succeeded, the trail seen.
      await waitFor(async () => (await runs()).filter((r) => r.status === 'SUCCEEDED').length >= ASSET_TYPES.length);
      const first = (await runs()).filter((r) => r.status === 'SUCCEEDED');
      expect(first.find((r) => r.collector === 'aws.cloudtrail.trails')?.totals).toEqual({ scopesOk: 2, seen: 1 });

      // SNS answers slowly in one region from now on: a sync runs for longer than a period.
      sim.scenario.faults = [{ kind: 'slow', region: 'eu-west-1', operation: 'ListTopics', delayMs: 8_000 }];
      // While it runs, its runs are RUNNING in syncRuns, with the scopes already written counted.
      await waitFor(async () => (await runs()).some((r) => r.status === 'RUNNING' && r.collector === 'aws.cloudtrail.trails' && r.totals.scopesOk === 2));
      const running = (await runs()).filter((r) => r.status === 'RUNNING');
      expect(running.map((r) => r.collector).sort()).toEqual(ASSET_TYPES.map((t) => t.collector).sort());
      // The periods that come meanwhile are skipped, never run alongside.
      await waitFor(async () => server.output().includes('scheduled sync skipped: the previous one is still running'));
      expect((await runs()).filter((r) => r.status === 'RUNNING')).toHaveLength(ASSET_TYPES.length);

      server.child.kill('SIGINT');
      expect(await server.exited, server.output()).toBe(0);
      expect(server.output()).toContain('stopping: the scheduled sync finishes the accounts in progress');

      // As Ctrl-C does for `inventory sync`: the account in progress was finished (every scope written), and every run
      // of that sync is interrupted.
      const store = SqliteStore.open(db, { access: 'read' });
      try {
        for (const run of running) {
          const scopes = await store.scopesOfRun(run.id);
          expect(scopes.map((s) => s.region).sort(), run.collector).toEqual(run.collector === 'aws.s3.buckets' ? ['us-east-1'] : [...REGIONS].sort());
          expect((await store.syncRun(run.id))?.status).toBe('interrupted');
        }
        // Nothing is left running, and each sync claimed its own period first.
        const all = await store.listSyncRuns({ limit: 1000 });
        expect(all.filter((r) => r.status === 'running')).toEqual([]);
        const claims = store.db.prepare('SELECT every_ms, period, pid FROM sync_periods ORDER BY period').all() as { every_ms: number; period: number; pid: number }[];
        expect(claims.length).toBe(all.filter((r) => r.collector === 'aws.cloudtrail.trails').length);
        expect(new Set(claims.map((c) => c.pid))).toEqual(new Set([server.child.pid]));
        expect(claims.every((c) => c.every_ms === 2_000)).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      sim.scenario.faults = [];
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await server.exited;
    }
  });
});

// The timeout is a safety net for a server that never gets there; a loaded machine may take many times longer.
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the scheduled syncs');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
