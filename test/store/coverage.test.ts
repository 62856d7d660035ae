// Coverage: every (account, region) the inventory knows for an asset type, with its latest attempt and success.
import { afterEach, describe, expect, it } from 'vitest';
import { computeCoverage, UnknownAssetTypeError, type CoverageEntry } from '../../src/store/coverage.js';
import { COLLECTOR, syncRun } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';
import { ASSET_TYPE_NAMES } from '../../src/assets/registry.js';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
let temp: TempStore;
afterEach(async () => temp?.cleanup());

const coverage = () => computeCoverage(temp.store, 'Trail');
const at = (entries: CoverageEntry[], accountId: string, region: string) => entries.find((e) => e.accountId === accountId && e.region === region);

describe('coverage', () => {
  it('lists attempted scopes, enabled regions never synced, and an account that failed before any region was known', async () => {
    temp = await openTempStore();
    const { runId: first } = await syncRun(temp.store, [{ accountId: A, region: 'us-east-1', trails: [] }]);
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: A, status: 'ok', enabledRegions: ['eu-west-1', 'us-east-1', 'us-west-2'] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: A,
      region: 'us-east-1',
      status: 'failed',
      error: { code: 'ThrottlingException', message: 'Rate exceeded' },
      trails: [],
    });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: A, region: 'eu-west-1', status: 'ok', trails: [] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: A, region: 'me-south-1', status: 'skipped', trails: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, {
      accountId: B,
      status: 'failed',
      enabledRegions: null,
      error: { code: 'UnauthorizedOperation', message: 'ec2:DescribeRegions' },
    });
    await temp.store.finishSyncRun(run.id, 'partial');

    const entries = await coverage();
    expect(entries.map((e) => [e.accountId, e.region, e.lastAttemptStatus])).toEqual([
      [A, 'eu-west-1', 'ok'],
      [A, 'me-south-1', 'skipped'],
      [A, 'us-east-1', 'failed'],
      [A, 'us-west-2', 'never'],
      [B, '', 'failed'],
    ]);
    expect(at(entries, A, 'us-east-1')).toEqual({
      accountId: A,
      region: 'us-east-1',
      lastSuccessAt: expect.any(String),
      lastSuccessRunId: first,
      lastAttemptAt: expect.any(String),
      lastAttemptRunId: run.id,
      lastAttemptStatus: 'failed',
      latestAttemptFailed: true,
      error: { code: 'ThrottlingException', message: 'Rate exceeded' },
      accountFailed: false,
      regionEnabled: true,
      enabledRegionsUnknown: false,
    });
    expect(at(entries, A, 'me-south-1')).toMatchObject({ lastSuccessRunId: run.id, regionEnabled: false, latestAttemptFailed: false });
    expect(at(entries, A, 'us-west-2')).toEqual({
      accountId: A,
      region: 'us-west-2',
      lastSuccessAt: null,
      lastSuccessRunId: null,
      lastAttemptAt: null,
      lastAttemptRunId: null,
      lastAttemptStatus: 'never',
      latestAttemptFailed: false,
      error: null,
      accountFailed: false,
      regionEnabled: true,
      enabledRegionsUnknown: false,
    });
    expect(at(entries, B, '')).toMatchObject({
      lastAttemptRunId: run.id,
      lastAttemptAt: expect.any(String),
      latestAttemptFailed: true,
      accountFailed: true,
      error: { code: 'UnauthorizedOperation', message: 'ec2:DescribeRegions' },
      lastSuccessAt: null,
      enabledRegionsUnknown: true,
    });
  });

  it('counts an account failing in a later run as the latest attempt of each of its scopes failing', async () => {
    temp = await openTempStore();
    const { runId: ok } = await syncRun(temp.store, [{ accountId: C, region: 'us-east-1', trails: [] }]);
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: C, status: 'failed', enabledRegions: null, error: { code: 'ExpiredToken', message: 'expired' } });
    await temp.store.finishSyncRun(run.id, 'failed');
    expect(await coverage()).toEqual([
      {
        accountId: C,
        region: 'us-east-1',
        lastSuccessAt: expect.any(String),
        lastSuccessRunId: ok,
        lastAttemptAt: expect.any(String),
        lastAttemptRunId: run.id,
        lastAttemptStatus: 'failed',
        latestAttemptFailed: true,
        error: { code: 'ExpiredToken', message: 'expired' },
        accountFailed: true,
        regionEnabled: null,
        enabledRegionsUnknown: true,
      },
    ]);
    // A later clean run repairs it.
    await syncRun(temp.store, [{ accountId: C, region: 'us-east-1', trails: [] }]);
    expect((await coverage())[0]).toMatchObject({ lastAttemptStatus: 'ok', latestAttemptFailed: false, accountFailed: false, error: null });
  });

  it('refuses an asset type no collector gathers, naming the known ones', async () => {
    temp = await openTempStore();
    await expect(computeCoverage(temp.store, 'ObjectContainer')).rejects.toThrow(UnknownAssetTypeError);
    await expect(computeCoverage(temp.store, 'ObjectContainer')).rejects.toThrow(`unknown asset type "ObjectContainer" (known: ${ASSET_TYPE_NAMES.join(', ')})`);
  });

  it('is empty for an inventory never synced', async () => {
    temp = await openTempStore();
    expect(await coverage()).toEqual([]);
  });
});
