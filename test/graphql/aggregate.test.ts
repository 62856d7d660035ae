// trailsAggregate: count and countBy, each one SQL statement with the same where compiler as trails.
import { isEnumType } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { TRAIL_COLUMNS } from '../../src/store/trail-columns.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore, ON_POSTGRES, sqliteOf } from '../support/store.js';

const api = createInventoryApi();

describe('TrailGroupField', () => {
  it('lists every string and boolean field of Trail, generated from the schema', () => {
    const groupField = api.schema.getType('TrailGroupField');
    if (!isEnumType(groupField)) throw new Error('TrailGroupField is not an enum');
    const expected = TRAIL_COLUMNS.filter((c) => c.kind === 'string' || c.kind === 'boolean').map((c) => c.field);
    expect(
      groupField
        .getValues()
        .map((v) => v.name)
        .sort(),
    ).toEqual(expected.sort());
    expect(expected).toEqual(expect.arrayContaining(['accountId', 'region', 'isLogging', 'isMultiRegionTrail', 'kmsKeyID', 'id']));
    expect(expected).not.toContain('latestDeliveryTime');
  });
});

describe('trailsAggregate', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [
        trailRecord('a', { trail: { KmsKeyId: 'k1', IsMultiRegionTrail: true }, tags: [{ key: 'env', value: 'prod' }] }),
        trailRecord('b', { status: { IsLogging: false } }),
        trailRecord('c', { status: null }),
        trailRecord('d', { trail: { KmsKeyId: 'k1' }, tags: [{ key: 'env', value: 'prod' }] }),
      ],
    });
    await syncScope(temp.store, { accountId: '444455556666', region: 'eu-west-1', trails: [trailRecord('e', { account: '444455556666', region: 'eu-west-1' })] });
  });
  afterAll(() => temp.cleanup());
  afterEach(() => vi.restoreAllMocks());

  const aggregate = async (source: string) => {
    const result = await runQuery(api, temp.store, source);
    expect(result.errors, source).toBeUndefined();
    return result.data!.trailsAggregate as Record<string, unknown>;
  };

  it('counts the trails matching a filter, relations included', async () => {
    expect(await aggregate('{ trailsAggregate { count } }')).toEqual({ count: 5 });
    expect(await aggregate('{ trailsAggregate(where: {kmsKeyID: ""}) { count } }')).toEqual({ count: 3 });
    expect(await aggregate('{ trailsAggregate(where: {tags_SOME: {key: "env", value: "prod"}}) { count } }')).toEqual({ count: 2 });
    expect(await aggregate('{ trailsAggregate(where: {account: {accountId_STARTS_WITH: "4"}}) { count } }')).toEqual({ count: 1 });
    expect(await aggregate('{ trailsAggregate(where: {name: "none"}) { count } }')).toEqual({ count: 0 });
  });

  it('counts by a field, most frequent first, booleans as true/false and unknown as null', async () => {
    expect(
      await aggregate(`{ trailsAggregate {
      byAccount: countBy(field: accountId) { value count }
      byLogging: countBy(field: isLogging) { value count }
      byKey: countBy(field: kmsKeyID) { value count }
      byType: countBy(field: assetType) { value count }
      byMulti: countBy(field: isMultiRegionTrail) { value count }
    } }`),
    ).toEqual({
      byAccount: [
        { value: '111122223333', count: 4 },
        { value: '444455556666', count: 1 },
      ],
      byLogging: [
        { value: 'true', count: 3 },
        { value: 'false', count: 1 },
        { value: null, count: 1 },
      ],
      byKey: [
        { value: '', count: 3 },
        { value: 'k1', count: 2 },
      ],
      byType: [{ value: 'Trail', count: 5 }],
      byMulti: [
        { value: 'false', count: 4 },
        { value: 'true', count: 1 },
      ],
    });
    expect(await aggregate('{ trailsAggregate(where: {kmsKeyID: ""}) { count countBy(field: region) { value count } } }')).toEqual({
      count: 3,
      countBy: [
        { value: 'us-east-1', count: 2 },
        { value: 'eu-west-1', count: 1 },
      ],
    });
  });

  // Counts better-sqlite3 statements: SQLite's own machinery, so it runs on SQLite only.
  it.skipIf(ON_POSTGRES)('runs one SQL statement for the count and one per countBy, besides the read of the inventory version (SQLite statements)', async () => {
    const statement = Object.getPrototypeOf(sqliteOf(temp).db.prepare('SELECT 1')) as Record<'all' | 'get' | 'run' | 'iterate', (...args: unknown[]) => unknown>;
    const spies = (['all', 'get', 'run', 'iterate'] as const).map((method) => vi.spyOn(statement, method));
    await aggregate('{ trailsAggregate(where: {isLogging_NOT: false}) { count a: countBy(field: region) { count } b: countBy(field: isLogging) { count } } }');
    // The count is kept per inventory version (README, Querying: "Paging"): the version is read first, once.
    expect(spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0)).toBe(4);
    const sources = spies.flatMap((spy) => spy.mock.contexts.map((c) => (c as { source: string }).source));
    expect(sources.filter((s) => /count\(\*\)/.test(s) && /GROUP BY/.test(s))).toHaveLength(2);
    expect(sources.filter((s) => /count\(\*\)/.test(s) && !/GROUP BY/.test(s))).toHaveLength(1);
    expect(sources.filter((s) => /pragma_data_version/.test(s))).toHaveLength(1);
  });

  it('refuses a bad filter as BAD_USER_INPUT, and an unknown field as a validation error', async () => {
    const bad = await runQuery(api, temp.store, 'query($w: TrailWhere!) { trailsAggregate(where: $w) { count } }', { w: { kmsKeyID: null } });
    expect(bad.errors?.[0]).toMatchObject({ message: expect.stringContaining('where.kmsKeyID: null'), extensions: { code: 'BAD_USER_INPUT' } });
    const unknown = await runQuery(api, temp.store, '{ trailsAggregate { countBy(field: latestDeliveryTime) { count } } }');
    expect(unknown.errors?.[0]?.message).toContain('Value "latestDeliveryTime" does not exist in "TrailGroupField" enum');
    expect((await runQuery(api, temp.store, '{ trailsAggregate(where: null) { count } }')).errors?.[0]?.message).toContain(
      'Query.trailsAggregate(where): null is not a filter',
    );
  });
});
