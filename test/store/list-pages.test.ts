// Pages of lists read in SQL: each batched read takes a page and applies it to every parent's list apart (one statement
// for all the parents), and the top-level lists without one take a limit and an offset: what the GraphQL API's page
// arguments and bounds rest on (README "Request limits"). Both stores keep the same contract.
import { afterEach, describe, expect, it } from 'vitest';
import type { InventoryStore, VerdictToRecord } from '../../src/store/store.js';
import { syncRun, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

let temp: TempStore;
afterEach(async () => temp?.cleanup());

const A = '111122223333';
const B = '444455556666';
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1'];
const tags = [
  { key: 'a', value: '1' },
  { key: 'b', value: '2' },
  { key: 'c', value: '3' },
];
const arnOf = (account: string, name: string) => `arn:aws:cloudtrail:us-east-1:${account}:trail/${name}`;

/** Account A: trails t1..t4, multi-region, seen in three regions, three tags each; account B: one trail. */
async function inventory(store: InventoryStore): Promise<number> {
  const trail = (account: string, name: string) => trailRecord(name, { account, tags, trail: { IsMultiRegionTrail: true } });
  const trailsOfA = ['t1', 't2', 't3', 't4'].map((name) => trail(A, name));
  const { runId } = await syncRun(store, [
    ...REGIONS.map((region) => ({ accountId: A, region, trails: trailsOfA })),
    { accountId: B, region: 'us-east-1', trails: [trail(B, 'b1')] },
  ]);
  return runId;
}

describe('pages of lists in the store', () => {
  it('pages each parent of a batched read apart, in its own order, in one call for all of them', async () => {
    temp = await openTempStore();
    const { store } = temp;
    const runId = await inventory(store);
    const [t1, t2] = [arnOf(A, 't1'), arnOf(A, 't2')];

    expect(await store.tagsByAssetId([t1, t2], { limit: 2 })).toEqual([tags.slice(0, 2), tags.slice(0, 2)]);
    expect(await store.tagsByAssetId([t1, t2], { limit: 2, offset: 2 })).toEqual([tags.slice(2), tags.slice(2)]);
    expect(await store.tagsByAssetId([t1], { offset: 1 })).toEqual([tags.slice(1)]);

    const ofA = (await store.trailsOfAccounts([A, B], { limit: 2, offset: 1 })).map((trails) => trails.map((t) => t.name));
    expect(ofA).toEqual([['t2', 't3'], []]);
    expect((await store.trailsOfAccounts([A, B], { limit: 1 })).map((trails) => trails.map((t) => t.name))).toEqual([['t1'], ['b1']]);

    expect(await store.sightingsByTrailArn([t1, t2], { limit: 2, offset: 1 })).toEqual([
      REGIONS.slice(1).map((region) => ({ accountId: A, region })),
      REGIONS.slice(1).map((region) => ({ accountId: A, region })),
    ]);
    expect(await store.trailHistory([t1, t2], { limit: 0 })).toEqual([[], []]);
    expect((await store.trailHistory([t1, t2], { limit: 1 })).map((changes) => changes.map((c) => c.kind))).toEqual([['created'], ['created']]);

    const scopes = await store.scopesOfRuns([runId], 'ok', { limit: 2, offset: 1 });
    expect(scopes[0]!.map((s) => `${s.accountId}/${s.region}`)).toEqual([`${A}/us-east-2`, `${A}/us-west-1`]);
  });

  it('pages the top-level lists that take no filter page: accounts, group counts and stored exceptions', async () => {
    temp = await openTempStore();
    const { store } = temp;
    await inventory(store);
    expect((await store.findAccounts({}, { limit: 1, offset: 1 })).map((a) => a.accountId)).toEqual([B]);
    expect((await store.findAccounts({}, { offset: 0 })).map((a) => a.accountId)).toEqual([A, B]);
    const groups = await store.countTrailsBy({}, 'accountId', { limit: 1 });
    expect(groups).toEqual([{ value: A, count: 4 }]);
    expect(await store.countTrailsBy({}, 'accountId', { limit: 5, offset: 1 })).toEqual([{ value: B, count: 1 }]);

    const exception = { control: 'cloudtrail-kms-encryption', owner: 'o', reason: 'r', approver: 'a', expires: '2099-01-01', createdBy: 'local' };
    for (const name of ['t1', 't2', 't3']) await store.addControlException({ ...exception, asset: arnOf(A, name) });
    expect((await store.listControlExceptions({ limit: 2, offset: 1 })).map((e) => e.asset)).toEqual([arnOf(A, 't2'), arnOf(A, 't3')]);
    await expect(store.findAccounts({}, { limit: -1 })).rejects.toThrow(/limit must be a non-negative integer/);
  });

  it("pages the recorded control results: the catalog, each run's results, each result's failing and excepted assets and accounts", async () => {
    temp = await openTempStore();
    const { store } = temp;
    const catalog = ['c1', 'c2', 'c3'].map((id) => ({ id, title: id, severity: 'low' }));
    const asset = (name: string, account = A) => ({ id: arnOf(account, name), accountId: account, region: 'us-east-1' });
    const verdict = (controlId: string): VerdictToRecord => ({
      controlId,
      title: controlId,
      severity: 'low',
      verdict: 'FAIL',
      reason: 'r',
      failingAssets: ['f1', 'f2', 'f3'].map((name) => asset(name)),
      exceptedAssets: ['e1', 'e2'].map((name) => ({ ...asset(name), exception: { owner: 'o', expires: '2099-01-01' } })),
      evaluatedCount: 5,
      accounts: [A, B].map((accountId) => ({ accountId, verdict: 'FAIL' as const, evaluated: 1, failing: 1, excepted: 0 })),
      evaluatedAt: '2026-01-01T00:00:00.000Z',
    });
    const run = await store.recordControlRun(
      catalog.map((c) => verdict(c.id)),
      'check',
      catalog,
    );

    expect((await store.latestControlResults({ limit: 1, offset: 1 })).map((c) => [c.id, c.result?.runId])).toEqual([['c2', run.id]]);
    expect(await store.latestControlResults({ offset: 3 })).toEqual([]);
    expect((await store.resultsOfRuns([run.id], undefined, { limit: 2, offset: 1 }))[0]!.map((r) => r.controlId)).toEqual(['c2', 'c3']);
    expect((await store.resultsOfRuns([run.id], 'c3'))[0]!.map((r) => r.controlId)).toEqual(['c3']);
    expect((await store.controlRuns({ withResults: false }))[0]!.results).toEqual([]);

    // Each state is paged apart: the first page of the failing assets and the first of the excepted ones.
    const assets = await store.resultAssets(
      [
        { runId: run.id, controlId: 'c1' },
        { runId: run.id, controlId: 'c2' },
      ],
      { limit: 1, offset: 1 },
    );
    expect(assets.map((list) => list.map((a) => `${a.state}:${a.assetId.split('/')[1]}`))).toEqual([
      ['excepted:e2', 'failing:f2'],
      ['excepted:e2', 'failing:f2'],
    ]);
    const accounts = await store.resultAccounts([{ runId: run.id, controlId: 'c1' }], { limit: 1, offset: 1 });
    expect(accounts[0]!.map((a) => a.accountId)).toEqual([B]);
  });
});
