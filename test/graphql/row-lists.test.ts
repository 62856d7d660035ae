// Lists held in an asset's row (AssetTypeDefinition.rowLists): over HTTP, a stored row beyond the quota its type
// declares is an error naming the list, the quota and the service, never an answer above the cost's bound; in-process,
// every item. A test-only type shaped like a KMS key (a policy object holding statements holding conditions) proves the
// cost and the checks follow any definition, with nothing in src/graphql or src/server naming it.
import { parse, specifiedRules, validate, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetTypeDefinition } from '../../src/assets/definition.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import { STORE_FILTER_SCHEMAS, type AssetRow, type FilterSchemaSource } from '../../src/graphql/asset-reader.js';
import { createContext } from '../../src/graphql/context.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { pageLimits, pageLimitsOf } from '../../src/graphql/pages.js';
import { rowListResolvers } from '../../src/graphql/row-lists.js';
import { buildSchema, loadTypeDefs } from '../../src/graphql/schema.js';
import { DEFAULT_LIMITS, operationCost, requestLimitRules } from '../../src/server/limits.js';
import { TAG_FILTER } from '../../src/store/filter-schemas.js';
import type { FilterColumn, FilterRelation, FilterSchema } from '../../src/store/where.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const A = '111122223333';
const arn = (name: string) => `arn:aws:cloudtrail:us-east-1:${A}:trail/${name}`;
const selector = (values: number) => ({
  ReadWriteType: 'All' as const,
  IncludeManagementEvents: true,
  DataResources: [{ Type: 'AWS::S3::Object', Values: Array.from({ length: values }, (_, i) => `arn:aws:s3:::b${i}/`) }],
});

describe('a trail whose row holds more than CloudTrail allows', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: A,
      region: 'us-east-1',
      trails: [
        trailRecord('six', { selectors: { EventSelectors: Array.from({ length: 6 }, () => selector(1)) } }),
        // 2 selectors within the 5, but 2 × 126 data resources above the 250 across them.
        trailRecord('wide', {
          selectors: {
            EventSelectors: [
              { ...selector(0), DataResources: Array(126).fill(selector(1).DataResources[0]) },
              { ...selector(0), DataResources: Array(126).fill(selector(1).DataResources[0]) },
            ],
          },
        }),
        trailRecord('fine', { selectors: { EventSelectors: [selector(3)] } }),
      ],
    });
  });
  afterAll(() => temp.cleanup());

  const query = (name: string) => `{ trail(id: "${arn(name)}") { eventSelectors { dataResources { type } } } }`;
  const bounded = { boundedLists: true };

  it('is an error over HTTP, naming the list, its quota per trail and the service', async () => {
    const six = await runQuery(api, temp.store, query('six'), undefined, bounded);
    expect(six.errors?.map((e) => e.message)).toEqual([
      `trail ${arn('six')} holds 6 items in Trail.eventSelectors, more than CloudTrail allows per trail (5), which the query's cost counted on`,
    ]);
    const wide = await runQuery(api, temp.store, query('wide'), undefined, bounded);
    expect(wide.errors?.map((e) => e.message)).toEqual([
      `trail ${arn('wide')} holds 252 items in EventSelector.dataResources, more than CloudTrail allows per trail (250), which the query's cost counted on`,
    ]);
  });

  it('answers a trail within the quotas, and every item in-process', async () => {
    expect((await runQuery(api, temp.store, query('fine'), undefined, bounded)).data).toEqual({
      trail: { eventSelectors: [{ dataResources: [{ type: 'AWS::S3::Object' }] }] },
    });
    const six = await runQuery(api, temp.store, query('six'));
    expect(six.errors).toBeUndefined();
    expect((six.data as { trail: { eventSelectors: unknown[] } }).trail.eventSelectors).toHaveLength(6);
  });
});

describe('row lists of any definition', () => {
  const trail = ASSET_TYPES.find((type) => type.name === 'Trail')!;
  // Shaped like a KMS key: a policy object (not a list) holding statements, each holding conditions.
  const testKey: AssetTypeDefinition = {
    name: 'TestKey',
    plural: 'testKeys',
    table: 'test_keys',
    description: 'A key that exists only in this test.',
    internalAssetType: 'Test',
    assetCategory: 'Test',
    scope: 'regional',
    collector: 'test.keys',
    iamActions: ['test:ListKeys'],
    fields: [],
    relations: [],
    rowLists: {
      service: 'TestKMS',
      quotas: {
        'TestPolicy.statements': { most: 7, why: 'test' },
        'TestStatement.conditions': { most: 11, why: 'test, across all statements of a key' },
        'TestKey.collectionErrors': { most: 3, why: 'test' },
      },
    },
  };
  const sdl = `
    type TestKey implements Asset & Node {
      id: ID! arn: String! name: String! assetType: String! provider: String! accountId: String! account: Account!
      region: String! tags(limit: Int, offset: Int): [Tag!]! firstSeenAt: DateTime! lastSeenAt: DateTime! deletedAt: DateTime
      policy: TestPolicy
      collectionErrors: [CollectionError!]!
    }
    type TestPolicy { version: String! statements: [TestStatement!]! }
    type TestStatement { sid: String! actions: [String!]! conditions: [TestCondition!]! }
    type TestCondition { key: String! values: [String!]! }`;
  // What the store would say a TestKey filter may name (the store serves no TestKey: only its GraphQL is built here).
  const column = (field: string, kind: FilterColumn['kind'] = 'string', nullable = false): FilterColumn => ({ field, sql: `k.${field}`, kind, nullable });
  const relation = (field: string, cardinality: FilterRelation['cardinality'], target: () => FilterSchema): FilterRelation => ({
    field,
    cardinality,
    get target() {
      return target();
    },
    matches: (predicate) => predicate,
  });
  const testKeyFilter: FilterSchema = {
    columns: new Map(
      [
        ...['id', 'arn', 'name', 'assetType', 'provider', 'accountId', 'region'].map((field) => column(field)),
        column('firstSeenAt', 'datetime'),
        column('lastSeenAt', 'datetime'),
        column('deletedAt', 'datetime', true),
      ].map((c) => [c.field, c] as const),
    ),
    relations: new Map([
      ['tags', relation('tags', 'many', () => TAG_FILTER)],
      ['account', relation('account', 'one', () => STORE_FILTER_SCHEMAS.accountFilterSchema())],
    ]),
  };
  const filters: FilterSchemaSource = {
    ...STORE_FILTER_SCHEMAS,
    filterSchemaOf: (type) => (type === 'TestKey' ? testKeyFilter : STORE_FILTER_SCHEMAS.filterSchemaOf(type)),
    accountFilterSchema: () => ({
      columns: STORE_FILTER_SCHEMAS.accountFilterSchema().columns,
      relations: new Map([...STORE_FILTER_SCHEMAS.accountFilterSchema().relations, ['testKeys', relation('testKeys', 'many', () => testKeyFilter)]]),
    }),
  };
  const schema = buildSchema(pageLimits(), { assetTypes: [trail, testKey], extraTypeDefs: [sdl], filters });

  it('count once per asset, through an object that is not a list, each quota from the definition', () => {
    expect(pageLimitsOf(schema).rowLists).toMatchObject({ 'TestPolicy.statements': 7, 'TestStatement.conditions': 11, 'Trail.eventSelectors': 5 });
    const cost = (query: string) => operationCost(schema, DEFAULT_LIMITS, parse(query).definitions[0] as OperationDefinitionNode, new Map(), {}).cost;
    expect(cost('{ testKey(id: "x") { policy { statements { sid conditions { key } } } collectionErrors { code } } }')).toBe(1 + 1 + 7 + 11 + 3);
    // A page of keys: each key's lists once per key.
    expect(cost('{ testKeys(options: {limit: 10}) { policy { statements { conditions { key } } } } }')).toBe(10 * (1 + 1 + 7 + 11));
    expect(validate(schema, parse('{ testKeys { policy { statements { conditions { key } } } } }'), [...specifiedRules, ...requestLimitRules(DEFAULT_LIMITS)])).toEqual(
      [],
    );
  });

  it("hold a row to its quotas over HTTP, innermost first, in the type's own words", () => {
    const resolvers = rowListResolvers([trail, testKey], pageLimitsOf(schema).rowLists!, [...loadTypeDefs(), sdl]);
    expect(Object.keys(resolvers.TestKey!).sort()).toEqual(['collectionErrors', 'policy']);
    expect(Object.keys(resolvers.Trail!).sort()).toEqual(['advancedEventSelectors', 'collectionErrors', 'eventSelectors', 'insightSelectors']);
    const statement = (conditions: number) => ({ sid: '', actions: [], conditions: Array.from({ length: conditions }, () => ({ key: 'k', values: [] })) });
    const key = (statements: number, conditions: number) =>
      ({
        arn: 'arn:aws:kms:us-east-1:111122223333:key/k',
        policy: { version: '2012-10-17', statements: Array.from({ length: statements }, () => statement(conditions)) },
      }) as unknown as AssetRow;
    const resolve = (asset: AssetRow, boundedLists = true) => resolvers.TestKey!.policy!(asset, {}, createContext({} as never, { boundedLists }));
    expect(resolve(key(7, 1))).toEqual((key(7, 1) as unknown as { policy: unknown }).policy);
    expect(() => resolve(key(8, 2))).toThrow(
      "test key arn:aws:kms:us-east-1:111122223333:key/k holds 16 items in TestStatement.conditions, more than TestKMS allows per test key (11), which the query's cost counted on",
    );
    expect(() => resolve(key(8, 1))).toThrow('holds 8 items in TestPolicy.statements, more than TestKMS allows per test key (7)');
    expect(resolve(key(8, 2), false)).toBeDefined();
  });
});
