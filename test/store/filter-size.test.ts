// Filters of any size the compiler accepts run on both engines; beyond its hard maxima it refuses them with a filter
// error, never a crash or an engine error; and the shapes that used to cost minutes compile to cheap SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { registeredFilter } from '../../src/store/asset-schema.js';
import { SQLITE_DIALECT } from '../../src/store/sqlite/sqlite-store.js';
import { compileWhere, FILTER_MAXIMA } from '../../src/store/where.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempSqliteStore, openTempStore, type TempSqliteStore, type TempStore } from '../support/store.js';

/** The registered Trail type's filter, in SQLite's SQL. */
const TRAIL_FILTER = registeredFilter('Trail');

const names = (n: number, prefix = 'none') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const nested = (levels: number): unknown => {
  let where: unknown = { name: 'blue' };
  for (let i = 0; i < levels; i += 1) where = { AND: [where] };
  return where;
};

describe('filter size in the where compiler', () => {
  let temp: TempStore;
  const found = async (where: unknown) => (await temp.store.findTrails(where)).map((t) => t.name).sort();
  const refusal = (where: unknown) =>
    temp.store.findTrails(where).then(
      () => 'accepted',
      (e: Error) => `${e.name}: ${e.message}`,
    );

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [
        trailRecord('blue', {
          tags: [
            { key: 'team', value: 'blue' },
            { key: 'env', value: 'prod' },
          ],
        }),
        trailRecord('red', {
          tags: [
            { key: 'team', value: 'red' },
            { key: 'env', value: 'dev' },
          ],
        }),
        trailRecord('untagged', { tags: [] }),
      ],
    });
  });
  afterAll(() => temp.cleanup());

  it('runs an OR of 5,000 terms (SQLite refused 1,000: "Expression tree is too large")', async () => {
    expect(await found({ OR: [...names(4998).map((name) => ({ name })), { name: 'red' }, { name: 'blue' }] })).toEqual(['blue', 'red']);
    expect(await found({ AND: [...names(4999).map((name) => ({ name_NOT: name })), { name_NOT: 'red' }] })).toEqual(['blue', 'untagged']);
  });

  it('runs an _IN list of 70,000 values, one parameter whatever its length (SQLite allows 32,766, PostgreSQL 65,535)', async () => {
    expect(await found({ name_IN: [...names(69_999), 'red'] })).toEqual(['red']);
    expect(await found({ name_NOT_IN: [...names(69_999), 'red'] })).toEqual(['blue', 'untagged']);
    expect(await found({ tags_SOME: { value_IN: [...names(69_999), 'prod'] } })).toEqual(['blue']);
  });

  it('refuses a filter beyond the hard maxima with a filter error saying where, before any SQL', async () => {
    expect(await refusal({ OR: names(FILTER_MAXIMA.terms + 1).map((name) => ({ name })) })).toBe(
      `FilterError: where.OR[${FILTER_MAXIMA.terms}].name: the filter has more than ${FILTER_MAXIMA.terms} terms (comparisons and empty filters), the most any filter may have`,
    );
    expect(await refusal(nested(FILTER_MAXIMA.depth))).toMatch(/^FilterError: where(\.AND\[0\]){32}: the filter nests more than 32 levels deep/);
    // Deep enough to exhaust the stack of a recursive compiler: refused at level 33 all the same.
    expect(await refusal(nested(20_000))).toMatch(/^FilterError: .*nests more than 32 levels deep/);
    expect(await refusal({ name_IN: names(FILTER_MAXIMA.inValues + 1) })).toBe(
      `FilterError: where.name_IN: name_IN lists ${FILTER_MAXIMA.inValues + 1} values; the most any list may hold is ${FILTER_MAXIMA.inValues}`,
    );
    expect(await found(nested(FILTER_MAXIMA.depth - 1))).toEqual(['blue']);
  });

  it('answers an oversized filter in a stored query (the control engine) as a clear error', async () => {
    const query = `{ trails(where: ${'{AND: ['.repeat(40)}{name: "blue"}${']}'.repeat(40)}) { name } }`;
    const result = await runQuery(createInventoryApi(), temp.store, query);
    expect(result.errors?.[0]?.message).toMatch(/^where(\.AND\[0\]){32}: the filter nests more than 32 levels deep/);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('merges an OR of tags_SOME and an AND of tags_NONE into one subquery, with the same answers', async () => {
    const some = [{ value: 'blue' }, { key: 'env', value: 'dev' }, { value: 'nope' }];
    // Inside a one-item AND, a tags_SOME is not merged: the reference.
    const unmerged = (filters: unknown[], key: string) => filters.map((f) => ({ AND: [{ [key]: f }] }));
    expect(await found({ OR: some.map((f) => ({ tags_SOME: f })) })).toEqual(['blue', 'red']);
    expect(await found({ OR: unmerged(some, 'tags_SOME') })).toEqual(['blue', 'red']);
    expect(await found({ OR: [{ tags_SOME: { value: 'blue' } }, { name: 'untagged' }, { tags_SOME: { value: 'dev' } }] })).toEqual(['blue', 'red', 'untagged']);
    expect(await found({ AND: some.slice(0, 2).map((f) => ({ tags_NONE: f })) })).toEqual(['untagged']);
    expect(await found({ NOT: { AND: some.slice(0, 2).map((f) => ({ tags_NONE: f })) } })).toEqual(['blue', 'red']);
    expect(await found({ AND: [{ tags_NONE: { value: 'blue' } }, { tags_NONE: {} }] })).toEqual(['untagged']);
    const compiled = compileWhere({ OR: names(200).map((value) => ({ tags_SOME: { value_CONTAINS: value } })) }, TRAIL_FILTER, SQLITE_DIALECT);
    expect(compiled.sql.match(/FROM asset_tags/g)).toHaveLength(1);
    expect(compiled.params).toHaveLength(200);
  });
});

describe("merged filters on an account's trails", () => {
  let temp: TempStore;
  const found = async (where: unknown) => (await temp.store.findTrails(where)).map((t) => t.name).sort();
  const trailsOf = (name: string) => ({ account: { trails_SOME: { name } } });

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('blue'), trailRecord('red')] });
    await syncScope(temp.store, { accountId: '444455556666', region: 'us-east-1', trails: [trailRecord('green', { account: '444455556666' })] });
  });
  afterAll(() => temp.cleanup());

  it('answers an OR or an AND of account filters as each filter alone would, in one search of the trails', async () => {
    expect(await found({ OR: [trailsOf('green'), trailsOf('nope')] })).toEqual(['green']);
    expect(await found({ OR: [trailsOf('green'), { name: 'red' }, trailsOf('blue')] })).toEqual(['blue', 'green', 'red']);
    // Under AND the account must have both trails, not one trail with both names.
    expect(await found({ AND: [trailsOf('blue'), trailsOf('red')] })).toEqual(['blue', 'red']);
    expect(await found({ AND: [trailsOf('blue'), trailsOf('green')] })).toEqual([]);
    expect(await found({ OR: [{ account: { trails_NONE: { name: 'green' } } }, trailsOf('nope')] })).toEqual(['blue', 'red']);
    const compiled = compileWhere({ OR: names(200).map(trailsOf) }, TRAIL_FILTER, SQLITE_DIALECT);
    expect(compiled.sql.match(/FROM trails account_trail/g)).toHaveLength(1);
  });
});

// SQLite's own planner (EXPLAIN QUERY PLAN): these run on SQLite whatever the backend under test.
describe('query plans of large and relation filters (SQLite)', () => {
  let sqlite: TempSqliteStore;
  const plan = (where: unknown): string[] => {
    const compiled = compileWhere(where, TRAIL_FILTER, SQLITE_DIALECT);
    return (
      sqlite.store.db.prepare(`EXPLAIN QUERY PLAN SELECT arn FROM trails WHERE deleted_at IS NULL AND ${compiled.sql}`).all(...compiled.params) as { detail: string }[]
    ).map((step) => step.detail);
  };
  beforeAll(() => {
    sqlite = openTempSqliteStore();
  });
  afterAll(() => sqlite.cleanup());

  it('searches the index of a column once per value of an _IN list bound as one parameter', () => {
    expect(plan({ kmsKeyID_IN: ['', 'arn:aws:kms:us-east-1:111122223333:key/k'] })).toContain('SEARCH trails USING COVERING INDEX trails_by_kms_key_id (kms_key_id=?)');
    expect(plan({ arn_IN: ['arn:aws:cloudtrail:us-east-1:111122223333:trail/a'] })).toContain('SEARCH trails USING INDEX sqlite_autoindex_trails_1 (arn=?)');
  });

  it("finds an account's trails once per statement, never once per trail of an enclosing trails query", () => {
    const steps = plan({ account: { trails_SOME: { name_CONTAINS: 'x' } } });
    expect(
      steps.some((step) => /CORRELATED/.test(step)),
      steps.join('\n'),
    ).toBe(false);
    expect(steps).toContain('SEARCH sighting USING INDEX asset_sightings_by_asset (asset_id=?)');
  });

  it("searches a merged tag filter by each trail's key", () => {
    const steps = plan({ OR: [{ tags_SOME: { value_CONTAINS: 'a' } }, { tags_SOME: { value_CONTAINS: 'b' } }] });
    expect(steps.filter((step) => /^SEARCH tag /.test(step))).toEqual([expect.stringMatching(/USING (PRIMARY KEY|INDEX sqlite_autoindex_asset_tags_1) \(asset_id=\?\)/)]);
  });
});
