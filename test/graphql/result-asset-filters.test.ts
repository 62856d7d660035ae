// failingAssets and exceptedAssets filtered by accountId and region (README "Dashboard"): the filter applies in the store,
// before paging and before the bound of a list read without `limit`, on ControlStatus and ControlResult alike.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import type { VerdictToRecord } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../support/store.js';

// Lists read without `limit` hold at most 5 items.
const api = createInventoryApi({ maxPageSize: 5 });
const A = '111122223333';
const B = '444455556666';
const EAST = 'us-east-1';
const WEST = 'eu-west-1';
let temp: TempStore;
afterEach(async () => {
  vi.restoreAllMocks();
  await temp?.cleanup();
});

interface Placed {
  id: string;
  accountId: string;
  region: string;
}

// Ids sort the same in JavaScript and in both engines (same prefix, zero-padded numbers); accounts and regions interleave.
const placed = (prefix: string, n: number, offset = 0): Placed[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `arn:aws:cloudtrail:x:0:trail/${prefix}${String(i + offset).padStart(2, '0')}`,
    accountId: i % 3 === 0 ? B : A,
    region: i % 2 === 0 ? EAST : WEST,
  }));

// Two controls in one run (so a batch holds several results), then a second run with fewer assets for the first.
const FAILING = placed('f', 14);
const EXCEPTED = placed('e', 9);
const OTHER_FAILING = placed('o', 7);
const verdict = (controlId: string, failing: Placed[], excepted: Placed[]): VerdictToRecord => ({
  controlId,
  title: controlId,
  severity: 'low',
  verdict: 'FAIL',
  reason: 'r',
  evaluatedAt: '2026-01-01T00:00:00.000Z',
  failingAssets: failing,
  exceptedAssets: excepted.map((asset) => ({ ...asset, exception: { owner: 'team-a', expires: '2027-01-31' } })),
});

async function recordRuns(): Promise<void> {
  temp = await openTempStore();
  const catalog = ['c1', 'c2'].map((id) => ({ id, title: id, severity: 'low' }));
  await temp.store.recordControlRun([verdict('c1', FAILING.slice(0, 4), []), verdict('c2', OTHER_FAILING, [])], 'check', catalog);
  await temp.store.recordControlRun([verdict('c1', FAILING, EXCEPTED), verdict('c2', OTHER_FAILING, EXCEPTED.slice(0, 2))], 'check', catalog);
}

const query = async (source: string, variables?: Record<string, unknown>) => {
  const result = await runQuery(api, temp.store, source, variables, { boundedLists: true });
  expect(result.errors).toBeUndefined();
  return result.data as Record<string, any>;
};

interface Filter {
  accountId?: string;
  region?: string;
}
const FILTERS: Filter[] = [{}, { accountId: A }, { accountId: B }, { region: EAST }, { region: WEST }, { accountId: A, region: WEST }, { accountId: '999988887777' }];
const kept = (assets: Placed[], filter: Filter) =>
  assets.filter((a) => (filter.accountId === undefined || a.accountId === filter.accountId) && (filter.region === undefined || a.region === filter.region));

const LIST_ARGS = '$limit: Int, $offset: Int, $accountId: String, $region: String';
const ARGS = 'limit: $limit, offset: $offset, accountId: $accountId, region: $region';
const FIELDS = 'id accountId region';
/** The lists of one control's latest result, as ControlStatus and as the ControlResult of the latest run. */
async function listsOf(controlId: string, variables: Record<string, unknown>) {
  const data = await query(
    `query(${LIST_ARGS}) {
      controls { id failingAssets(${ARGS}) { ${FIELDS} } exceptedAssets(${ARGS}) { ${FIELDS} } }
      controlRuns(limit: 1) { results { controlId failingAssets(${ARGS}) { ${FIELDS} } exceptedAssets(${ARGS}) { ${FIELDS} } } }
    }`,
    variables,
  );
  const status = data.controls.find((c: any) => c.id === controlId);
  const result = data.controlRuns[0].results.find((r: any) => r.controlId === controlId);
  return { status, result };
}

describe('failingAssets and exceptedAssets by account and region', () => {
  it('keep the assets of an account and/or a region, paged after filtering, on ControlStatus and ControlResult', async () => {
    await recordRuns();
    // One answer written out, so the expectations below do not only agree with the helper that computes them.
    const westOfA = await listsOf('c1', { accountId: A, region: WEST, limit: 2, offset: 1 });
    const trail = (n: string) => `arn:aws:cloudtrail:x:0:trail/${n}`;
    expect(westOfA.status.failingAssets).toEqual([
      { id: trail('f05'), accountId: A, region: WEST },
      { id: trail('f07'), accountId: A, region: WEST },
    ]);
    expect(westOfA.status.exceptedAssets).toEqual([
      { id: trail('e05'), accountId: A, region: WEST },
      { id: trail('e07'), accountId: A, region: WEST },
    ]);
    expect(westOfA.result).toEqual({ controlId: 'c1', failingAssets: westOfA.status.failingAssets, exceptedAssets: westOfA.status.exceptedAssets });

    const PAGE = 3;
    for (const filter of FILTERS) {
      for (const [controlId, failing, excepted] of [
        ['c1', FAILING, EXCEPTED],
        ['c2', OTHER_FAILING, EXCEPTED.slice(0, 2)],
      ] as const) {
        const want = { failing: kept(failing, filter), excepted: kept(excepted, filter) };
        const pages = Math.max(1, Math.ceil(Math.max(want.failing.length, want.excepted.length) / PAGE));
        // Each page past the end too: it is empty.
        for (let page = 0; page <= pages; page++) {
          const offset = page * PAGE;
          const { status, result } = await listsOf(controlId, { ...filter, limit: PAGE, offset });
          const expected = { failingAssets: want.failing.slice(offset, offset + PAGE), exceptedAssets: want.excepted.slice(offset, offset + PAGE) };
          expect({ filter, offset, ...status }).toEqual({ filter, offset, id: controlId, ...expected });
          expect({ filter, offset, ...result }).toEqual({ filter, offset, controlId, ...expected });
        }
      }
    }
  });

  it('bound a list read without limit by what the filter keeps', async () => {
    await recordRuns();
    const unpaged = (args: string) =>
      runQuery(api, temp.store, `{ controls { id failingAssets${args} { id } } controlRuns(limit: 1) { results { failingAssets${args} { id } } } }`, undefined, {
        boundedLists: true,
      });
    // c1 fails on 14 assets, 9 of them in account A: more than 5 either way. The first refusal ends the request.
    for (const args of ['', `(accountId: "${A}")`]) {
      const refused = await unpaged(args);
      expect(refused.errors).toHaveLength(1);
      expect(refused.errors![0]!.message).toContain('failingAssets of the result of c1 in run 2 has more than 5 items');
      expect(refused.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', list: { field: 'ControlStatus.failingAssets', maximum: 5 } });
    }
    const refused = await runQuery(api, temp.store, `{ controlRuns(limit: 1) { results { failingAssets(accountId: "${A}") { id } } } }`, undefined, {
      boundedLists: true,
    });
    expect(refused.errors?.map((e) => e.extensions?.list)).toEqual([{ field: 'ControlResult.failingAssets', maximum: 5 }]);
    // In account A and us-east-1, c1 fails on 4 and c2 on 2: whole, without limit.
    const answered = await unpaged(`(accountId: "${A}", region: "${EAST}")`);
    expect(answered.errors).toBeUndefined();
    const ids = (assets: Placed[]) => kept(assets, { accountId: A, region: EAST }).map((a) => ({ id: a.id }));
    expect((answered.data as any).controls).toEqual([
      { id: 'c1', failingAssets: ids(FAILING) },
      { id: 'c2', failingAssets: ids(OTHER_FAILING) },
    ]);
    expect((answered.data as any).controlRuns[0].results).toEqual([{ failingAssets: ids(FAILING) }, { failingAssets: ids(OTHER_FAILING) }]);
  });

  it('give each alias its own filter in one request: the filter is part of the batch', async () => {
    await recordRuns();
    const resultAssets = vi.spyOn(temp.store, 'resultAssets');
    const data = await query(`{
      controls {
        id
        inA: failingAssets(accountId: "${A}", limit: 5) { accountId }
        inB: failingAssets(accountId: "${B}", limit: 5) { accountId }
        exceptedInA: exceptedAssets(accountId: "${A}", limit: 5) { accountId }
        east: failingAssets(region: "${EAST}", limit: 5) { region }
        west: failingAssets(region: "${WEST}", limit: 5) { region }
        all: failingAssets(limit: 5) { id }
      }
    }`);
    const c1 = data.controls.find((c: any) => c.id === 'c1');
    expect(c1.inA).toEqual(
      kept(FAILING, { accountId: A })
        .slice(0, 5)
        .map(() => ({ accountId: A })),
    );
    expect(c1.inB).toEqual(
      kept(FAILING, { accountId: B })
        .slice(0, 5)
        .map(() => ({ accountId: B })),
    );
    expect(c1.inB.length).toBeGreaterThan(0);
    expect(c1.exceptedInA).toEqual(
      kept(EXCEPTED, { accountId: A })
        .slice(0, 5)
        .map(() => ({ accountId: A })),
    );
    expect(c1.east).toEqual(
      kept(FAILING, { region: EAST })
        .slice(0, 5)
        .map(() => ({ region: EAST })),
    );
    expect(c1.west).toEqual(
      kept(FAILING, { region: WEST })
        .slice(0, 5)
        .map(() => ({ region: WEST })),
    );
    expect(c1.all).toEqual(FAILING.slice(0, 5).map((a) => ({ id: a.id })));
    // One statement per filter for both controls; failing and excepted assets of account A share theirs.
    expect(resultAssets).toHaveBeenCalledTimes(5);
    expect(resultAssets.mock.calls.map((call) => [call[0].length, call[2]])).toEqual(
      expect.arrayContaining([
        [2, { accountId: A, region: null }],
        [2, { accountId: B, region: null }],
        [2, { accountId: null, region: EAST }],
        [2, { accountId: null, region: WEST }],
        [2, { accountId: null, region: null }],
      ]),
    );
  });
});

describe('assetCount', () => {
  it('counts what failingAssets and exceptedAssets keep with the same filter, for every result of a request in one statement per count', async () => {
    await recordRuns();
    const countResultAssets = vi.spyOn(temp.store, 'countResultAssets');
    for (const filter of FILTERS) {
      const data = await query(
        `query($accountId: String, $region: String) {
          controls { id failing: assetCount(state: FAILING, accountId: $accountId, region: $region) excepted: assetCount(state: EXCEPTED, accountId: $accountId, region: $region) }
          controlRuns(limit: 2) { id results { controlId failing: assetCount(state: FAILING, accountId: $accountId, region: $region) } }
        }`,
        { ...filter },
      );
      expect({ filter, controls: data.controls }).toEqual({
        filter,
        controls: [
          { id: 'c1', failing: kept(FAILING, filter).length, excepted: kept(EXCEPTED, filter).length },
          { id: 'c2', failing: kept(OTHER_FAILING, filter).length, excepted: kept(EXCEPTED.slice(0, 2), filter).length },
        ],
      });
      // The first run held only 4 of c1's failing assets.
      expect({ filter, runs: data.controlRuns }).toEqual({
        filter,
        runs: [
          {
            id: 2,
            results: [
              { controlId: 'c1', failing: kept(FAILING, filter).length },
              { controlId: 'c2', failing: kept(OTHER_FAILING, filter).length },
            ],
          },
          {
            id: 1,
            results: [
              { controlId: 'c1', failing: kept(FAILING.slice(0, 4), filter).length },
              { controlId: 'c2', failing: kept(OTHER_FAILING, filter).length },
            ],
          },
        ],
      });
    }
    // Per filter: the controls' failing and excepted counts (2 controls each), and the runs' failing count (4 results),
    // which joins the controls' failing batch when both are asked in the same tick (as on PostgreSQL).
    expect(countResultAssets.mock.calls.length).toBeGreaterThanOrEqual(FILTERS.length * 2);
    expect(countResultAssets.mock.calls.length).toBeLessThanOrEqual(FILTERS.length * 3);
    expect(countResultAssets.mock.calls.every((call) => call[0].length >= 2)).toBe(true);
    expect(kept(FAILING, { accountId: A, region: WEST }).length).toBeGreaterThan(0);
  });
});
