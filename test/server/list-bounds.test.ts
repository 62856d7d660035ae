// Every list the HTTP server answers returns at most what its cost counted it by (README "Request limits"): a list
// without `limit` returns its bound at most (a whole page at the top, a nested list its default page), and when it has
// more it is an error that says so and how to page, never a silent cut; with `limit` and `offset`, a page. The
// in-process engine still reads every row. A server whose maximum page size is 3 shows it on a small inventory.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { InventoryStore, VerdictToRecord } from '../../src/store/store.js';
import { postGraphQL } from '../support/cli.js';
import { syncRun, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const PAGE = 3;
const api = createInventoryApi({ maxPageSize: PAGE });
const A = '111122223333';
const OTHERS = ['222233334444', '333344445555', '444455556666'];
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'];
const T1 = `arn:aws:cloudtrail:us-east-1:${A}:trail/t1`;
const TAGS = ['a', 'b', 'c', 'd'].map((key) => ({ key, value: key }));

/**
 * Four of everything, one more than a page: account A has trails t1..t4, multi-region, seen in four regions, with four
 * tags each, and t1 changed three times; three more accounts have a trail each; four stored exceptions; a recorded
 * check of four controls, each failing four assets in four accounts.
 */
async function inventory(store: InventoryStore): Promise<void> {
  const trails = (key: string) => [
    ...['t1', 't2', 't3', 't4'].map((name) =>
      trailRecord(name, { account: A, tags: TAGS, trail: { IsMultiRegionTrail: true, ...(name === 't1' ? { KmsKeyId: key } : {}) } }),
    ),
  ];
  for (const key of ['', 'k1', 'k2', 'k3']) {
    await syncRun(store, [
      ...REGIONS.map((region) => ({ accountId: A, region, trails: trails(key) })),
      ...OTHERS.map((accountId) => ({ accountId, region: 'us-east-1', trails: [trailRecord(`o${accountId}`, { account: accountId })] })),
    ]);
  }
  const catalog = ['c1', 'c2', 'c3', 'c4'].map((id) => ({ id, title: id, severity: 'low' }));
  const verdict = (controlId: string): VerdictToRecord => ({
    controlId,
    title: controlId,
    severity: 'low',
    verdict: 'FAIL',
    reason: 'r',
    failingAssets: ['t1', 't2', 't3', 't4'].map((name) => ({ id: `arn:aws:cloudtrail:us-east-1:${A}:trail/${name}`, accountId: A, region: 'us-east-1' })),
    evaluatedCount: 7,
    accounts: [A, ...OTHERS].map((accountId) => ({ accountId, verdict: 'FAIL' as const, evaluated: 1, failing: 1, excepted: 0 })),
    evaluatedAt: '2026-01-01T00:00:00.000Z',
  });
  await store.recordControlRun(
    catalog.map((c) => verdict(c.id)),
    'check',
    catalog,
  );
  for (let i = 0; i < 4; i++) {
    await store.addControlException({
      control: 'c1',
      asset: `arn:aws:cloudtrail:us-east-1:${A}:trail/t${i + 1}`,
      owner: 'o',
      reason: 'r',
      approver: 'a',
      expires: '2099-01-01',
      createdBy: 'local',
    });
  }
}

let temp: TempStore;
let server: RunningServer;

beforeAll(async () => {
  temp = await openTempStore();
  await inventory(temp.store);
  server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger });
});
afterAll(async () => {
  await server.close();
  await temp.cleanup();
});

/** Each list that has four items here, asked for without a limit; then its second page, with the page arguments its error names. */
const LISTS: readonly { field: string; query: string; page: string; second: (data: any) => unknown[] }[] = [
  { field: 'Query.trails', query: '{ trails { id } }', page: '{ trails(options: {limit: 3, offset: 3}) { id } }', second: (d) => d.trails },
  { field: 'Query.assets', query: '{ assets { id } }', page: '{ assets(options: {limit: 3, offset: 3}) { id } }', second: (d) => d.assets },
  { field: 'Query.accounts', query: '{ accounts { id } }', page: '{ accounts(limit: 3, offset: 3) { id } }', second: (d) => d.accounts },
  { field: 'Query.controls', query: '{ controls { id } }', page: '{ controls(limit: 3, offset: 3) { id } }', second: (d) => d.controls },
  { field: 'Query.exceptions', query: '{ exceptions { id } }', page: '{ exceptions(limit: 3, offset: 3) { id } }', second: (d) => d.exceptions },
  {
    field: 'Query.coverage',
    query: '{ coverage(assetType: "Trail") { region } }',
    page: '{ coverage(assetType: "Trail", limit: 3, offset: 6) { region } }',
    second: (d) => d.coverage,
  },
  {
    field: 'Account.trails',
    query: `{ node(id: "${A}") { ... on Account { trails { id } } } }`,
    page: `{ node(id: "${A}") { ... on Account { trails(limit: 3, offset: 3) { id } } } }`,
    second: (d) => d.node.trails,
  },
  {
    field: 'Trail.tags',
    query: `{ trail(id: "${T1}") { tags { key } } }`,
    page: `{ trail(id: "${T1}") { tags(limit: 3, offset: 3) { key } } }`,
    second: (d) => d.trail.tags,
  },
  {
    field: 'Trail.visibleIn',
    query: `{ trail(id: "${T1}") { visibleIn { region } } }`,
    page: `{ trail(id: "${T1}") { visibleIn(limit: 3, offset: 3) { region } } }`,
    second: (d) => d.trail.visibleIn,
  },
  {
    field: 'Trail.history',
    query: `{ trail(id: "${T1}") { history { kind } } }`,
    page: `{ trail(id: "${T1}") { history(limit: 3, offset: 3) { kind } } }`,
    second: (d) => d.trail.history,
  },
  {
    field: 'TrailAggregate.countBy',
    query: '{ trailsAggregate { countBy(field: accountId) { value } } }',
    page: '{ trailsAggregate { countBy(field: name, limit: 3, offset: 6) { value } } }',
    second: (d) => d.trailsAggregate.countBy,
  },
  {
    field: 'SyncRun.scopes',
    query: '{ syncRuns(limit: 1) { scopes { region } } }',
    page: '{ syncRuns(limit: 1) { scopes(limit: 3, offset: 6) { region } } }',
    second: (d) => d.syncRuns[0].scopes,
  },
  {
    field: 'ControlStatus.failingAssets',
    query: '{ controls(limit: 1) { failingAssets { id } } }',
    page: '{ controls(limit: 1) { failingAssets(limit: 3, offset: 3) { id } } }',
    second: (d) => d.controls[0].failingAssets,
  },
  {
    field: 'ControlStatus.accounts',
    query: '{ controls(limit: 1) { accounts { accountId } } }',
    page: '{ controls(limit: 1) { accounts(limit: 3, offset: 3) { accountId } } }',
    second: (d) => d.controls[0].accounts,
  },
  {
    field: 'ControlRun.results',
    query: '{ controlRuns(limit: 1) { results { controlId } } }',
    page: '{ controlRuns(limit: 1) { results(limit: 3, offset: 3) { controlId } } }',
    second: (d) => d.controlRuns[0].results,
  },
  {
    field: 'ControlResult.failingAssets',
    query: '{ controlRuns(limit: 1) { results(limit: 1) { failingAssets { id } } } }',
    page: '{ controlRuns(limit: 1) { results(limit: 1) { failingAssets(limit: 3, offset: 3) { id } } } }',
    second: (d) => d.controlRuns[0].results[0].failingAssets,
  },
  {
    field: 'ControlResult.accounts',
    query: '{ controlRuns(limit: 1) { results(limit: 1) { accounts { accountId } } } }',
    page: '{ controlRuns(limit: 1) { results(limit: 1) { accounts(limit: 3, offset: 3) { accountId } } } }',
    second: (d) => d.controlRuns[0].results[0].accounts,
  },
];

describe('a list without a limit, over HTTP', () => {
  it.each(LISTS)('$field: at most a page, else an error naming the bound and how to page; the page arguments give the rest', async ({ field, query, page, second }) => {
    const { body } = await postGraphQL(server.graphqlUrl, query);
    expect(body.errors, JSON.stringify(body)).toHaveLength(1);
    const [error] = body.errors;
    expect(error.message).toMatch(
      new RegExp(`^${field.split('.')[1]}\\b.* has more than ${PAGE} items, the most a (nested )?list without a limit returns; ask for them a page at a time: `),
    );
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', list: { field, maximum: PAGE } });
    const rest = await postGraphQL(server.graphqlUrl, page);
    expect(rest.body.errors, JSON.stringify(rest.body)).toBeUndefined();
    expect(second(rest.body.data).length).toBeGreaterThan(0);
    expect(second(rest.body.data).length).toBeLessThanOrEqual(PAGE);
  });

  it('returns a list that fits its bound whole, the seed query included', async () => {
    const { body } = await postGraphQL(server.graphqlUrl, `{ accounts(where: {accountId_IN: ["${OTHERS.join('", "')}"]}) { id trails { id tags { key } } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.accounts).toHaveLength(PAGE);
    const seed = await postGraphQL(server.graphqlUrl, `{ trails(where: {accountId_NOT: "${A}"}) { ...AssetFragment } }`);
    expect(seed.body.errors).toBeUndefined();
    expect(seed.body.data.trails).toHaveLength(PAGE);
  });

  it('reads each nested page in SQL, one row past its bound, for all its parents in one statement', async () => {
    const trailsOfAccounts = vi.spyOn(temp.store, 'assetsOfAccounts');
    const findAccounts = vi.spyOn(temp.store, 'findAccounts');
    try {
      const { body } = await postGraphQL(server.graphqlUrl, '{ accounts { id trails { id } } }');
      expect(body.errors[0].extensions.list).toEqual({ field: 'Query.accounts', maximum: PAGE });
      expect(findAccounts).toHaveBeenCalledWith(undefined, { limit: PAGE + 1, offset: 0 });
      expect(trailsOfAccounts).not.toHaveBeenCalled();

      await postGraphQL(server.graphqlUrl, `{ accounts(limit: 2) { id trails { id } } }`);
      expect(trailsOfAccounts).toHaveBeenCalledTimes(1);
      expect(trailsOfAccounts).toHaveBeenCalledWith('Trail', [A, OTHERS[0]], { limit: PAGE + 1, offset: 0 });
      const read = await trailsOfAccounts.mock.results[0]!.value;
      expect(read.map((trails: unknown[]) => trails.length)).toEqual([PAGE + 1, 1]);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('leaves the in-process engine every row: stored checks read the whole inventory', async () => {
    const result = await runQuery(api, temp.store, '{ trails { id tags { key } visibleIn { region } history { kind } } accounts { id trails { id } } }');
    expect(result.errors).toBeUndefined();
    const data = result.data as any;
    expect(data.trails).toHaveLength(4 + OTHERS.length);
    const t1 = data.trails.find((t: { id: string }) => t.id === T1);
    expect([t1.tags.length, t1.visibleIn.length, t1.history.length]).toEqual([4, 4, 4]);
    expect(data.accounts.map((a: { trails: unknown[] }) => a.trails.length)).toEqual([4, 1, 1, 1]);
  });

  it('takes no limit above the maximum page size, and no negative offset', async () => {
    const { body } = await postGraphQL(server.graphqlUrl, `{ node(id: "${A}") { ... on Account { trails(limit: 4) { id } } } }`);
    expect(body.errors[0]).toMatchObject({ message: expect.stringContaining('limit is 4, above the maximum page size of 3'), extensions: { code: 'BAD_USER_INPUT' } });
    const negative = await postGraphQL(server.graphqlUrl, '{ accounts(offset: -1) { id } }');
    expect(negative.body.errors[0]).toMatchObject({ message: 'offset must not be negative', extensions: { code: 'BAD_USER_INPUT' } });
  });
});
