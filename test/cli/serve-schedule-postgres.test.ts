// Scheduled syncs of two `inventory serve --sync-every` replicas over one PostgreSQL inventory (README, "Scheduled
// syncs"): one replica leads and syncs each period it claims, no period is synced twice, and when the leader is killed
// (kill -9) the other takes the lead and syncs the periods after.
// Needs a PostgreSQL server: INVENTORY_TEST_POSTGRES_URL (see the README); without it this file is skipped, and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { awsEnv } from '../support/aws.js';
import { startCli } from '../support/cli.js';
import { simAccount, simTrail } from '../support/scenarios.js';
import { createTestSchema } from '../support/store.js';

const URL_SET = Boolean(process.env.INVENTORY_TEST_POSTGRES_URL);
if (!URL_SET) console.log('PostgreSQL scheduled sync tests skipped: INVENTORY_TEST_POSTGRES_URL is not set (see README, "Testing against PostgreSQL")');

const ACCOUNT = '210987654321';
const EVERY_MS = 2_000;
const READY = /GraphQL API at (http:\/\/\S+\/graphql)[\s\S]*Press Ctrl\+C/;
const TRAILS = 'aws.cloudtrail.trails';

type Replica = Awaited<ReturnType<typeof startCli>>;

describe.skipIf(!URL_SET)('scheduled syncs of two serve replicas on PostgreSQL (INVENTORY_TEST_POSTGRES_URL)', () => {
  let sim: Simulator;
  let db: { url: string; drop(): Promise<void> };
  let store: PostgresStore;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ accounts: [simAccount(ACCOUNT, [simTrail('main', 'us-east-1')])] });
    db = await createTestSchema();
  });
  afterAll(async () => {
    for (const replica of replicas) if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.exited));
    await store?.close();
    await sim?.close();
    await db?.drop();
  });

  /** Each process's claimed periods, and the syncs it ran (one run of the trail collector per sync), by pid. */
  const state = async () => {
    const claims = (await store.pool.query<{ period: number; pid: number }>('SELECT period, pid FROM sync_periods WHERE every_ms = $1 ORDER BY period', [EVERY_MS])).rows;
    const syncs = (await store.pool.query<{ pid: number }>('SELECT pid FROM sync_runs WHERE collector = $1', [TRAILS])).rows;
    const byPid = (rows: { pid: number }[], pid: number) => rows.filter((row) => row.pid === pid).length;
    return { claims, syncs, claimsOf: (pid: number) => byPid(claims, pid), syncsOf: (pid: number) => byPid(syncs, pid) };
  };

  it('syncs each period once, from one replica, and the other takes over when it is killed', async () => {
    const args = ['serve', '--db', db.url, '--port', '0', '--log-level', 'info', '--sync-every', '2s', '--regions', 'us-east-1'];
    const env = awsEnv(sim, sim.scenario.accounts[0]);
    replicas.push(await startCli(args, env, READY));
    replicas.push(await startCli(args, env, READY));
    store = await PostgresStore.open(db.url, { access: 'write' });

    // Until three periods were synced, each sync's runs written (a claim is made just before its sync starts).
    await waitFor(async () => {
      const now = await state();
      return now.claims.length >= 3 && now.syncs.length === now.claims.length;
    });
    const before = await state();
    const pids = replicas.map((replica) => replica.child.pid!);
    const leaderIndex = pids.findIndex((pid) => before.claimsOf(pid) > 0);
    expect(leaderIndex).toBeGreaterThanOrEqual(0);
    const [leader, other] = leaderIndex === 0 ? [replicas[0]!, replicas[1]!] : [replicas[1]!, replicas[0]!];
    // One replica claimed every period and ran one sync for each; the other claimed none and ran none.
    expect(before.claimsOf(leader.child.pid!)).toBe(before.claims.length);
    expect(before.syncsOf(leader.child.pid!)).toBe(before.claims.length);
    expect(before.claimsOf(other.child.pid!)).toBe(0);
    expect(before.syncsOf(other.child.pid!)).toBe(0);
    expect(leader.output()).toContain('this process runs the scheduled syncs');
    expect(other.output()).toContain('another process runs the scheduled syncs');
    expect(other.output()).not.toContain('scheduled sync started');

    leader.child.kill('SIGKILL');
    await leader.exited;
    const lastOfLeader = Math.max(...(await state()).claims.filter((c) => c.pid === leader.child.pid).map((c) => c.period));

    // The other replica takes the lead at its next attempt, and syncs the periods after the leader's last.
    await waitFor(async () => {
      const now = await state();
      return now.claimsOf(other.child.pid!) >= 2 && now.syncsOf(other.child.pid!) === now.claimsOf(other.child.pid!);
    });
    const after = await state();
    const taken = after.claims.filter((c) => c.pid === other.child.pid);
    expect(taken.every((c) => c.period > lastOfLeader)).toBe(true);
    // No period twice, and no sync without its period: as many syncs as claimed periods, in all.
    expect(new Set(after.claims.map((c) => c.period)).size).toBe(after.claims.length);
    expect(after.claimsOf(leader.child.pid!) + after.claimsOf(other.child.pid!)).toBe(after.claims.length);
    expect(after.syncsOf(leader.child.pid!)).toBe(after.claimsOf(leader.child.pid!));
    expect(other.output()).toContain('this process runs the scheduled syncs');

    other.child.kill('SIGTERM');
    expect(await other.exited, other.output()).toBe(0);
  });
});

// The timeout is a safety net for replicas that never get there; a loaded machine may take many times longer.
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the scheduled syncs');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
