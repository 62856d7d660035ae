// Verdicts: PASS only on a complete inventory that meets the expectation; every way of being incomplete is ERROR.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadCatalog, loadControl } from '../../src/controls/catalog.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import { evaluateControl, type ControlVerdict } from '../../src/controls/evaluate.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import type { InventoryStore } from '../../src/store/store.js';
import { verdictForAccount, verdictsAsText } from '../../src/controls/report.js';
import { COLLECTOR, syncRun, syncScope, trailRecord } from '../support/records.js';
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
  writeFileSync(
    file,
    toYaml({ ...seed, id: 'multi-region-logging', query: 'trails(where:{isMultiRegionTrail:true, isLogging:true}){...AssetFragment}', expect: 'count > 0' }),
  );
  return loadControl(api, file, dir);
}

describe('a count expectation', () => {
  it('passes when the query finds what must exist, and fails naming no asset when it finds nothing', async () => {
    temp = await openTempStore();
    const control = multiRegionControl();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('regional', { trail: KEY })] });
    expect(await evaluateControl(api, temp.store, control)).toMatchObject({
      verdict: 'FAIL',
      reason: 'the query returned 0 assets; expected "count > 0"',
      failingAssets: [],
    });
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      trails: [trailRecord('regional', { trail: KEY }), trailRecord('everywhere', { trail: { ...KEY, IsMultiRegionTrail: true } })],
    });
    expect(await evaluateControl(api, temp.store, control)).toMatchObject({ verdict: 'PASS', reason: 'the query result meets "count > 0"', failingAssets: [] });
  });
});

describe('the KMS control verdict', () => {
  it('is ERROR when the trails were never synced (an empty inventory is not a clean one)', async () => {
    temp = await openTempStore();
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining('Trail assets have never been synced') });
  });

  it('is PASS when every trail of a complete inventory has a KMS key', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY })] });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'PASS', failingAssets: [] });
  });

  it('is PASS for an account synced successfully that has no trails at all', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('is FAIL naming exactly the trails without a key', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY }), trailRecord('b'), trailRecord('c')] });
    const verdict = await verdictOf(temp.store);
    expect(verdict).toMatchObject({ verdict: 'FAIL', reason: '2 assets fail; expected "eq []"' });
    expect(verdict.failingAssets).toEqual(
      ['b', 'c'].map((name) => ({
        id: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${name}`,
        name,
        assetType: 'Trail',
        accountId: ACCOUNT,
        region: 'us-east-1',
      })),
    );
  });

  it('is ERROR once a region has not been synced successfully for longer than the maximum age, and PASS before', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY })] });
    const hoursLater = (hours: number) => ({ now: new Date(Date.now() + hours * 3_600_000) });
    expect((await evaluateControl(api, temp.store, kmsControl!, hoursLater(47))).verdict).toBe('PASS');
    expect(await evaluateControl(api, temp.store, kmsControl!, hoursLater(49))).toMatchObject({
      verdict: 'ERROR',
      reason: expect.stringMatching(
        new RegExp(
          `account ${ACCOUNT} has 1 region last synced more than 48 h ago \\(the oldest at .*: us-east-1\\); sync it again, or list it under forget in the accounts file`,
        ),
      ),
    });
    expect((await evaluateControl(api, temp.store, kmsControl!, { ...hoursLater(49), maxAgeHours: 72 })).verdict).toBe('PASS');
  });

  it('is ERROR, not PASS, when the latest sync failed in a region, and names the scope', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY })] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('a', { trail: KEY })] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      status: 'failed',
      error: { code: 'AccessDeniedException', message: 'denied' },
      trails: [],
    });
    await temp.store.finishSyncRun(run.id, 'partial', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}/eu-west-1: AccessDeniedException (denied)` });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`${ACCOUNT}/eu-west-1: AccessDeniedException`) });
  });

  it('stays ERROR while a failed scope has not been synced again, even after later runs succeed elsewhere', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      status: 'failed',
      error: { code: 'ThrottlingException', message: 'Rate exceeded' },
      trails: [],
    });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    expect(await verdictOf(temp.store)).toMatchObject({
      verdict: 'ERROR',
      reason: expect.stringContaining(`account ${ACCOUNT} region eu-west-1 failed in sync run 1 (ThrottlingException: Rate exceeded)`),
    });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', trails: [] });
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('is ERROR while an enabled region of a synced account has never been synced', async () => {
    temp = await openTempStore();
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
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: ['us-east-1'] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions: null });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('a', { trail: KEY })] });
    await temp.store.finishSyncRun(run.id, 'succeeded');
    expect(await verdictOf(temp.store)).toMatchObject({
      verdict: 'ERROR',
      reason: expect.stringContaining(`the enabled regions of account ${ACCOUNT} have never been read`),
    });
  });

  it('is ERROR for a region skipped while disabled, once the account has enabled it, until it is synced', async () => {
    temp = await openTempStore();
    const sync = async (enabledRegions: string[], scopes: [string, 'ok' | 'skipped'][]) => {
      const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
      await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions });
      for (const [region, status] of scopes) await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region, status, trails: [] });
      await temp.store.finishSyncRun(run.id, 'succeeded');
    };
    await sync(
      ['us-east-1'],
      [
        ['us-east-1', 'ok'],
        ['me-south-1', 'skipped'],
      ],
    );
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
    await sync(['me-south-1', 'us-east-1'], [['us-east-1', 'ok']]);
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining('1 enabled region never synced (me-south-1)') });
    await sync(
      ['me-south-1', 'us-east-1'],
      [
        ['us-east-1', 'ok'],
        ['me-south-1', 'ok'],
      ],
    );
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('stays ERROR while an account that could not be synced has not been synced since', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      status: 'failed',
      enabledRegions: null,
      error: { code: 'UnauthorizedOperation', message: 'ec2:DescribeRegions' },
    });
    await temp.store.finishSyncRun(run.id, 'failed', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}: UnauthorizedOperation` });
    await syncScope(temp.store, { accountId: '999999999999', region: 'us-east-1', trails: [] });
    expect(await verdictOf(temp.store)).toMatchObject({
      verdict: 'ERROR',
      reason: expect.stringContaining(`account ${ACCOUNT} failed in sync run 1 (UnauthorizedOperation: ec2:DescribeRegions)`),
    });
  });

  it('is ERROR when an account whose scopes once synced fails as a whole in a later run, until it syncs again', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('a', { trail: KEY })] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      status: 'failed',
      enabledRegions: null,
      error: { code: 'ExpiredToken', message: 'expired' },
    });
    await temp.store.finishSyncRun(run.id, 'failed', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}: ExpiredToken` });
    await syncScope(temp.store, { accountId: '999999999999', region: 'us-east-1', trails: [] });
    expect(await verdictOf(temp.store)).toMatchObject({
      verdict: 'ERROR',
      reason: expect.stringContaining(`account ${ACCOUNT} failed in sync run ${run.id} (ExpiredToken: expired)`),
    });
    const again = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(again.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions: ['us-east-1'] });
    await temp.store.writeTrailScope(again.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('a', { trail: KEY })] });
    await temp.store.finishSyncRun(again.id, 'succeeded');
    expect((await verdictOf(temp.store)).verdict).toBe('PASS');
  });

  it('is ERROR when a sync stopped sending heartbeats, even if its process still runs', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.sql('UPDATE sync_runs SET heartbeat_at = ? WHERE id = ?', [new Date(Date.now() - 10 * 60_000).toISOString(), run.id]);
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`sync run ${run.id} was interrupted`) });
  });

  it('is ERROR while a sync is running or after one was interrupted', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`sync run ${run.id} has not finished`) });
    await temp.sql('UPDATE sync_runs SET pid = ? WHERE id = ?', [2 ** 22 + 54321, run.id]);
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining(`sync run ${run.id} was interrupted`) });
  });

  it('is ERROR when the latest run could not reach an account at all', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.finishSyncRun(run.id, 'failed', { code: 'ScopesFailed', message: '1 failed: default credentials: ExpiredToken' });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', reason: expect.stringContaining('ExpiredToken') });
  });

  it('is ERROR when the query itself fails, never PASS', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    const broken: InventoryStore = Object.assign(Object.create(temp.store), {
      findAssetsOfType: async () => {
        throw new Error('database is locked');
      },
    });
    expect(await verdictOf(broken)).toMatchObject({ verdict: 'ERROR', reason: 'the query failed: database is locked' });
  });
});

describe('verdicts per account: the denominator, and ERROR only where the inventory has a gap', () => {
  const OTHER = '444455556666';
  const arn = (account: string, name: string) => `arn:aws:cloudtrail:us-east-1:${account}:trail/${name}`;
  const tally = (accountId: string, verdict: string, evaluated: number, failing: number, gaps: unknown[] = []) => ({
    accountId,
    verdict,
    evaluated,
    failing,
    excepted: 0,
    gaps,
  });

  it('a denied region makes only its account ERROR; the other account keeps its verdict, and --account on it passes', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      status: 'ok',
      trails: [trailRecord('keyed', { account: ACCOUNT, trail: KEY })],
    });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      status: 'failed',
      error: { code: 'AccessDeniedException', message: 'denied' },
      trails: [],
    });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: OTHER,
      region: 'us-east-1',
      status: 'ok',
      trails: [trailRecord('keyed', { account: OTHER, trail: KEY })],
    });
    await temp.store.finishSyncRun(run.id, 'partial', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}/eu-west-1: AccessDeniedException (denied)` });
    const verdict = await verdictOf(temp.store);
    expect(verdict.verdict).toBe('ERROR');
    expect(verdict.accounts).toEqual([
      tally(ACCOUNT, 'ERROR', 1, 0, [expect.stringContaining(`${ACCOUNT}/eu-west-1: AccessDeniedException`)]),
      tally(OTHER, 'PASS', 1, 0),
    ]);
    expect(verdictForAccount(verdict, OTHER)).toMatchObject({ verdict: 'PASS', failingAssets: [], evaluatedCount: 1, accounts: [tally(OTHER, 'PASS', 1, 0)] });
    expect(verdictForAccount(verdict, ACCOUNT)).toMatchObject({ verdict: 'ERROR', failingAssets: [] });
  });

  it('a denied region does not hide a failing asset known from a region synced: FAIL, with the gap said', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('plain', { account: ACCOUNT })] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      status: 'failed',
      error: { code: 'AccessDeniedException', message: 'denied' },
      trails: [],
    });
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: OTHER,
      region: 'us-east-1',
      status: 'ok',
      trails: [trailRecord('keyed', { account: OTHER, trail: KEY })],
    });
    await temp.store.finishSyncRun(run.id, 'partial', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}/eu-west-1: AccessDeniedException (denied)` });
    const verdict = await verdictOf(temp.store);
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.reason).toBe(
      `1 asset fails; expected "eq []"; the Trail inventory is also incomplete or stale, so more may fail: sync run ${run.id} failed in part: 1 failed: ${ACCOUNT}/eu-west-1: AccessDeniedException (denied)`,
    );
    expect(verdict.failingAssets.map((a) => a.id)).toEqual([arn(ACCOUNT, 'plain')]);
    expect(verdict.gaps).toEqual([`sync run ${run.id} failed in part: 1 failed: ${ACCOUNT}/eu-west-1: AccessDeniedException (denied)`]);
    expect(verdict.evaluatedCount).toBe(2);
    expect(verdict.accounts).toEqual([
      tally(ACCOUNT, 'FAIL', 1, 1, [expect.stringContaining(`${ACCOUNT}/eu-west-1: AccessDeniedException`)]),
      tally(OTHER, 'PASS', 1, 0),
    ]);
    expect(verdictForAccount(verdict, OTHER)).toMatchObject({ verdict: 'PASS', failingAssets: [], evaluatedCount: 1, accounts: [tally(OTHER, 'PASS', 1, 0)] });
    const mine = verdictForAccount(verdict, ACCOUNT);
    expect(mine).toMatchObject({ verdict: 'FAIL', failingAssets: [{ id: arn(ACCOUNT, 'plain') }] });
    expect(mine.reason).toContain(`its inventory is also incomplete or stale, so more may fail: sync run ${run.id} failed in part`);
    expect(verdictsAsText([verdict])).toContain(
      `evaluated 2 assets in 2 accounts; accounts by verdict: 1 PASS, 1 FAIL, 0 ERROR\n         ${ACCOUNT}  FAIL   1 of 1 asset failing\n`,
    );
  });

  it('a run that failed as a whole makes every account ERROR', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: OTHER, region: 'us-east-1', trails: [trailRecord('keyed', { account: OTHER, trail: KEY })] });
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.finishSyncRun(run.id, 'failed', { code: 'NoAccounts', message: 'the organization could not be listed' });
    const verdict = await verdictOf(temp.store);
    expect(verdict.accounts).toEqual([tally(OTHER, 'ERROR', 1, 0, [`sync run ${run.id} failed: the organization could not be listed`])]);
    expect(verdictForAccount(verdict, OTHER).verdict).toBe('ERROR');
  });

  it('an account that could never be synced shows ERROR with nothing evaluated; a synced account without trails, PASS with 0', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, {
      accountId: ACCOUNT,
      status: 'failed',
      enabledRegions: null,
      error: { code: 'AccessDenied', message: 'cannot assume role' },
    });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: OTHER, status: 'ok', enabledRegions: ['us-east-1'] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: OTHER, region: 'us-east-1', status: 'ok', trails: [] });
    await temp.store.finishSyncRun(run.id, 'partial', { code: 'ScopesFailed', message: `1 failed: ${ACCOUNT}: AccessDenied (cannot assume role)` });
    const verdict = await verdictOf(temp.store);
    expect(verdict).toMatchObject({ verdict: 'ERROR', evaluatedCount: 0 });
    expect(verdict.accounts).toEqual([
      tally(ACCOUNT, 'ERROR', 0, 0, [expect.stringContaining('AccessDenied (cannot assume role)'), expect.stringContaining('have never been read')]),
      tally(OTHER, 'PASS', 0, 0),
    ]);
  });

  it('a stale account is ERROR while a fresh one is decided', async () => {
    temp = await openTempStore();
    const start = Date.parse('2026-11-01T00:00:00.000Z');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(start);
      await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('plain', { account: ACCOUNT })] });
      vi.setSystemTime(start + 40 * 3_600_000);
      await syncScope(temp.store, { accountId: OTHER, region: 'us-east-1', trails: [trailRecord('plain', { account: OTHER })] });
    } finally {
      vi.useRealTimers();
    }
    // 50 hours after the first sync: ACCOUNT's data is 50 h old, OTHER's 10 h. OTHER's failing trail is certain, so the
    // control fails; ACCOUNT's, read 50 h ago, may have been fixed since: its account stays ERROR.
    const verdict = await evaluateControl(api, temp.store, kmsControl, { now: new Date(start + 50 * 3_600_000) });
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.accounts).toEqual([
      tally(ACCOUNT, 'ERROR', 1, 1, [expect.stringContaining(`account ${ACCOUNT} has 1 region last synced more than 48 h ago`)]),
      tally(OTHER, 'FAIL', 1, 1),
    ]);
  });

  it('a failing asset read only where the inventory is stale or failed leaves the verdict ERROR: it may be fixed since', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('plain', { account: ACCOUNT })] });
    const later = { now: new Date(Date.now() + 49 * 3_600_000) };
    expect(await evaluateControl(api, temp.store, kmsControl, later)).toMatchObject({ verdict: 'ERROR', failingAssets: [{ id: arn(ACCOUNT, 'plain') }] });
    // The region synced again, but failed this time: what was read there before is no longer certain either.
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      status: 'failed',
      error: { code: 'ThrottlingException', message: 'Rate exceeded' },
      trails: [],
    });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', failingAssets: [{ id: arn(ACCOUNT, 'plain') }] });
  });

  it('under count == 0 a known failing asset fails the control too; under count > 0 a gap is always ERROR', async () => {
    temp = await openTempStore();
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions: ['eu-west-1', 'us-east-1'] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [trailRecord('plain', { account: ACCOUNT })] });
    await temp.store.finishSyncRun(run.id, 'succeeded');
    const countZero = { ...kmsControl, expectation: { kind: 'count' as const, operator: '==' as const, value: 0, source: 'count == 0' } };
    expect(await evaluateControl(api, temp.store, countZero)).toMatchObject({
      verdict: 'FAIL',
      gaps: [expect.stringContaining('1 enabled region never synced (eu-west-1)')],
    });
    expect(await evaluateControl(api, temp.store, multiRegionControl())).toMatchObject({ verdict: 'ERROR' });
  });

  it('an account failing an account-level control is certain only when nothing of that account is missing', async () => {
    temp = await openTempStore();
    const accountLevel = loadCatalog(api).find((c) => c.id === 'cloudtrail-multi-region-management-events')!;
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    // ACCOUNT: a region never synced could hold the multi-region trail it lacks. OTHER: complete, and without one.
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: ACCOUNT, status: 'ok', enabledRegions: ['eu-west-1', 'us-east-1'] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: ACCOUNT, region: 'us-east-1', status: 'ok', trails: [] });
    await temp.store.recordAccount(run.id, COLLECTOR, { accountId: OTHER, status: 'ok', enabledRegions: ['us-east-1'] });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: OTHER, region: 'us-east-1', status: 'ok', trails: [] });
    await temp.store.finishSyncRun(run.id, 'succeeded');
    const verdict = await evaluateControl(api, temp.store, accountLevel);
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.failingAssets.map((a) => a.id)).toEqual([ACCOUNT, OTHER]);
    expect(verdict.reason).toMatch(
      /^2 accounts fail \(1 of them for certain: read where the inventory is complete and fresh\); expected "eq \[\]"; the Trail inventory is also incomplete or stale, so more may fail: account 111122223333 has 1 enabled region never synced/,
    );
    expect(verdict.accounts!.map((a) => [a.accountId, a.verdict])).toEqual([
      [ACCOUNT, 'ERROR'],
      [OTHER, 'FAIL'],
    ]);
  });

  it('no trails at all in a complete inventory: PASS, 0 evaluated, and the account listed', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [] });
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'PASS', evaluatedCount: 0, accounts: [tally(ACCOUNT, 'PASS', 0, 0)] });
  });

  it('never synced: ERROR with no account to show', async () => {
    temp = await openTempStore();
    expect(await verdictOf(temp.store)).toMatchObject({ verdict: 'ERROR', evaluatedCount: 0, accounts: [] });
  });

  it('a count control is decided over the whole inventory: each account shows that verdict', async () => {
    temp = await openTempStore();
    await syncRun(temp.store, [
      { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('regional', { account: ACCOUNT })] },
      { accountId: OTHER, region: 'us-east-1', trails: [] },
    ]);
    const verdict = await evaluateControl(api, temp.store, multiRegionControl());
    expect(verdict).toMatchObject({ verdict: 'FAIL', evaluatedCount: 1 });
    expect(verdict.accounts).toEqual([tally(ACCOUNT, 'FAIL', 1, 0), tally(OTHER, 'FAIL', 0, 0)]);
  });
});
