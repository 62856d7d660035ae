// Verdicts: PASS only on a complete inventory that meets the expectation; every way of being incomplete is ERROR.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadCatalog, loadControl } from '../../src/controls/catalog.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import { evaluateControl, type ControlVerdict } from '../../src/controls/evaluate.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import type { InventoryStore } from '../../src/store/store.js';
import { COLLECTOR, syncScope, trailRecord } from '../support/records.js';
import { openTempStore, tempDir, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const kmsControl = loadCatalog(api).find((c) => c.id === 'cloudtrail-kms-encryption')!;
const ACCOUNT = '111122223333';
const KEY = { KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k' };

let temp: TempStore;
afterEach(async () => temp?.cleanup());

const verdictOf = (store: InventoryStore): Promise<ControlVerdict> => evaluateControl(api, store, kmsControl!);

/** A control asking for at least one logging multi-region trail: `count > 0`, where what the query returns complies. */
function multiRegionControl() {
  const dir = tempDir('controls-');
  const file = join(dir, 'multi-region-logging.yaml');
  const seed = parseYaml(readFileSync(join(CONTROLS_DIR, 'aws', 'cloudtrail-kms-encryption.yaml'), 'utf8')) as Record<string, unknown>;
  writeFileSync(file, toYaml({ ...seed, id: 'multi-region-logging', query: 'trails(where:{isMultiRegionTrail:true, isLogging:true}){...AssetFragment}', expect: 'count > 0' }));
  return loadControl(api, file, dir);
}

describe('a count expectation', () => {
  it('passes when the query finds what must exist, and fails naming no asset when it finds nothing', async () => {
    temp = openTempStore();
    const control = multiRegionControl();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('regional', { trail: KEY })] });
    expect(await evaluateControl(api, temp.store, control)).toMatchObject({
      verdict: 'FAIL',
      reason: 'the query returned 0 assets; expected "count > 0"',
      failingAssets: [],
    });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('regional', { trail: KEY }), trailRecord('everywhere', { trail: { ...KEY, IsMultiRegionTrail: true } })] });
    expect(await evaluateControl(api, temp.store, control)).toMatchObject({ verdict: 'PASS', reason: 'the query result meets "count > 0"', failingAssets: [] });
  });
});

describe('the KMS control verdict', () => {
  it('is ERROR when the trails were never synced (an empty inventory is not a clean one)', async () => {
    temp = openTempStore();
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining('Trail assets have never been synced') });
  });

  it('is PASS when every trail of a complete inventory has a KMS key', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY })] });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'PASS', failingAssets: [] });
  });

  it('is PASS for an account synced successfully that has no trails at all', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('is FAIL naming exactly the trails without a key', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY }), trailRecord('b'), trailRecord('c')] });
    const verdict = await verdictOf(temp.store);
    expect(verdict).toMatchObject({ verdict: 'FAIL', reason: '2 assets fail; expected "eq []"' });
    expect(verdict.failingAssets).toEqual(['b', 'c'].map((name) => ({
      id: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${name}`, name, assetType: 'Trail', accountId: ACCOUNT, region: 'us-east-1',
    })));
  });

  it('is ERROR once a region has not been synced successfully for longer than the maximum age, and PASS before', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY })] });
    const hoursLater = (hours: number) => ({ now: new Date(Date.now() + hours * 3_600_000) });
    expect((await evaluateControl(api, temp.store, kmsControl!, hoursLater(47))).verdict).toBe('PASS');
    expect(await evaluateControl(api, temp.store, kmsControl!, hoursLater(49))).toMatchObject({
      verdict: 'ERROR',
      reason: expect.stringMatching(new RegExp(`account ${ACCOUNT} has 1 region last synced more than 48 h ago \\(the oldest at .*: us-east-1\\); sync it again, or list it under forget in the accounts file`)),
    });
    expect((await evaluateControl(api, temp.store, kmsControl!, { ...hoursLater(49), maxAgeHours: 72 })).verdict).toBe('PASS');
  });

  it('is ERROR, not PASS, when the latest sync failed in a region, and names the scope', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY })] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('a', { trail: KEY })] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'eu-west-1', status: 'failed', error: { code: 'AccessDeniedException', message: 'denied' }, trails: [] });
    await temp.store.finishSyncRun(run.id, 'partial', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}/eu-west-1: AccessDeniedException (denied)` });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`${ACCOUNT}/eu-west-1: AccessDeniedException`) });
  });

  it('stays ERROR while a failed scope has not been synced again, even after later runs succeed elsewhere', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', status: 'failed', error: { code: 'ThrottlingException', message: 'Rate exceeded' }, trails: [] });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`account ${ACCOUNT} region eu-west-1 failed in sync run 1 (ThrottlingException: Rate exceeded)`) });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', trails: [] });
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('is ERROR while an enabled region of a synced account has never been synced', async () => {
    temp = openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: ['us-east-1'] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions: ['eu-west-1', 'us-east-1'] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('a', { trail: KEY })] });
    await temp.store.finishSyncRun(run.id, 'succeeded');
    expect(await verdictOf(temp.store)).toMatchObject({
      verdict: 'ERROR',
      reason: `the Trail inventory is incomplete or stale: account ${ACCOUNT} has 1 enabled region never synced (eu-west-1); sync without --regions to cover them`,
    });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', trails: [] });
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('is ERROR while the enabled regions of a synced account have never been read', async () => {
    temp = openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: ['us-east-1'] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions: null });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('a', { trail: KEY })] });
    await temp.store.finishSyncRun(run.id, 'succeeded');
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`the enabled regions of account ${ACCOUNT} have never been read`) });
  });

  it('is ERROR for a region skipped while disabled, once the account has enabled it, until it is synced', async () => {
    temp = openTempStore();
    const sync = async (enabledRegions: string[], scopes: [string, 'ok' | 'skipped'][]) => {
      const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
      await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions });
      for (const [region, status] of scopes) await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region, status, trails: [] });
      await temp.store.finishSyncRun(run.id, 'succeeded');
    };
    await sync(['us-east-1'], [['us-east-1', 'ok'], ['me-south-1', 'skipped']]);
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
    await sync(['me-south-1', 'us-east-1'], [['us-east-1', 'ok']]);
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining('1 enabled region never synced (me-south-1)') });
    await sync(['me-south-1', 'us-east-1'], [['us-east-1', 'ok'], ['me-south-1', 'ok']]);
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('stays ERROR while an account that could not be synced has not been synced since', async () => {
    temp = openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'failed', enabledRegions: null, error: { code: 'UnauthorizedOperation', message: 'ec2:DescribeRegions' } });
    await temp.store.finishSyncRun(run.id, 'failed', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}: UnauthorizedOperation` });
    await syncScope(temp.store, { accountId: '999999999999', region: 'us-east-1', trails: [] });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`account ${ACCOUNT} failed in sync run 1 (UnauthorizedOperation: ec2:DescribeRegions)`) });
  });

  it('is ERROR when an account whose scopes once synced fails as a whole in a later run, until it syncs again', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY })] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'failed', enabledRegions: null, error: { code: 'ExpiredToken', message: 'expired' } });
    await temp.store.finishSyncRun(run.id, 'failed', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}: ExpiredToken` });
    await syncScope(temp.store, { accountId: '999999999999', region: 'us-east-1', trails: [] });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`account ${ACCOUNT} failed in sync run ${run.id} (ExpiredToken: expired)`) });
    const again = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(again.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions: ['us-east-1'] });
    await temp.store.writeTrailScope(again.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('a', { trail: KEY })] });
    await temp.store.finishSyncRun(again.id, 'succeeded');
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('is ERROR when a sync stopped sending heartbeats, even if its process still runs', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    temp.store.db.prepare('UPDATE sync_runs SET heartbeat_at = ? WHERE id = ?').run(new Date(Date.now() - 10 * 60_000).toISOString(), run.id);
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`sync run ${run.id} was interrupted`) });
  });

  it('is ERROR while a sync is running or after one was interrupted', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`sync run ${run.id} has not finished`) });
    temp.store.db.prepare('UPDATE sync_runs SET pid = ? WHERE id = ?').run(2 ** 22 + 54321, run.id);
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`sync run ${run.id} was interrupted`) });
  });

  it('is ERROR when the latest run could not reach an account at all', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.finishSyncRun(run.id, 'failed', { code: 'ScopesFailed', message: '1 failed: default credentials: ExpiredToken' });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining('ExpiredToken') });
  });

  it('is ERROR when the query itself fails, never PASS', async () => {
    temp = openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    const broken: InventoryStore = Object.assign(Object.create(temp.store), {
      findTrails: async () => { throw new Error('database is locked'); },
    });
    expect(await verdictOf(broken)).toMatchObject({ verdict: 'ERROR', reason: 'the query failed: database is locked' });
  });
});
