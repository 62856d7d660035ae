// The registry (src/assets/registry.ts) is the one list of asset types: this walks it and proves every registered type
// is served everywhere it must be, so that adding a type cannot forget a place. No type is named here: every check runs
// for each entry of ASSET_TYPES. The second part builds a schema with a test-only type beside Trail, to prove the
// per-type GraphQL is generated for any definition, relations in both directions included.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetTypeDefinition } from '../src/assets/definition.js';
import { ASSET_TYPES } from '../src/assets/registry.js';
import { SYNC_PERMISSIONS } from '../src/cli/commands/permissions.js';
import { loadControl } from '../src/controls/catalog.js';
import { inventoryGaps } from '../src/controls/evaluate.js';
import { STORE_FILTER_SCHEMAS, type FilterSchemaSource } from '../src/graphql/asset-reader.js';
import { inputTypesOf, relationEnds, rootFieldsOf } from '../src/graphql/asset-sdl.js';
import { createInventoryApi, runQuery } from '../src/graphql/execute.js';
import { pageLimits, pageLimitsOf } from '../src/graphql/pages.js';
import { buildSchema } from '../src/graphql/schema.js';
import { CONTROLS_DIR } from '../src/paths.js';
import { assetGaugeName, metricsPage, RequestMetrics } from '../src/server/observability.js';
import { IASSET_FIELDS } from '../src/store/asset-columns.js';
import { COPY_TABLES } from '../src/store/copy.js';
import { computeCoverage } from '../src/store/coverage.js';
import { TAG_FILTER } from '../src/store/filter-schemas.js';
import type { FilterColumn, FilterRelation, FilterSchema } from '../src/store/where.js';
import { runInProcess } from './support/cli.js';
import { openTempStore, removeDir, tempDir, type TempStore } from './support/store.js';

const api = createInventoryApi();

function objectType(schema: GraphQLSchema, name: string): GraphQLObjectType {
  const type = schema.getType(name);
  if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
  return type;
}

/** The field's type as written in SDL, e.g. `[Trail!]!`. */
const typeOf = (field: GraphQLField<unknown, unknown> | undefined): string => String(field?.type);

/** Every check that a type is served as a GraphQL asset type, for any schema built from definitions. */
function expectServedInGraphQL(schema: GraphQLSchema, type: AssetTypeDefinition): void {
  const query = schema.getQueryType()!.getFields();
  const root = rootFieldsOf(type);
  const inputs = inputTypesOf(type);
  expect(typeOf(query[root.list]), root.list).toBe(`[${type.name}!]!`);
  expect(query[root.list]!.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual([`where: ${inputs.where}`, `options: ${inputs.options}`]);
  expect(typeOf(query[root.connection]), root.connection).toBe(`${type.name}Connection!`);
  expect(query[root.connection]!.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual([
    `where: ${inputs.where}`,
    'first: Int',
    'after: String',
    `sort: [${inputs.sort}!]`,
  ]);
  expect(typeOf(query[root.aggregate]), root.aggregate).toBe(`${type.name}Aggregate!`);
  expect(typeOf(query[root.byId]), root.byId).toBe(type.name);
  const aggregate = objectType(schema, `${type.name}Aggregate`).getFields();
  expect(typeOf(aggregate.count)).toBe('Int!');
  expect(String(aggregate.countBy!.args.find((a) => a.name === 'field')!.type)).toBe(`${inputs.groupField}!`);

  // node(id) and assets: the type is a Node and an Asset, so both can return it.
  const object = objectType(schema, type.name);
  expect(object.getInterfaces().map((i) => i.name)).toEqual(expect.arrayContaining(['Asset', 'Node']));
  expect(typeOf(query.node)).toBe('Node');
  expect(typeOf(query.assets)).toBe('[Asset!]!');

  expect(typeOf(objectType(schema, 'Account').getFields()[root.list]), `Account.${root.list}`).toBe(`[${type.name}!]!`);
  expect(isInputObjectType(schema.getType(inputs.where)), inputs.where).toBe(true);
  expect(isInputObjectType(schema.getType(inputs.sort)), inputs.sort).toBe(true);
  expect(isEnumType(schema.getType(inputs.groupField)), inputs.groupField).toBe(true);
  // The account filter follows the account's list of the type.
  const accountWhere = schema.getType('AccountWhere');
  if (!isInputObjectType(accountWhere)) throw new Error('AccountWhere is not an input type');
  expect(Object.keys(accountWhere.getFields())).toEqual(expect.arrayContaining([`${root.list}_SOME`, `${root.list}_NONE`]));
}

/**
 * The lists of objects a type's row holds without a declared quota, and the quotas it declares for no such list. Walks
 * the type's SDL object type and every object type its row holds (not other assets or accounts: types implementing
 * Node have rows of their own): each list of objects must be paged (limit and offset, or options with both), a
 * relation, or bounded by a quota in the type's own definition, which the cost counts it by (README "Request limits").
 */
function rowListGaps(schema: GraphQLSchema, type: AssetTypeDefinition, types: readonly AssetTypeDefinition[]): { unbounded: string[]; unknown: string[] } {
  const quotas = type.rowLists?.quotas ?? {};
  const relations = new Set(relationEnds(types).map((end) => `${end.holder}.${end.field}`));
  const unbounded: string[] = [];
  const met = new Set<string>();
  const seen = new Set<string>();
  const walk = (typeName: string): void => {
    const object = schema.getType(typeName);
    if (!isObjectType(object) || seen.has(typeName)) return;
    seen.add(typeName);
    for (const field of Object.values(object.getFields())) {
      const coordinate = `${typeName}.${field.name}`;
      const named = getNamedType(field.type);
      if (!isCompositeType(named) || relations.has(coordinate)) continue;
      // Assets, accounts and the Asset and Node interfaces are rows of their own, read by their own resolvers.
      if (isInterfaceType(named) || (isObjectType(named) && named.getInterfaces().some((i) => i.name === 'Node'))) continue;
      if (isListType(getNullableType(field.type))) {
        const options = field.args.find((a) => a.name === 'options');
        const optionsType = options && getNamedType(options.type);
        const args = [...field.args.map((a) => a.name), ...(optionsType && isInputObjectType(optionsType) ? Object.keys(optionsType.getFields()) : [])];
        if (args.includes('limit') && args.includes('offset')) continue;
        if (quotas[coordinate] === undefined) unbounded.push(coordinate);
        else met.add(coordinate);
      }
      walk(named.name);
    }
  };
  walk(type.name);
  return { unbounded, unknown: Object.keys(quotas).filter((coordinate) => !met.has(coordinate)) };
}

describe.each(ASSET_TYPES.map((type) => [type.name, type] as const))('the registered type %s', (_name, type) => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
  });
  afterAll(() => temp.cleanup());

  it('has its root fields, node, assets, Account list, and Where, Sort and GroupField inputs', () => {
    expectServedInGraphQL(api.schema, type);
  });

  it('has its relation fields and relation filters in both directions', () => {
    for (const relation of type.relations) {
      const field = objectType(api.schema, type.name).getFields()[relation.field];
      expect(String(getNamedType(field!.type)), `${type.name}.${relation.field}`).toBe(relation.target);
      const where = api.schema.getType(inputTypesOf(type).where);
      if (!isInputObjectType(where)) throw new Error('not an input type');
      const filters = Object.keys(where.getFields());
      expect(filters).toEqual(expect.arrayContaining(relation.cardinality === 'one' ? [relation.field] : [`${relation.field}_SOME`, `${relation.field}_NONE`]));
      if (relation.inverse) {
        expect(String(getNamedType(objectType(api.schema, relation.target).getFields()[relation.inverse.field]!.type))).toBe(type.name);
      }
    }
  });

  it('answers its root fields, node and assets from the store (an empty inventory)', async () => {
    const root = rootFieldsOf(type);
    const result = await runQuery(
      api,
      temp.store,
      `{
      list: ${root.list} { id } page: ${root.connection} { totalCount edges { cursor } } counts: ${root.aggregate} { count }
      one: ${root.byId}(id: "arn:aws:none") { id } node(id: "arn:aws:none") { id } assets(where: {assetType: "${type.name}"}) { id }
    }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ list: [], page: { totalCount: 0, edges: [] }, counts: { count: 0 }, one: null, node: null, assets: [] });
  });

  it('declares a quota for every list of objects its row holds, which the request cost counts it by', () => {
    expect(rowListGaps(api.schema, type, ASSET_TYPES)).toEqual({ unbounded: [], unknown: [] });
    if (type.rowLists) expect(type.rowLists.service).not.toBe('');
    for (const [coordinate, quota] of Object.entries(type.rowLists?.quotas ?? {})) {
      expect(Number.isInteger(quota.most) && quota.most > 0, `${coordinate}: ${quota.most}`).toBe(true);
      expect(quota.why, coordinate).not.toBe('');
      expect(pageLimitsOf(api.schema).rowLists?.[coordinate], coordinate).toBe(quota.most);
    }
  });

  it("has Cyscale's asset fields (IAsset) beside its own, each with its value from the store", async () => {
    const iasset = api.schema.getType('IAsset');
    if (!isInterfaceType(iasset)) throw new Error('IAsset is not an interface');
    expect(Object.keys(iasset.getFields())).toEqual(IASSET_FIELDS);
    const object = objectType(api.schema, type.name);
    expect(object.getInterfaces().map((i) => i.name)).toContain('IAsset');
    for (const [name, field] of Object.entries(iasset.getFields())) {
      // The interface's type, or its non-null form: an asset always has what an account may not (a name, a hash).
      expect([String(field.type), `${String(field.type).replace(/!$/, '')}!`], `${type.name}.${name}`).toContain(typeOf(object.getFields()[name]));
    }
    // One asset of the type, with the least its table accepts, read back through every IAsset field.
    const record: Record<string, unknown> = {
      arn: `arn:aws:test:us-east-1:111122223333:${type.plural}/walk`,
      name: 'walk',
      accountId: '111122223333',
      region: 'us-east-1',
      tags: [],
      collectionErrors: [],
      raw: {},
    };
    const least = { string: '', enum: '', boolean: false, integer: 0, datetime: '2026-01-01T00:00:00.000Z', json: [] } as const;
    for (const field of type.fields.filter((f) => !f.computed)) record[field.field] = field.nullable ? null : least[field.kind];
    // In an inventory of its own: the other checks here read an empty one.
    const own = await openTempStore();
    let result;
    try {
      const run = await own.store.startSyncRun({ collector: type.collector, requestedRegions: ['us-east-1'] });
      await own.store.writeScope(run.id, { assetType: type.name, accountId: '111122223333', region: 'us-east-1', status: 'ok', assets: [record as never] });
      await own.store.finishSyncRun(run.id, 'succeeded');
      result = await runQuery(api, own.store, `{ ${rootFieldsOf(type).list} { ${IASSET_FIELDS.join(' ')} } }`);
    } finally {
      await own.cleanup();
    }
    expect(result.errors).toBeUndefined();
    expect((result.data as Record<string, unknown>)[rootFieldsOf(type).list]).toEqual([
      {
        identifier: record.arn,
        accountID: '111122223333',
        cloudAccountID: '111122223333',
        cloudAccountName: null,
        cloudProvider: 'aws',
        idFromProvider: record.arn,
        internalAssetType: type.internalAssetType,
        internalName: 'walk',
        internalRegion: 'us-east-1',
        assetCategory: type.assetCategory,
        contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(type.internalAssetType).not.toBe('');
    expect(type.assetCategory).not.toBe('');
  });

  it('has coverage', async () => {
    await expect(computeCoverage(temp.store, type.name)).resolves.toEqual([]);
  });

  it('is known to the control engine: a control may name it, and its inventory gaps are about syncing it', async () => {
    const dir = tempDir();
    try {
      const source = readFileSync(join(CONTROLS_DIR, 'aws', 'cloudtrail-logging.yaml'), 'utf8')
        .replace(/^id: .*$/m, 'id: registry-walk')
        .replace(/^assetTypes: .*$/m, `assetTypes: [${type.name}]`)
        .replace(/^query: \|\n.*$/m, `query: |\n  ${type.plural}{...AssetFragment}`);
      const path = join(dir, 'registry-walk.yaml');
      writeFileSync(path, source);
      expect(loadControl(api, path, dir).assetTypes).toEqual([type.name]);
    } finally {
      removeDir(dir);
    }
    expect(await inventoryGaps(temp.store, [type.name])).toEqual([`${type.name} assets have never been synced (run "inventory sync")`]);
  });

  it('has its IAM actions printed by inventory permissions', async () => {
    expect(type.iamActions.length).toBeGreaterThan(0);
    expect(SYNC_PERMISSIONS).toEqual(expect.arrayContaining([...type.iamActions]));
    for (const format of ['list', 'policy']) {
      const { code, stdout } = await runInProcess(['permissions', '--format', format]);
      expect(code).toBe(0);
      for (const action of type.iamActions) expect(stdout, `${format}: ${action}`).toContain(action);
    }
  });

  it('has a gauge of its totals in the metrics', async () => {
    const page = await metricsPage(temp.store, new RequestMetrics());
    const gauge = assetGaugeName(type.plural);
    expect(page).toContain(`# TYPE ${gauge} gauge\n${gauge}{state="live"} 0\n${gauge}{state="deleted"} 0\n`);
  });

  it('has its table copied by store copy', () => {
    // The copy's table list is what copyInventory copies and checks against the migrated schema (src/store/copy.ts).
    expect(COPY_TABLES).toContain(type.table);
  });
});

describe('the generated GraphQL of any definition', () => {
  const trail = ASSET_TYPES.find((type) => type.name === 'Trail')!;
  // A test-only type keyed by ARN, which trails point at through kmsKeyID, with the inverse list on it.
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
    fields: [{ field: 'keyState', column: 'key_state', kind: 'string', nullable: false }],
    relations: [],
  };
  const trailWithKey: AssetTypeDefinition = {
    ...trail,
    relations: [{ field: 'testKey', target: 'TestKey', cardinality: 'one', from: 'kmsKeyID', to: 'arn', inverse: { field: 'trails', cardinality: 'many' } }],
  };
  const testKeySdl = `
    type TestKey implements Asset & Node {
      id: ID!
      arn: String!
      name: String!
      assetType: String!
      provider: String!
      accountId: String!
      account: Account!
      region: String!
      tags(limit: Int, offset: Int): [Tag!]!
      firstSeenAt: DateTime!
      lastSeenAt: DateTime!
      deletedAt: DateTime
      "The key's state."
      keyState: String!
    }`;
  // What the store would say a filter may name: columns for the fields, and the relations both ways.
  const relation = (field: string, cardinality: FilterRelation['cardinality'], target: () => FilterSchema): FilterRelation => ({
    field,
    cardinality,
    get target() {
      return target();
    },
    matches: (predicate) => predicate,
  });
  const column = (field: string, kind: FilterColumn['kind'] = 'string', nullable = false): FilterColumn => ({ field, sql: `k.${field}`, kind, nullable });
  const base = STORE_FILTER_SCHEMAS;
  const trailFilter: FilterSchema = {
    columns: base.filterSchemaOf('Trail').columns,
    relations: new Map([...base.filterSchemaOf('Trail').relations, ['testKey', relation('testKey', 'one', () => testKeyFilter)]]),
  };
  const testKeyFilter: FilterSchema = {
    columns: new Map(
      [
        ...['id', 'arn', 'name', 'assetType', 'provider', 'accountId', 'region', 'keyState'].map((field) => column(field)),
        column('firstSeenAt', 'datetime'),
        column('lastSeenAt', 'datetime'),
        column('deletedAt', 'datetime', true),
      ].map((c) => [c.field, c] as const),
    ),
    relations: new Map([
      ['tags', relation('tags', 'many', () => TAG_FILTER)],
      ['account', relation('account', 'one', () => base.accountFilterSchema())],
      ['trails', relation('trails', 'many', () => trailFilter)],
    ]),
  };
  const filters: FilterSchemaSource = {
    filterSchemaOf: (type) => (type === 'TestKey' ? testKeyFilter : trailFilter),
    accountFilterSchema: () => ({
      columns: base.accountFilterSchema().columns,
      relations: new Map([...base.accountFilterSchema().relations, ['testKeys', relation('testKeys', 'many', () => testKeyFilter)]]),
    }),
    assetFilterSchema: base.assetFilterSchema,
  };
  const definitions = [trailWithKey, testKey];
  const schema = buildSchema(pageLimits(), { assetTypes: definitions, extraTypeDefs: [testKeySdl], filters });

  it.each(definitions.map((type) => [type.name, type] as const))('serves %s like any registered type', (_name, type) => {
    expectServedInGraphQL(schema, type);
  });

  it('generates the relation fields in both directions, with their filters', () => {
    const trailType = objectType(schema, 'Trail').getFields();
    expect(typeOf(trailType.testKey)).toBe('TestKey');
    const inverse = objectType(schema, 'TestKey').getFields().trails!;
    expect(typeOf(inverse)).toBe('[Trail!]!');
    expect(inverse.args.map((a) => a.name)).toEqual(['limit', 'offset']);
    const trailWhere = schema.getType('TrailWhere');
    const keyWhere = schema.getType('TestKeyWhere');
    if (!isInputObjectType(trailWhere) || !isInputObjectType(keyWhere)) throw new Error('not input types');
    expect(String(trailWhere.getFields().testKey!.type)).toBe('TestKeyWhere');
    expect(String(keyWhere.getFields().trails_SOME!.type)).toBe('TrailWhere');
    expect(String(keyWhere.getFields().trails_NONE!.type)).toBe('TrailWhere');
    expect(Object.keys(keyWhere.getFields())).toEqual(expect.arrayContaining(['keyState', 'keyState_IN', 'keyState_STARTS_WITH', 'account', 'tags_SOME']));
    const groupField = schema.getType('TestKeyGroupField');
    if (!isEnumType(groupField)) throw new Error('not an enum');
    expect(groupField.getValues().map((v) => v.name)).toContain('keyState');
    expect(typeOf(objectType(schema, 'Account').getFields().testKeys)).toBe('[TestKey!]!');
  });

  it("describes the generated fields in the type's own words", () => {
    const query = schema.getQueryType()!.getFields();
    expect(query.testKeys!.description).toBe('Test keys matching `where`, deleted test keys excluded. A plain list: stored checks compare it with [].');
    expect(query.testKey!.description).toBe('One test key by id (its ARN), deleted or not.');
    expect(objectType(schema, 'Trail').getFields().testKey!.description).toBe(
      "The test key whose arn is this trail's kmsKeyID, when the inventory holds it; null otherwise.",
    );
  });

  it('reads every generated field through the asset reader, which says which type the store does not hold', async () => {
    const temp = await openTempStore();
    try {
      const testApi = { ...api, schema };
      const result = await runQuery(testApi, temp.store, '{ testKeys { id } }');
      expect(result.errors?.[0]?.message).toContain('the store does not hold assets of type "TestKey"');
      // Trail stays served as before in the same schema.
      expect((await runQuery(testApi, temp.store, '{ trails(where:{kmsKeyID:""}){...AssetFragment} }')).data).toEqual({ trails: [] });
    } finally {
      await temp.cleanup();
    }
  });

  it('finds a list of objects held in a row without a quota, wherever it is, and a quota for no list', () => {
    const withPolicy =
      testKeySdl.replace('keyState: String!', 'keyState: String!\n  policy: TestPolicy\n  errors: [CollectionError!]!') +
      `
      type TestPolicy { statements: [TestStatement!]! }
      type TestStatement { actions: [String!]! conditions: [TestCondition!]! }
      type TestCondition { values: [String!]! }`;
    const policySchema = buildSchema(pageLimits(), { assetTypes: definitions, extraTypeDefs: [withPolicy], filters });
    expect(rowListGaps(policySchema, testKey, definitions)).toEqual({
      unbounded: ['TestPolicy.statements', 'TestStatement.conditions', 'TestKey.errors'],
      unknown: [],
    });
    const declared: AssetTypeDefinition = {
      ...testKey,
      rowLists: {
        service: 'Test',
        quotas: {
          'TestKey.errors': { most: 1, why: 'test' },
          'TestPolicy.statements': { most: 2, why: 'test' },
          'TestStatement.conditions': { most: 3, why: 'test' },
          'TestKey.gone': { most: 4, why: 'test' },
        },
      },
    };
    expect(rowListGaps(policySchema, declared, definitions)).toEqual({ unbounded: [], unknown: ['TestKey.gone'] });
    // The relation (Trail.testKey, TestKey.trails) and the paged lists (tags) need none.
    expect(rowListGaps(policySchema, trailWithKey, definitions)).toEqual({ unbounded: [], unknown: [] });
  });

  it('refuses a relation to a type that is not registered', () => {
    expect(() => buildSchema(pageLimits(), { assetTypes: [trailWithKey], filters })).toThrow(
      'schema: Trail.testKey leads to TestKey, which is not a registered asset type',
    );
  });
});
