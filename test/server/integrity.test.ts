// /healthz and /readyz on a damaged inventory: never "ok" while the database fails its integrity check; and the check
// behind them runs off the event loop, again only once the database changed.
import { afterEach, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { IntegrityWatch } from '../../src/server/integrity.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { IntegrityReport } from '../../src/store/store.js';
import { postGraphQL } from '../support/cli.js';
import { dropUnencryptedFromKmsIndex, overwritePagesOf } from '../support/damage.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempSqliteStore, type TempSqliteStore } from '../support/store.js';

const api = createInventoryApi();

let temp: TempSqliteStore | undefined;
let store: SqliteStore | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  await store?.close();
  await temp?.cleanup();
  server = store = temp = undefined;
});

async function damagedServer(damage: (path: string) => void): Promise<RunningServer> {
  temp = openTempSqliteStore();
  await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('plain-1'), trailRecord('plain-2'), trailRecord('plain-3')] });
  await temp.store.close();
  damage(temp.path);
  store = SqliteStore.open(temp.path);
  return (server = await startServer({ store, api, host: '127.0.0.1', port: 0, log: silentLogger }));
}

async function probe(url: string): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
}

describe('the probes on a damaged inventory', () => {
  it('answer 503 naming what the integrity check found when an index lost rows', async () => {
    const running = await damagedServer(dropUnencryptedFromKmsIndex);
    for (const path of ['/healthz', '/readyz']) {
      const { status, body } = await probe(`${running.url}${path}`);
      expect(status, path).toBe(503);
      expect(body.status).toBe('unavailable');
      expect(body.reason).toMatch(
        /^the inventory database fails its integrity check \(SQLite PRAGMA integrity_check of the whole database\): row \d+ missing from index trails_by_kms_key_id/,
      );
    }
  });

  it('answer 503 when pages of the sync tables are noise, while the coverage and syncRuns queries fail', async () => {
    const running = await damagedServer((path) => overwritePagesOf(path, ['sync_runs', 'sync_scopes', 'sync_scope_state']));
    // The premise: what the inventory says of its own coverage cannot be read.
    const runs = await postGraphQL(running.graphqlUrl, '{ syncRuns { id status } }');
    expect(runs.body.errors?.length).toBeGreaterThan(0);
    for (const path of ['/healthz', '/readyz']) {
      const { status, body } = await probe(`${running.url}${path}`);
      expect(status, path).toBe(503);
      expect(body.reason).toMatch(/^the inventory database fails its integrity check/);
    }
  });

  it('answer ok on an inventory that passes the check', async () => {
    const running = await damagedServer(() => undefined);
    expect(await probe(`${running.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe(`${running.url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
  });
});

describe('IntegrityWatch', () => {
  /** A store whose stamp and check results the test sets; each check waits until the test lets it finish. */
  function fakeStore() {
    const state = { stamp: 'a', checks: [] as { offThread: boolean | undefined; finish: (report: IntegrityReport) => void }[] };
    const store = {
      changeStamp: async () => state.stamp,
      checkIntegrity: (options?: { offThread?: boolean }) =>
        new Promise<IntegrityReport>((resolve) => state.checks.push({ offThread: options?.offThread, finish: resolve })),
    };
    return { state, store };
  }
  /** Lets pending promise callbacks run until the watch has started `n` checks (no timers involved). */
  const checksStarted = async (state: { checks: unknown[] }, n: number) => {
    for (let i = 0; i < 100 && state.checks.length < n; i++) await Promise.resolve();
    expect(state.checks).toHaveLength(n);
  };
  const OK: IntegrityReport = { ok: true, problems: [], method: 'test' };
  const DAMAGED: IntegrityReport = { ok: false, problems: ['row 3 missing from index trails_by_kms_key_id'], method: 'test' };

  it('waits for the first check, then answers the last finished one while the database is unchanged', async () => {
    const { state, store } = fakeStore();
    const watch = new IntegrityWatch(store, 0);
    const first = watch.current();
    await checksStarted(state, 1);
    expect(state.checks[0]!.offThread).toBe(true);
    state.checks[0]!.finish(OK);
    expect(await first).toEqual(OK);
    expect(await watch.current()).toEqual(OK);
    expect(state.checks).toHaveLength(1);

    // The database changed: a new check starts, and until it finishes the probes get the last finished result.
    state.stamp = 'b';
    expect(await watch.current()).toEqual(OK);
    expect(state.checks).toHaveLength(2);
    expect(await watch.current()).toEqual(OK);
    expect(state.checks).toHaveLength(2);
    state.checks[1]!.finish(DAMAGED);
    expect(await watch.settled()).toEqual(DAMAGED);
    expect(await watch.current()).toEqual(DAMAGED);
  });

  it('checks a changed database again no more often than its interval', async () => {
    const { state, store } = fakeStore();
    const watch = new IntegrityWatch(store, 3_600_000);
    const first = watch.current();
    await checksStarted(state, 1);
    state.checks[0]!.finish(OK);
    await first;
    state.stamp = 'b';
    expect(await watch.current()).toEqual(OK);
    expect(state.checks).toHaveLength(1);
  });
});
