// Sync runs: heartbeats, a run whose heartbeat stopped is interrupted, and the run list with totals.
import { afterEach, describe, expect, it } from 'vitest';
import { STALE_RUN_MS } from '../../src/store/sqlite/sqlite-store.js';
import { COLLECTOR, syncRun, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const ACCOUNT = '111122223333';
let temp: TempStore;
afterEach(async () => temp?.cleanup());

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();

describe('heartbeats', () => {
  it('start with the run and move forward with each heartbeat', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    expect(run.heartbeatAt).toBe(run.startedAt);
    await temp.sql('UPDATE sync_runs SET heartbeat_at = ? WHERE id = ?', [secondsAgo(10), run.id]);
    const before = new Date().toISOString();
    await temp.store.heartbeatSyncRun(run.id);
    expect((await temp.store.syncRun(run.id))!.heartbeatAt! >= before).toBe(true);
  });

  it('mark a running run interrupted once its heartbeat is older than the limit, even while its process lives', async () => {
    expect(STALE_RUN_MS).toBe(120_000);
    temp = await openTempStore();
    await temp.store.close();
    // A minute's limit, and heartbeats half of it and half as much again ago: however slowly a loaded machine runs the
    // statements between, the first is well within the limit and the second well past it.
    temp.store = await temp.reopen({ staleRunMs: 60_000 });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.sql('UPDATE sync_runs SET heartbeat_at = ? WHERE id = ?', [secondsAgo(30), run.id]);
    expect(await temp.store.latestSyncRun(COLLECTOR)).toMatchObject({ id: run.id, status: 'running' });
    await temp.sql('UPDATE sync_runs SET heartbeat_at = ? WHERE id = ?', [secondsAgo(90), run.id]);
    expect(await temp.store.latestSyncRun(COLLECTOR)).toMatchObject({ id: run.id, status: 'interrupted' });
    expect(await temp.sql('SELECT status FROM sync_runs WHERE id = ?', [run.id])).toEqual([{ status: 'interrupted' }]);
  });

  it('count a written scope as a sign of life', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.sql('UPDATE sync_runs SET heartbeat_at = ? WHERE id = ?', [secondsAgo(60), run.id]);
    const before = new Date().toISOString();
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [] });
    expect((await temp.store.syncRun(run.id))!.heartbeatAt! >= before).toBe(true);
  });
});

describe('the run list', () => {
  it('lists runs newest first, with their totals, by collector and page', async () => {
    temp = await openTempStore();
    const first = await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a'), trailRecord('b')] }]);
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: ['us-east-1', 'eu-west-1', 'me-south-1'] });
    await temp.store.recordAccount(run.id, COLLECTOR, {
      accountId: '222222222222',
      status: 'failed',
      enabledRegions: null,
      error: { code: 'UnauthorizedOperation', message: 'no' },
    });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      status: 'ok',
      trails: [trailRecord('a', { trail: { KmsKeyId: 'k' } })],
    });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      status: 'failed',
      error: { code: 'AccessDeniedException', message: 'denied' },
      trails: [],
    });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'me-south-1', status: 'skipped', trails: [] });
    await temp.store.finishSyncRun(run.id, 'partial', { code: 'ScopesFailed', message: '2 failed' });
    const other = await temp.store.startSyncRun({ collector: 'aws.other', requestedRegions: [] });

    const runs = await temp.store.listSyncRuns({ collector: COLLECTOR });
    expect(runs.map((r) => r.id)).toEqual([run.id, first.runId]);
    expect(runs[0]).toMatchObject({
      status: 'partial',
      requestedRegions: ['us-east-1', 'eu-west-1', 'me-south-1'],
      errorCode: 'ScopesFailed',
      heartbeatAt: expect.any(String),
      totals: { scopesOk: 1, scopesSkipped: 1, scopesFailed: 1, accountsFailed: 1, seen: 1, new: 0, changed: 1, deleted: 1 },
    });
    expect(runs[1]!.totals).toEqual({ scopesOk: 1, scopesSkipped: 0, scopesFailed: 0, accountsFailed: 0, seen: 2, new: 2, changed: 0, deleted: 0 });
    expect((await temp.store.listSyncRuns()).map((r) => r.id)).toEqual([other.id, run.id, first.runId]);
    expect((await temp.store.listSyncRuns({ limit: 1, offset: 1 })).map((r) => r.id)).toEqual([run.id]);
    expect((await temp.store.syncRun(other.id))!.totals).toEqual({
      scopesOk: 0,
      scopesSkipped: 0,
      scopesFailed: 0,
      accountsFailed: 0,
      seen: 0,
      new: 0,
      changed: 0,
      deleted: 0,
    });
    expect(await temp.store.syncRun(999)).toBeUndefined();
    expect((await temp.store.scopesOfRun(run.id)).map((s) => [s.region, s.status])).toEqual([
      ['eu-west-1', 'failed'],
      ['me-south-1', 'skipped'],
      ['us-east-1', 'ok'],
    ]);
  });
});
