// Filters into JSON fields over GraphQL (README, Querying: "Filters into JSON"): the nested Where inputs are generated
// from the SDL object types a JSON field holds and checked against the shape its definition declares; a `where`
// naming what is not there is refused with its path; Trail's selectors are filtered end to end on either engine.
import {
  coerceInputValue,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isObjectType,
  parse,
  validate,
  type GraphQLInputObjectType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetTypeDefinition } from '../../src/assets/definition.js';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import { STORE_FILTER_SCHEMAS, type FilterSchemaSource } from '../../src/graphql/asset-reader.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { noNullInFilters } from '../../src/graphql/filters.js';
import { pageLimits } from '../../src/graphql/pages.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { assetSchemas } from '../../src/store/asset-schema.js';
import { SQLITE_DIALECT } from '../../src/store/dialect.js';
import type { InventoryStore } from '../../src/store/store.js';
import type { FilterRelation } from '../../src/store/where.js';
import { syncScope, trailRecord, type RecordInput } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';
import { ANYONE, openVaults, POLICY_SHAPE, VAULT } from '../support/vaults.js';

const VAULT_SDL = `
  type Vault implements Asset & Node {
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
    policy: VaultPolicy
    labels: [String!]
    tagsKnown: Boolean!
    collectionErrors: [CollectionError!]!
    raw: JSON!
  }
  type VaultPolicy { version: String! statements: [VaultStatement!]! limits: VaultLimits! }
  type VaultStatement { sid: String! effect: String! principals: [String!]! actions: [String!]! conditions: [VaultCondition!]! }
  type VaultCondition { operator: String! key: String! values: [String!]! }
  type VaultLimits { maxUses: Int! enforced: Boolean! }`;

const DEFINITIONS = [...ASSET_TYPES, VAULT as unknown as AssetTypeDefinition];

/** The store's own filter schemas of the types; the account's as the server reads it, naming each type's list. */
function storeFilters(definitions: readonly AssetTypeDefinition[]): FilterSchemaSource {
  const schemas = assetSchemas(definitions, SQLITE_DIALECT);
  const account = STORE_FILTER_SCHEMAS.accountFilterSchema();
  // Account.<plural> is generated for each type; the account filter of this test only needs to name it.
  const lists = definitions
    .filter((type) => !account.relations.has(type.plural))
    .map((type): [string, FilterRelation] => [
      type.plural,
      { field: type.plural, cardinality: 'many', target: schemas.get(type.name)!.filter, matches: (predicate) => predicate },
    ]);
  return {
    ...STORE_FILTER_SCHEMAS,
    filterSchemaOf: (type) => schemas.get(type)!.filter,
    accountFilterSchema: () => ({ columns: account.columns, relations: new Map([...account.relations, ...lists]) }),
  };
}

const vaultSchema = (definitions = DEFINITIONS, sdl = VAULT_SDL): GraphQLSchema =>
  buildSchema(pageLimits(), { assetTypes: definitions, extraTypeDefs: [sdl], filters: storeFilters(definitions) });

function input(schema: GraphQLSchema, name: string): GraphQLInputObjectType {
  const type = schema.getType(name);
  if (!isInputObjectType(type)) throw new Error(`${name} is not an input type`);
  return type;
}

describe('the Where inputs of a JSON field', () => {
  const schema = vaultSchema();

  it('are generated from the SDL object types it holds: scalars with their operators, lists quantified or searched', () => {
    const where = input(schema, 'VaultWhere').getFields();
    expect(String(where.policy!.type)).toBe('VaultPolicyWhere');
    expect(where).not.toHaveProperty('policy_SOME');
    expect(String(where.labels_INCLUDES!.type)).toBe('String');
    expect(String(where.labels_NOT_INCLUDES!.type)).toBe('String');
    expect(Object.keys(input(schema, 'VaultPolicyWhere').getFields())).toEqual(
      expect.arrayContaining(['AND', 'OR', 'NOT', 'version', 'version_STARTS_WITH', 'statements_SOME', 'statements_NONE', 'limits']),
    );
    const statement = input(schema, 'VaultStatementWhere').getFields();
    expect(String(statement.principals_INCLUDES!.type)).toBe('String');
    expect(String(statement.conditions_SOME!.type)).toBe('VaultConditionWhere');
    expect(String(statement.effect_IN!.type)).toBe('[String!]');
    expect(statement).not.toHaveProperty('principals');
    const limits = input(schema, 'VaultLimitsWhere').getFields();
    expect(Object.keys(limits)).toEqual([
      'AND',
      'OR',
      'NOT',
      ...['EQ', 'NOT', 'IN', 'NOT_IN', 'LT', 'LTE', 'GT', 'GTE'].map((op) => (op === 'EQ' ? 'maxUses' : `maxUses_${op}`)),
      'enforced',
      'enforced_NOT',
    ]);
    expect(String(limits.maxUses_IN!.type)).toBe('[Int!]');
  });

  it('describe what each filter does with an unknown value, as GraphiQL shows it', () => {
    const where = input(schema, 'VaultWhere').getFields();
    expect(where.policy!.description).toContain('every comparison inside an unknown, null, value is false');
    const policy = input(schema, 'VaultPolicyWhere');
    expect(policy.description).toContain("Filters the VaultPolicy objects held in an asset's JSON field");
    expect(policy.getFields().statements_SOME!.description).toBe(
      'statements: at least one item matches the filter ({} for any item, null for an empty list; false when the list is unknown, null)',
    );
    expect(policy.getFields().statements_NONE!.description).toBe('statements: no item matches the filter ({} for an empty list; true when the list is unknown, null)');
    expect(input(schema, 'VaultStatementWhere').getFields().principals_NOT_INCLUDES!.description).toBe('principals does not hold the value (unknown lists included)');
  });

  it('refuse a field the object does not have, naming where, and null', () => {
    const errors = (query: string) => validate(schema, parse(query), undefined).map((e) => e.message);
    expect(errors('{ vaults(where: {policy: {statements_SOME: {effect: "Allow", principals_INCLUDES: "AWS|*"}}}) { id } }')).toEqual([]);
    const unknown = errors('{ vaults(where: {policy: {statements_SOME: {effectt: "Allow"}}}) { id } }');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatch(/^Field "effectt" is not defined by type "VaultStatementWhere"\. Did you mean "effect", /);
    expect(errors('{ vaults(where: {policy: {statements: {}}}) { id } }')[0]).toContain('Field "statements" is not defined by type "VaultPolicyWhere"');
    const nulls = validate(schema, parse('{ vaults(where: {policy: {statements_SOME: {effect: null}}}) { id } }'), [noNullInFilters]).map((e) => e.message);
    expect(nulls).toEqual(['VaultStatementWhere.effect: null is not a filter value; use "" for an empty string, or leave the field out for no constraint.']);
    // A variable's value is checked with its path.
    const where = input(schema, 'VaultWhere');
    expect(() => coerceInputValue({ policy: { statements_SOME: { conditions_SOME: { kee: 'x' } } } }, where)).toThrow(
      'Field "kee" is not defined by type "VaultConditionWhere". Did you mean "key"?',
    );
    let path: readonly (string | number)[] = [];
    coerceInputValue({ policy: { statements_SOME: { conditions_SOME: { kee: 'x' } } } }, where, (p) => {
      path = p;
    });
    expect(path).toEqual(['policy', 'statements_SOME', 'conditions_SOME']);
  });

  it("compiles what GraphQL coerced into the store's filter", async () => {
    const { temp, store } = await openVaults();
    try {
      const where = coerceInputValue({ policy: { statements_SOME: { effect: 'Allow', principals_INCLUDES: ANYONE } } }, input(schema, 'VaultWhere'));
      expect((await store.findAssetsOfType('Vault', where)).map((v) => v.name).sort()).toEqual(['guarded', 'open']);
    } finally {
      await temp.cleanup();
    }
  });

  it('must agree with the shape the definition declares', () => {
    const withShape = (shape: unknown): AssetTypeDefinition[] => [
      ...ASSET_TYPES,
      { ...VAULT, fields: VAULT.fields.map((f) => (f.field === 'policy' ? { ...f, shape } : f)) } as unknown as AssetTypeDefinition,
    ];
    const { limits: _limits, ...withoutLimits } = POLICY_SHAPE as Record<string, unknown>;
    expect(() => vaultSchema(withShape(withoutLimits))).toThrow('schema: VaultPolicy.limits is not in the shape its definition declares for VaultPolicy; add it');
    expect(() => vaultSchema(withShape({ ...(POLICY_SHAPE as object), owner: 'string' }))).toThrow(
      'schema: the shape of VaultPolicy names owner, which type VaultPolicy does not have',
    );
    expect(() => vaultSchema(withShape({ ...(POLICY_SHAPE as object), version: 'boolean' }))).toThrow(
      'schema: VaultPolicy.version is String!, but its definition\'s shape is "boolean"; make them agree',
    );
    expect(() => vaultSchema(withShape([POLICY_SHAPE]))).toThrow("schema: Vault.policy is VaultPolicy, but its definition's shape is [");
    // Without a shape, a JSON field is not filterable, as before.
    expect(input(vaultSchema(withShape(undefined)), 'VaultWhere').getFields()).not.toHaveProperty('policy');
  });
});

describe('the KMS key definition and its SDL', () => {
  it('generate the key policy filter of the issue', () => {
    // Registered (src/assets/registry.ts), the key's SDL (schema/kms-key.graphql) is served with its generated filters.
    expect(ASSET_TYPES).toContain(KMS_KEY);
    const { schema } = createInventoryApi();
    expect(String(input(schema, 'KmsKeyWhere').getFields().keyPolicy!.type)).toBe('KeyPolicyWhere');
    expect(String(input(schema, 'KmsKeyWhere').getFields().aliases_INCLUDES!.type)).toBe('String');
    const query = '{ kmsKeys(where: {keyPolicy: {statements_SOME: {effect: "Allow", principals_INCLUDES: "AWS|*", conditions_NONE: {}}}}) { id } }';
    expect(validate(schema, parse(query))).toEqual([]);
    expect(Object.keys(input(schema, 'KeyPolicyStatementWhere').getFields())).toEqual(
      expect.arrayContaining(['sid', 'effect', 'principals_INCLUDES', 'actions_INCLUDES', 'notActions_NOT_INCLUDES', 'resources_INCLUDES', 'conditions_SOME']),
    );
  });
});

describe('every registered JSON field held as objects or a list', () => {
  it('declares its shape, so that it is filterable', () => {
    const schema = createInventoryApi().schema;
    for (const type of ASSET_TYPES) {
      const object = schema.getType(type.name);
      if (!isObjectType(object)) throw new Error(`${type.name} is not an object type`);
      for (const field of type.fields.filter((f) => f.kind === 'json')) {
        const sdlType = object.getFields()[field.field]!.type;
        const named = getNamedType(sdlType);
        if (!isListType(getNullableType(sdlType)) && !isObjectType(named)) continue;
        expect(field.shape, `${type.name}.${field.field}`).toBeDefined();
      }
    }
  });
});

describe("Trail's selectors, filtered through GraphQL", () => {
  const api = createInventoryApi();
  const eventCategory = (equals: string[]) => ({ Field: 'eventCategory', Equals: equals });
  const TRAILS: { name: string; selectors: RecordInput['selectors'] }[] = [
    { name: 'management', selectors: { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] } },
    {
      name: 'excludes-kms',
      selectors: { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }] },
    },
    {
      name: 's3-data',
      selectors: {
        EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }],
      },
    },
    {
      name: 'advanced',
      selectors: {
        AdvancedEventSelectors: [{ Name: 'no-kms', FieldSelectors: [eventCategory(['Management']), { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] }] }],
      },
    },
    { name: 'unknown', selectors: null },
  ];
  const ALL_TRAILS = TRAILS.map((t) => t.name).sort();
  let temp: TempStore;
  let store: InventoryStore;
  beforeAll(async () => {
    temp = await openTempStore();
    store = temp.store;
    await syncScope(store, { accountId: '111122223333', region: 'us-east-1', trails: TRAILS.map(({ name, selectors }) => trailRecord(name, { selectors })) });
  });
  afterAll(() => temp.cleanup());

  const names = async (where: string): Promise<string[]> => {
    const result = await runQuery(api, store, `{ trails(where: ${where}) { name } }`);
    expect(result.errors).toBeUndefined();
    return (result.data as { trails: { name: string }[] }).trails.map((t) => t.name).sort();
  };
  const expectWithComplement = async (where: string, expected: string[]) => {
    expect(await names(where)).toEqual([...expected].sort());
    expect(await names(`{NOT: ${where}}`)).toEqual(ALL_TRAILS.filter((n) => !expected.includes(n)));
  };

  it('quantifies event selectors and their data resources, and searches their lists', async () => {
    await expectWithComplement('{eventSelectors_SOME: {includeManagementEvents: true, readWriteType: "All"}}', ['management', 'excludes-kms']);
    await expectWithComplement('{eventSelectors_SOME: {excludeManagementEventSources_INCLUDES: "kms.amazonaws.com"}}', ['excludes-kms']);
    await expectWithComplement('{eventSelectors_SOME: {dataResources_SOME: {type: "AWS::S3::Object", values_INCLUDES: "arn:aws:s3"}}}', ['s3-data']);
    // Selectors that could not be read are never hidden from a negative filter.
    await expectWithComplement('{eventSelectors_NONE: {includeManagementEvents: true}}', ['s3-data', 'advanced', 'unknown']);
    await expectWithComplement('{advancedEventSelectors_SOME: {fieldSelectors_SOME: {field: "eventSource", notEquals_INCLUDES: "kms.amazonaws.com"}}}', ['advanced']);
  });

  it('follows them from an account, as any TrailWhere', async () => {
    const result = await runQuery(api, store, '{ accounts(where: {trails_SOME: {eventSelectors_SOME: {readWriteType: "WriteOnly"}}}) { accountId } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ accounts: [{ accountId: '111122223333' }] });
    const none = await runQuery(api, store, '{ accounts(where: {trails_SOME: {eventSelectors_SOME: {readWriteType: "ReadOnly"}}}) { accountId } }');
    expect(none.data).toEqual({ accounts: [] });
  });
});
