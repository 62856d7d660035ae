// The sync API: runs with their scopes, coverage, and trail history, as a dashboard queries them.
import { isInputObjectType } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { COLLECTOR, syncRun, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';
import { ASSET_TYPE_NAMES } from '../../src/assets/registry.js';

const api = createInventoryApi();
const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k';
let temp: TempStore;
afterEach(async () => temp?.cleanup());

const query = async (source: string, variables?: Record<string, unknown>) => {
  const result = await runQuery(api, temp.store, source, variables);
  expect(result.errors).toBeUndefined();
  return result.data as Record<string, any>;
};

const audit = (kmsKeyId?: string) => trailRecord('audit', { trail: kmsKeyId === undefined ? {} : { KmsKeyId: kmsKeyId } });
const AUDIT_ARN = audit().arn;

describe('trail history', () => {
  it('shows the run in which a trail lost its KMS key', async () => {
    temp = await openTempStore();
    await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [audit(KEY)] }]);
    await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [audit(KEY)] }]);
    const { runId: lost } = await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [audit('')] }]);

    const data = await query(`{
      trails(where: {kmsKeyID: ""}) {
        name kmsKeyID
        history { runId changedAt kind field from to }
      }
    }`);
    expect(data.trails).toEqual([
      {
        name: 'audit',
        kmsKeyID: '',
        history: [
          { runId: lost, changedAt: expect.stringMatching(/Z$/), kind: 'CHANGED', field: 'kmsKeyID', from: KEY, to: '' },
          { runId: 1, changedAt: expect.stringMatching(/Z$/), kind: 'CREATED', field: null, from: null, to: null },
        ],
      },
    ]);
    // The run it happened in, from the history entry.
    const run = await query(`query($id: Int!) { syncRun(id: $id) { id status startedAt totals { changed } } }`, { id: lost });
    expect(run.syncRun).toEqual({ id: lost, status: 'SUCCEEDED', startedAt: expect.any(String), totals: { changed: 1 } });
  });

  it('shows a trail deleted and then restored, newest first, and honours limit', async () => {
    temp = await openTempStore();
    await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [audit()] }]);
    const { runId: deleted } = await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [] }]);
    const { runId: restored } = await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [audit()] }]);
    const data = await query(`query($id: ID!) { trail(id: $id) { deletedAt history { runId kind field } last: history(limit: 1) { kind } } }`, { id: AUDIT_ARN });
    expect(data.trail).toEqual({
      deletedAt: null,
      history: [
        { runId: restored, kind: 'RESTORED', field: null },
        { runId: deleted, kind: 'DELETED', field: null },
        { runId: 1, kind: 'CREATED', field: null },
      ],
      last: [{ kind: 'RESTORED' }],
    });
    const bad = await runQuery(api, temp.store, `{ trail(id: "${AUDIT_ARN}") { history(limit: -1) { kind } } }`);
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('loads the history of many trails with one store call, and keeps history out of TrailWhere', async () => {
    temp = await openTempStore();
    await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a'), trailRecord('b'), trailRecord('c')] }]);
    const spy = vi.spyOn(temp.store, 'assetHistory');
    const data = await query('{ trails { name history { kind } } }');
    expect(data.trails.map((t: { history: unknown[] }) => t.history)).toEqual([[{ kind: 'CREATED' }], [{ kind: 'CREATED' }], [{ kind: 'CREATED' }]]);
    expect(spy).toHaveBeenCalledTimes(1);
    const where = api.schema.getType('TrailWhere');
    if (!isInputObjectType(where)) throw new Error('TrailWhere is not an input type');
    expect(Object.keys(where.getFields()).filter((f) => f.startsWith('history'))).toEqual([]);
    expect(Object.keys(where.getFields())).toContain('lastSeenAt_GT');
  });
});

describe('sync runs', () => {
  it('lists runs newest first with totals and per-scope status, filtered by status', async () => {
    temp = await openTempStore();
    await syncRun(temp.store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [audit()] }]);
    const { runId } = await syncRun(temp.store, [
      { accountId: ACCOUNT, region: 'us-east-1', trails: [audit()] },
      { accountId: ACCOUNT, region: 'eu-west-1', status: 'failed', error: { code: 'AccessDeniedException', message: 'denied' }, trails: [] },
      { accountId: ACCOUNT, region: 'me-south-1', status: 'skipped', error: { code: 'RegionNotEnabled', message: 'opt-in' }, trails: [] },
    ]);
    const data = await query(`{
      syncRuns(collector: "${COLLECTOR}") {
        id collector status finishedAt heartbeatAt requestedRegions error { code }
        totals { scopesOk scopesSkipped scopesFailed accountsFailed seen new changed deleted }
        scopes { accountId region status error { code message } seen }
        failed: scopes(status: FAILED) { region }
      }
    }`);
    expect(data.syncRuns).toHaveLength(2);
    expect(data.syncRuns[0]).toEqual({
      id: runId,
      collector: COLLECTOR,
      status: 'PARTIAL',
      finishedAt: expect.any(String),
      heartbeatAt: expect.any(String),
      requestedRegions: [],
      error: null,
      totals: { scopesOk: 1, scopesSkipped: 1, scopesFailed: 1, accountsFailed: 0, seen: 1, new: 0, changed: 0, deleted: 0 },
      scopes: [
        { accountId: ACCOUNT, region: 'eu-west-1', status: 'FAILED', error: { code: 'AccessDeniedException', message: 'denied' }, seen: 0 },
        { accountId: ACCOUNT, region: 'me-south-1', status: 'SKIPPED', error: { code: 'RegionNotEnabled', message: 'opt-in' }, seen: 0 },
        { accountId: ACCOUNT, region: 'us-east-1', status: 'OK', error: null, seen: 1 },
      ],
      failed: [{ region: 'eu-west-1' }],
    });
    expect((await query('{ syncRuns(limit: 1, offset: 1) { id totals { new } } }')).syncRuns).toEqual([{ id: 1, totals: { new: 1 } }]);
    expect((await query('{ syncRuns(collector: "aws.other") { id } }')).syncRuns).toEqual([]);
    expect((await query('{ syncRun(id: 999) { id } }')).syncRun).toBeNull();
  });

  it('reads the scopes of many runs with one store call per status asked for, not one per run', async () => {
    temp = await openTempStore();
    for (let i = 0; i < 6; i++) {
      await syncRun(temp.store, [
        { accountId: ACCOUNT, region: 'us-east-1', trails: [audit()] },
        {
          accountId: ACCOUNT,
          region: 'eu-west-1',
          status: i % 2 ? 'failed' : 'ok',
          ...(i % 2 ? { error: { code: 'ThrottlingException', message: 'Rate exceeded' } } : {}),
          trails: [],
        },
      ]);
    }
    const spy = vi.spyOn(temp.store, 'scopesOfRuns');
    const data = await query('{ syncRuns(limit: 10) { id scopes { region } failed: scopes(status: FAILED) { region } } }');
    expect(spy).toHaveBeenCalledTimes(2);
    expect(data.syncRuns.map((run: { scopes: unknown[] }) => run.scopes.length)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(data.syncRuns.map((run: { failed: { region: string }[] }) => run.failed.map((s) => s.region))).toEqual([
      ['eu-west-1'],
      [],
      ['eu-west-1'],
      [],
      ['eu-west-1'],
      [],
    ]);
    spy.mockRestore();
  });

  it('shows a running run as RUNNING, and refuses a limit outside 1..1000', async () => {
    temp = await openTempStore();
    await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: ['us-east-1'] });
    expect((await query('{ syncRuns { status finishedAt requestedRegions } }')).syncRuns).toEqual([
      { status: 'RUNNING', finishedAt: null, requestedRegions: ['us-east-1'] },
    ]);
    for (const limit of [0, 1001]) {
      const result = await runQuery(api, temp.store, `{ syncRuns(limit: ${limit}) { id } }`);
      expect(result.errors?.[0]).toMatchObject({ message: 'limit must be from 1 to 1000', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });
});

describe('coverage', () => {
  it('shows a failed scope and an account that failed as a whole', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions: ['eu-west-1', 'us-east-1', 'us-west-2'] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [audit()] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      status: 'failed',
      error: { code: 'AccessDeniedException', message: 'denied' },
      trails: [],
    });
    await temp.store.recordAccount(run.id, COLLECTOR, {
      accountId: OTHER,
      status: 'failed',
      enabledRegions: null,
      error: { code: 'UnauthorizedOperation', message: 'ec2:DescribeRegions' },
    });
    await temp.store.finishSyncRun(run.id, 'partial');

    const data = await query(`{
      coverage(assetType: "Trail") {
        accountId region lastSuccessAt lastSuccessRunId lastAttemptAt lastAttemptRunId lastAttemptStatus latestAttemptFailed
        error { code message } accountFailed regionEnabled
      }
    }`);
    const time = expect.stringMatching(/Z$/);
    expect(data.coverage).toEqual([
      {
        accountId: ACCOUNT,
        region: 'eu-west-1',
        lastSuccessAt: null,
        lastSuccessRunId: null,
        lastAttemptAt: time,
        lastAttemptRunId: run.id,
        lastAttemptStatus: 'FAILED',
        latestAttemptFailed: true,
        error: { code: 'AccessDeniedException', message: 'denied' },
        accountFailed: false,
        regionEnabled: true,
      },
      {
        accountId: ACCOUNT,
        region: 'us-east-1',
        lastSuccessAt: time,
        lastSuccessRunId: run.id,
        lastAttemptAt: time,
        lastAttemptRunId: run.id,
        lastAttemptStatus: 'OK',
        latestAttemptFailed: false,
        error: null,
        accountFailed: false,
        regionEnabled: true,
      },
      {
        accountId: ACCOUNT,
        region: 'us-west-2',
        lastSuccessAt: null,
        lastSuccessRunId: null,
        lastAttemptAt: null,
        lastAttemptRunId: null,
        lastAttemptStatus: 'NEVER',
        latestAttemptFailed: false,
        error: null,
        accountFailed: false,
        regionEnabled: true,
      },
      {
        accountId: OTHER,
        region: '',
        lastSuccessAt: null,
        lastSuccessRunId: null,
        lastAttemptAt: time,
        lastAttemptRunId: run.id,
        lastAttemptStatus: 'FAILED',
        latestAttemptFailed: true,
        error: { code: 'UnauthorizedOperation', message: 'ec2:DescribeRegions' },
        accountFailed: true,
        regionEnabled: null,
      },
    ]);
  });

  it('refuses an unknown asset type, naming the known ones', async () => {
    temp = await openTempStore();
    const result = await runQuery(api, temp.store, '{ coverage(assetType: "ObjectContainer") { accountId } }');
    expect(result.errors?.[0]).toMatchObject({
      message: `unknown asset type "ObjectContainer" (known: ${ASSET_TYPE_NAMES.join(', ')})`,
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
