// Filters through relations: tags_SOME / tags_NONE (an EXISTS over asset_tags) and account, compiled into the one
// parameterised statement of the trail query, two-valued so that NOT is an exact complement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredFilter } from '../../src/store/asset-schema.js';
import { SQLITE_DIALECT } from '../../src/store/sqlite/sqlite-store.js';
import { compileWhere } from '../../src/store/where.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempSqliteStore, openTempStore, type TempStore } from '../support/store.js';

/** The registered Trail type's filter, in SQLite's SQL. */
const TRAIL_FILTER = registeredFilter('Trail');

describe('tag filters', () => {
  let temp: TempStore;
  const names = async (where: unknown) => (await temp.store.findTrails(where)).map((t) => t.name).sort();

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [
        trailRecord('blue-prod', {
          tags: [
            { key: 'team', value: 'blue' },
            { key: 'env', value: 'prod' },
          ],
        }),
        trailRecord('red-dev', {
          tags: [
            { key: 'team', value: 'red' },
            { key: 'env', value: 'dev' },
          ],
        }),
        trailRecord('untagged', { tags: [] }),
        trailRecord('unreadable', { tags: null }), // ListTags failed: no tag rows, tagsKnown false
        trailRecord('owner-only', { tags: [{ key: 'owner', value: 'sec-team' }] }),
      ],
    });
  });
  afterAll(() => temp.cleanup());

  it('tags_SOME matches a trail with at least one tag that meets every condition of the tag filter', async () => {
    expect(await names({ tags_SOME: { key: 'team' } })).toEqual(['blue-prod', 'red-dev']);
    expect(await names({ tags_SOME: { key: 'team', value: 'blue' } })).toEqual(['blue-prod']);
    // The key and the value are of the same tag: team=prod is no tag of blue-prod, though it has both strings.
    expect(await names({ tags_SOME: { key: 'team', value: 'prod' } })).toEqual([]);
    expect(await names({ tags_SOME: { key_IN: ['env', 'owner'], value_STARTS_WITH: 'p' } })).toEqual(['blue-prod']);
    expect(await names({ tags_SOME: { value_CONTAINS: 'team' } })).toEqual(['owner-only']);
    expect(await names({ tags_SOME: { value_ENDS_WITH: 'ed' } })).toEqual(['red-dev']);
    expect(await names({ tags_SOME: { key_NOT_IN: ['team', 'env'] } })).toEqual(['owner-only']);
    expect(await names({ tags_SOME: {} })).toEqual(['blue-prod', 'owner-only', 'red-dev']);
  });

  it('supports AND, OR and NOT inside the tag filter and around it', async () => {
    expect(await names({ tags_SOME: { OR: [{ value: 'blue' }, { value: 'dev' }] } })).toEqual(['blue-prod', 'red-dev']);
    expect(await names({ tags_SOME: { AND: [{ key: 'env' }, { NOT: { value: 'prod' } }] } })).toEqual(['red-dev']);
    expect(await names({ AND: [{ tags_SOME: { key: 'team', value: 'blue' } }, { tags_SOME: { key: 'env', value: 'prod' } }] })).toEqual(['blue-prod']);
    expect(await names({ OR: [{ tags_SOME: { value: 'red' } }, { name: 'untagged' }] })).toEqual(['red-dev', 'untagged']);
  });

  it('tags_NONE matches trails with no such tag, including trails without tags', async () => {
    expect(await names({ tags_NONE: { key: 'team' } })).toEqual(['owner-only', 'unreadable', 'untagged']);
    expect(await names({ tags_NONE: {} })).toEqual(['unreadable', 'untagged']);
    expect(await names({ tags_NONE: { key: 'team' }, tagsKnown: true })).toEqual(['owner-only', 'untagged']);
  });

  it('keeps negation two-valued: NOT tags_SOME is exactly tags_NONE, and each filter with its NOT covers every trail', async () => {
    const all = await names({});
    for (const filter of [{ key: 'team' }, { key: 'env', value_NOT: 'prod' }, { value_IN: [] }, {}]) {
      const some = await names({ tags_SOME: filter });
      expect(await names({ NOT: { tags_SOME: filter } })).toEqual(await names({ tags_NONE: filter }));
      expect([...some, ...(await names({ NOT: { tags_SOME: filter } }))].sort()).toEqual(all);
    }
  });

  it('compiles into one parameterised predicate, values never in the SQL text', () => {
    const hostile = `x' OR 1=1 --`;
    const compiled = compileWhere(
      { kmsKeyID: '', tags_SOME: { key: hostile, value_IN: ['a', 'b'] }, tags_NONE: { value_STARTS_WITH: hostile } },
      TRAIL_FILTER,
      SQLITE_DIALECT,
    );
    expect(compiled.sql).not.toContain(hostile);
    expect(compiled.sql.match(/EXISTS \(SELECT 1 FROM asset_tags tag WHERE tag.asset_id = trails.arn/g)).toHaveLength(2);
    // A list travels as one parameter, its values JSON-encoded (never in the SQL text either).
    expect(compiled.params).toEqual(['', hostile, JSON.stringify(['a', 'b']), hostile]);
  });

  it("searches each trail's tags by the primary key, never scanning asset_tags (SQLite query plan)", async () => {
    const compiled = compileWhere({ tags_SOME: { key: 'team', value: 'blue' } }, TRAIL_FILTER, SQLITE_DIALECT);
    const sqlite = openTempSqliteStore();
    const plan = (
      sqlite.store.db.prepare(`EXPLAIN QUERY PLAN SELECT arn FROM trails WHERE deleted_at IS NULL AND ${compiled.sql}`).all(...compiled.params) as { detail: string }[]
    ).map((step) => step.detail);
    await sqlite.cleanup();
    expect(
      plan.some((d) => /SEARCH tag (EXISTS )?USING (PRIMARY KEY|INDEX sqlite_autoindex_asset_tags_1) \(asset_id=\? AND key=\?\)/.test(d)),
      plan.join('\n'),
    ).toBe(true);
    expect(plan.some((d) => /SCAN tag/.test(d))).toBe(false);
  });

  it('refuses null, unknown tag fields and misspelled relation operators, saying where', async () => {
    const refusal = (where: unknown) =>
      temp.store.findTrails(where).then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    expect(await refusal({ tags_NONE: null })).toBe('where.tags_NONE: null is not a filter; use {} for no constraint, or leave tags_NONE out');
    expect(await refusal({ tags_ALL: null })).toBe('where.tags_ALL: null is not a filter; use {} for no constraint, or leave tags_ALL out');
    expect(await refusal({ tags_SOME: { key: null } })).toMatch(/^where\.tags_SOME\.key: null is not a value to compare with/);
    expect(await refusal({ tags_SOME: { OR: [{ kee: 'x' }] } })).toBe('where.tags_SOME.OR[0].kee: unknown filter field "kee"');
    expect(await refusal({ tags: { key: 'team' } })).toBe('where.tags: "tags" is not a filter: tags is filtered as tags_SOME, tags_NONE, tags_ALL, tags_SINGLE');
    expect(await refusal({ tags_EVERY: { key: 'team' } })).toBe(
      'where.tags_EVERY: "tags_EVERY" is not a filter: tags is filtered as tags_SOME, tags_NONE, tags_ALL, tags_SINGLE',
    );
    expect(await refusal({ tags_SOME: { key_GT: 1 } })).toBe('where.tags_SOME.key_GT: key takes a string');
  });
});
