// trailsConnection: Relay cursor pages by keyset (no OFFSET), stable under inserts, opaque cursors tied to their sort,
// and the maximum page size for `first` and `options.limit`.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/graphql/pages.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore, ON_POSTGRES, sqliteOf } from '../support/store.js';

const api = createInventoryApi();
const ACCOUNT = '111122223333';

interface Page {
  edges: { cursor: string; node: { name: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

describe('trailsConnection', () => {
  let temp: TempStore;
  const trails = [
    trailRecord('alpha', { status: { IsLogging: true, LatestDeliveryTime: new Date('2026-01-03T00:00:00Z') } }),
    trailRecord('beta', { status: { IsLogging: false, LatestDeliveryTime: new Date('2026-01-01T00:00:00Z') } }),
    trailRecord('gamma', { status: null }), // isLogging and latestDeliveryTime unknown (null)
    trailRecord('delta', { status: { IsLogging: true, LatestDeliveryTime: new Date('2026-01-01T00:00:00Z') }, trail: { KmsKeyId: 'k' } }),
    trailRecord('epsilon', { status: null, trail: { KmsKeyId: 'k' } }),
    trailRecord('zeta', { status: { IsLogging: false }, tags: [{ key: 'team', value: 'blue' }] }),
    trailRecord('eta', { region: 'eu-west-1', status: { IsLogging: true, LatestDeliveryTime: new Date('2026-01-02T00:00:00Z') } }),
  ];
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: trails.filter((t) => t.region === 'us-east-1') });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', trails: trails.filter((t) => t.region === 'eu-west-1') });
  });
  afterAll(() => temp.cleanup());
  afterEach(() => vi.restoreAllMocks());

  const page = async (args: string, variables?: Record<string, unknown>): Promise<Page> => {
    const result = await runQuery(
      api,
      temp.store,
      `query($after: String) { trailsConnection(${args}, after: $after) {
      edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`,
      variables,
    );
    expect(result.errors, args).toBeUndefined();
    return result.data!.trailsConnection as Page;
  };
  /** Every page of a query, following endCursor. */
  const allPages = async (args: string): Promise<Page[]> => {
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const next: Page = await page(args, { after });
      pages.push(next);
      after = next.pageInfo.hasNextPage ? next.pageInfo.endCursor : null;
    } while (after && pages.length < 20);
    return pages;
  };
  const listed = async (options: string) =>
    ((await runQuery(api, temp.store, `{ trails(options: {${options}}) { name } }`)).data!.trails as { name: string }[]).map((t) => t.name);

  it('pages through every trail in id order, with edges, cursors, pageInfo and totalCount', async () => {
    const pages = await allPages('first: 3');
    expect(pages.map((p) => p.edges.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.edges.map((e) => e.node.name))).toEqual(await listed(''));
    expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([true, true, false]);
    expect(pages.map((p) => p.pageInfo.hasPreviousPage)).toEqual([false, true, true]);
    for (const p of pages) {
      expect(p.totalCount).toBe(7);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]!.cursor);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
    }
  });

  it('follows any sort, nulls and descending order included, exactly as the plain list orders it', async () => {
    for (const sort of [
      '{isLogging: DESC}, {name: ASC}',
      '{latestDeliveryTime: ASC}',
      '{latestDeliveryTime: DESC}, {name: DESC}',
      '{kmsKeyID: DESC}',
      '{lastSeenAt: ASC}',
      '{isLogging: DESC}, {latestDeliveryTime: ASC}',
      '{isLogging: ASC}, {latestDeliveryTime: DESC}',
    ]) {
      const expected = await listed(`sort: [${sort}]`);
      for (const first of [1, 2, 4]) {
        const names = (await allPages(`first: ${first}, sort: [${sort}]`)).flatMap((p) => p.edges.map((e) => e.node.name));
        expect(names, `${sort} by ${first}`).toEqual(expected);
      }
    }
  });

  it('filters with the same where as trails, relations included', async () => {
    const p = await page('first: 10, where: {OR: [{kmsKeyID_NOT: ""}, {tags_SOME: {key: "team"}}]}');
    expect(p.edges.map((e) => e.node.name)).toEqual(['delta', 'epsilon', 'zeta']);
    expect(p.totalCount).toBe(3);
    expect(p.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('answers an empty page, and first: 0 with whether anything follows', async () => {
    expect(await page('first: 5, where: {name: "nope"}')).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      totalCount: 0,
    });
    expect((await page('first: 0')).pageInfo).toMatchObject({ hasNextPage: true, endCursor: null });
  });

  it(`returns ${DEFAULT_PAGE_SIZE} trails when first is not given`, async () => {
    expect((await page('where: {}')).edges).toHaveLength(7);
    expect(DEFAULT_PAGE_SIZE).toBe(100);
  });

  // Spies on better-sqlite3 statements and reads SQLite's query plan, so it runs on SQLite only.
  it.skipIf(ON_POSTGRES)('reads a page by keyset in SQL, never by OFFSET: after a cursor, a search of the primary key (SQLite plan)', async () => {
    const first = await page('first: 2');
    const statement = Object.getPrototypeOf(sqliteOf(temp).db.prepare('SELECT 1')) as { all: (...args: unknown[]) => unknown };
    const spy = vi.spyOn(statement, 'all');
    await page('first: 2', { after: first.pageInfo.endCursor });
    const call = spy.mock.calls.findIndex((_, i) => /FROM trails/.test((spy.mock.contexts[i] as { source: string }).source));
    const source = (spy.mock.contexts[call] as { source: string }).source;
    const params = spy.mock.calls[call]!;
    expect(source).not.toMatch(/OFFSET/i);
    spy.mockRestore();
    const plan = (
      sqliteOf(temp)
        .db.prepare(`EXPLAIN QUERY PLAN ${source}`)
        .all(...params) as { detail: string }[]
    ).map((s) => s.detail);
    expect(plan.join('\n')).toMatch(/SEARCH trails USING INDEX sqlite_autoindex_trails_1 \(arn>\?\)/);
  });

  it('keeps cursors stable when trails are added and removed between pages', async () => {
    const scratch = await openTempStore();
    try {
      const names = ['b', 'd', 'f', 'h'];
      await syncScope(scratch.store, { accountId: ACCOUNT, region: 'us-east-1', trails: names.map((n) => trailRecord(n)) });
      const run = async (after: string | null) => {
        const result = await runQuery(
          api,
          scratch.store,
          'query($a: String) { trailsConnection(first: 2, after: $a) { edges { node { name } } pageInfo { endCursor hasNextPage } } }',
          { a: after },
        );
        return result.data!.trailsConnection as { edges: { node: { name: string } }[]; pageInfo: { endCursor: string; hasNextPage: boolean } };
      };
      const one = await run(null);
      expect(one.edges.map((e) => e.node.name)).toEqual(['b', 'd']);
      // Before the next page: a trail before the cursor, one after it, and the cursor's own trail deleted.
      await syncScope(scratch.store, { accountId: ACCOUNT, region: 'us-east-1', trails: ['a', 'b', 'e', 'f', 'h'].map((n) => trailRecord(n)) });
      const two = await run(one.pageInfo.endCursor);
      expect(two.edges.map((e) => e.node.name)).toEqual(['e', 'f']);
      expect((await run(two.pageInfo.endCursor)).edges.map((e) => e.node.name)).toEqual(['h']);
    } finally {
      await scratch.cleanup();
    }
  });

  it('refuses a malformed cursor, and a cursor from another sort, as BAD_USER_INPUT that says why', async () => {
    const byName = (await page('first: 1, sort: [{name: ASC}]')).pageInfo.endCursor!;
    const query = 'query($after: String, $sort: [TrailSort!]) { trailsConnection(first: 1, after: $after, sort: $sort) { edges { cursor } } }';
    const refusal = async (after: string, sort: unknown = null) => (await runQuery(api, temp.store, query, { after, sort })).errors?.[0];
    for (const bad of [
      'nope',
      '',
      byName.slice(0, -3),
      Buffer.from('{"v":1,"sort":"id: ASC","keys":[],"id":5}').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
    ]) {
      expect(await refusal(bad), bad).toMatchObject({
        message: 'after: not a cursor this API gave out (it was altered or truncated); use a cursor from a page, or leave after out to start at the beginning',
        extensions: { code: 'BAD_USER_INPUT', argumentPath: 'after' },
      });
    }
    expect(await refusal(byName)).toMatchObject({
      message: 'after: the cursor comes from a page sorted by [name: ASC, id: ASC], not by [id: ASC]; ask with the sort it came from, or leave after out to start again',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await refusal(byName, [{ name: 'DESC' }])).toMatchObject({ message: expect.stringContaining('not by [name: DESC, id: ASC]') });
    // A cursor whose key has the wrong type for its field is not one this API made.
    const forged = Buffer.from(JSON.stringify({ v: 1, sort: 'isLogging: ASC, id: ASC', keys: ['yes'], id: 'x' })).toString('base64url');
    expect((await refusal(forged, [{ isLogging: 'ASC' }]))?.message).toMatch(/^after: not a cursor this API gave out/);
    expect((await runQuery(api, temp.store, '{ trailsConnection(first: 1, sort: [{name: ASC, region: ASC}]) { totalCount } }')).errors?.[0]).toMatchObject({
      message: 'sort[0]: each sort entry names exactly one field, e.g. {name: ASC}',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe('the maximum page size', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => trailRecord(n)) });
  });
  afterAll(() => temp.cleanup());

  it(`is ${MAX_PAGE_SIZE} by default, for first and options.limit alike`, async () => {
    for (const query of [`{ trailsConnection(first: ${MAX_PAGE_SIZE + 1}) { totalCount } }`, `{ trails(options: {limit: ${MAX_PAGE_SIZE + 1}}) { id } }`]) {
      const result = await runQuery(api, temp.store, query);
      expect(result.errors?.[0], query).toMatchObject({
        message: expect.stringContaining(`above the maximum page size of ${MAX_PAGE_SIZE}`),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    expect((await runQuery(api, temp.store, `{ trailsConnection(first: ${MAX_PAGE_SIZE}) { totalCount } }`)).errors).toBeUndefined();
  });

  it('can be set lower when the API is built, and says which maximum a request went over', async () => {
    const small = createInventoryApi({ maxPageSize: 5 });
    const first = await runQuery(small, temp.store, '{ trailsConnection(first: 6) { totalCount } }');
    expect(first.errors?.[0]).toMatchObject({
      message: 'first is 6, above the maximum page size of 5; page through the results instead (trailsConnection)',
      extensions: { code: 'BAD_USER_INPUT', argumentPath: 'first' },
    });
    const limit = await runQuery(small, temp.store, '{ trails(options: {limit: 6}) { id } }');
    expect(limit.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^options\.limit is 6, above the maximum page size of 5/),
      extensions: { argumentPath: 'options.limit' },
    });
    expect((await runQuery(small, temp.store, '{ trailsConnection { edges { cursor } pageInfo { hasNextPage } } }')).data).toMatchObject({
      trailsConnection: { edges: expect.any(Array), pageInfo: { hasNextPage: true } },
    });
    expect(((await runQuery(small, temp.store, '{ trailsConnection { edges { cursor } } }')).data!.trailsConnection as { edges: unknown[] }).edges).toHaveLength(5);
    // A list without a limit is still every match: stored checks must see every asset.
    expect((await runQuery(small, temp.store, '{ trails { id } }')).data!.trails as unknown[]).toHaveLength(7);
    expect((await runQuery(small, temp.store, '{ trailsConnection(first: -1) { totalCount } }')).errors?.[0]?.message).toBe('first must not be negative');
  });

  it('refuses a maximum that is not a whole number from 1 to 10000', () => {
    for (const maxPageSize of [0, -1, 1.5, 10_001]) expect(() => createInventoryApi({ maxPageSize }), String(maxPageSize)).toThrow(RangeError);
  });
});
