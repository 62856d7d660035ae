// tags_SOME / tags_NONE over GraphQL: TagWhere is generated from `type Tag` like TrailWhere from `type Trail`, and
// null inside it is a validation error as everywhere else in a filter.
import { isInputObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { OPERATORS_BY_KIND, filterKey } from '../../src/store/where.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();

describe('TagWhere', () => {
  it('is generated from the fields of type Tag, with every string operator and AND, OR, NOT', () => {
    const tagWhere = api.schema.getType('TagWhere');
    if (!isInputObjectType(tagWhere)) throw new Error('TagWhere is not an input type');
    const expected = ['AND', 'OR', 'NOT', ...['key', 'value'].flatMap((field) => OPERATORS_BY_KIND.string.map((op) => filterKey(field, op)))];
    expect(Object.keys(tagWhere.getFields()).sort()).toEqual(expected.sort());
    const trailWhere = api.schema.getType('TrailWhere');
    if (!isInputObjectType(trailWhere)) throw new Error('TrailWhere is not an input type');
    expect(String(trailWhere.getFields().tags_SOME!.type)).toBe('TagWhere');
    expect(String(trailWhere.getFields().tags_NONE!.type)).toBe('TagWhere');
    expect(trailWhere.getFields()).not.toHaveProperty('tags');
    expect(api.schema.getType('TagSort')).toBeUndefined();
  });
});

describe('tag filters over GraphQL', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [
        trailRecord('prod', {
          tags: [
            { key: 'env', value: 'prod' },
            { key: 'team', value: 'blue' },
          ],
        }),
        trailRecord('dev', { tags: [{ key: 'env', value: 'dev' }] }),
        trailRecord('bare'),
      ],
    });
  });
  afterAll(() => temp.cleanup());

  const names = async (query: string, variables?: Record<string, unknown>) => {
    const result = await runQuery(api, temp.store, query, variables);
    expect(result.errors).toBeUndefined();
    return (result.data!.trails as { name: string }[]).map((t) => t.name);
  };

  it('finds trails by a tag, and trails missing one', async () => {
    expect(await names('{ trails(where:{tags_SOME:{key:"env", value_IN:["prod","staging"]}}) { name } }')).toEqual(['prod']);
    expect(await names('{ trails(where:{tags_NONE:{key:"env"}}) { name } }')).toEqual(['bare']);
    // null reads "has none" after _SOME only, as stored checks of the field write it.
    expect(await names('{ trails(where:{tags_SOME:null}) { name } }')).toEqual(['bare']);
    expect(await names('{ trails(where:{NOT:{tags_SOME:null}}) { name } }')).toEqual(await names('{ trails(where:{tags_SOME:{}}) { name } }'));
    expect(await names('{ trails(where:{NOT:{tags_SOME:{key:"team"}}, tags_SOME:{key_STARTS_WITH:"e"}}) { name } }')).toEqual(['dev']);
    expect(await names('query($t: TagWhere!) { trails(where:{tags_SOME:$t}) { name } }', { t: { OR: [{ value: 'dev' }, { value: 'blue' }] } })).toEqual(['dev', 'prod']);
  });

  it('refuses null inside a tag filter, and a nullable variable for one', async () => {
    for (const [query, message] of [
      ['{ trails(where:{tags_SOME:{key:null}}) { name } }', 'TagWhere.key: null is not a filter value'],
      ['{ trails(where:{tags_NONE:null}) { name } }', 'TrailWhere.tags_NONE: null is not a filter value'],
      [
        'query($t: TagWhere) { trails(where:{tags_NONE:$t}) { name } }',
        'TrailWhere.tags_NONE: $t is declared TagWhere, so leaving it out would silently drop this filter',
      ],
    ] as const) {
      const result = await runQuery(api, temp.store, query);
      expect(result.errors?.[0]?.message, query).toContain(message);
    }
  });
});
