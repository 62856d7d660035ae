// The GraphQL contract: every stored field is served, every scalar field is filterable, stored fragments are
// appended, and bad filters are validation errors that say what and where.
import { isInputObjectType, isObjectType, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { withStoredFragments, withStoredFragmentsText } from '../../src/graphql/fragments.js';
import { TRAIL_COLUMNS } from '../../src/store/trail-columns.js';
import { OPERATORS_BY_KIND, filterKey } from '../../src/store/where.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const ACCOUNT = '111122223333';

describe('the schema', () => {
  it('serves every stored trail field on Trail, spelled as the store names it (kmsKeyID included)', () => {
    const trail = api.schema.getType('Trail');
    if (!isObjectType(trail)) throw new Error('Trail is not an object type');
    const fields = Object.keys(trail.getFields());
    for (const column of TRAIL_COLUMNS) expect(fields).toContain(column.field);
    expect(trail.getInterfaces().map((i) => i.name)).toEqual(['Asset', 'Node', 'IAsset']);
    expect(String(trail.getFields().kmsKeyID!.type)).toBe('String!');
  });

  it('generates every operator for every scalar Trail field in TrailWhere', () => {
    const where = api.schema.getType('TrailWhere');
    if (!isInputObjectType(where)) throw new Error('TrailWhere is not an input type');
    const inputs = where.getFields();
    for (const column of TRAIL_COLUMNS.filter((c) => c.kind !== 'json')) {
      for (const op of OPERATORS_BY_KIND[column.kind]) expect(inputs, filterKey(column.field, op)).toHaveProperty(filterKey(column.field, op));
    }
    expect(Object.keys(inputs)).toEqual(
      expect.arrayContaining(['AND', 'OR', 'NOT', 'kmsKeyID', 'kmsKeyID_NOT', 'kmsKeyID_IN', 'kmsKeyID_CONTAINS', 'kmsKeyID_STARTS_WITH', 'isLogging_NOT']),
    );
    expect(inputs).not.toHaveProperty('isLogging_CONTAINS');
    expect(inputs).not.toHaveProperty('raw');
  });
});

describe('stored fragments', () => {
  it('appends AssetFragment to a document that spreads it without defining it', () => {
    const text = withStoredFragmentsText('{ trails(where:{kmsKeyID:""}){...AssetFragment} }', api.fragments);
    expect(text).toContain('fragment AssetFragment on IAsset');
    expect(parse(text).definitions.map((d) => d.kind)).toEqual(['OperationDefinition', 'FragmentDefinition']);
  });

  it('leaves a document alone that defines its own AssetFragment, or does not parse', () => {
    const own = '{ trails { ...AssetFragment } } fragment AssetFragment on Trail { id }';
    expect(withStoredFragmentsText(own, api.fragments)).toBe(own);
    expect(withStoredFragmentsText('{ trails { ...AssetFragment ', api.fragments)).toBe('{ trails { ...AssetFragment ');
  });

  it('appends a stored fragment once, however often it is spread', () => {
    const document = withStoredFragments(parse('{ a: trails { ...AssetFragment } b: trails { ...AssetFragment } }'), api.fragments);
    expect(print(document).match(/fragment AssetFragment/g)).toHaveLength(1);
  });
});

describe('queries', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      trails: [
        trailRecord('plain', { tags: [{ key: 'team', value: 'blue' }] }),
        trailRecord('encrypted', { trail: { KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k' } }),
      ],
    });
  });
  afterAll(() => temp.cleanup());

  it('answers the seed query with the unencrypted trail and its asset fields', async () => {
    const result = await runQuery(api, temp.store, '{ trails(where:{kmsKeyID:""}){...AssetFragment} }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      trails: [
        {
          id: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/plain`,
          arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/plain`,
          name: 'plain',
          assetType: 'Trail',
          provider: 'aws',
          accountId: ACCOUNT,
          region: 'us-east-1',
          tags: [{ key: 'team', value: 'blue' }],
          firstSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          lastSeenAt: expect.stringMatching(/Z$/),
        },
      ],
    });
  });

  it('reads the columns a query selects, through aliases, inline and named fragments, and no others', async () => {
    const spy = vi.spyOn(temp.store, 'findAssetsOfType');
    const result = await runQuery(
      api,
      temp.store,
      `{
      trails(where:{name:"plain"}) { ...AssetFragment ... on Trail { isLogging bucket: s3BucketName } ...Encryption }
    } fragment Encryption on Trail { kmsKeyID eventSelectors { readWriteType } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      trails: [
        expect.objectContaining({ name: 'plain', tags: [{ key: 'team', value: 'blue' }], isLogging: true, bucket: 'logs-plain', kmsKeyID: '', eventSelectors: [] }),
      ],
    });
    const fields = spy.mock.calls[0]![2]!.fields!;
    expect(fields).toEqual(expect.arrayContaining(['id', 'name', 'tags', 'isLogging', 's3BucketName', 'kmsKeyID', 'eventSelectors']));
    expect(fields).not.toContain('raw');
    // The stored fragment's `... on Account` part is not a trail's: its cloudAccountName (a subquery per row) is not read.
    expect(fields).not.toContain('cloudAccountName');
    // Under a fragment on an interface the trail implements, it is.
    await runQuery(api, temp.store, '{ trails(where:{name:"plain"}) { ... on IAsset { cloudAccountName } } }');
    expect(spy.mock.calls[1]![2]!.fields).toContain('cloudAccountName');
    spy.mockRestore();
  });

  it('loads the tags of many trails with one store call', async () => {
    const spy = vi.spyOn(temp.store, 'tagsByAssetId');
    await runQuery(api, temp.store, '{ trails { tags { key } } }');
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('gives each trail of a list its own tags, and none to a trail without tags, read with the list', async () => {
    const result = await runQuery(api, temp.store, '{ trails { name tags { key value } } }');
    const tagsByName = Object.fromEntries((result.data!.trails as { name: string; tags: unknown[] }[]).map((t) => [t.name, t.tags]));
    const stored = await temp.store.findTrails({});
    const expected = await temp.store.tagsByAssetId(stored.map((t) => t.id));
    expect(tagsByName).toEqual(Object.fromEntries(stored.map((t, i) => [t.name, expected[i]])));
    expect(Object.values(tagsByName).some((tags) => tags.length === 0)).toBe(true);
    expect(Object.values(tagsByName).some((tags) => tags.length > 0)).toBe(true);
  });

  it('finds one trail by id, and answers null for an unknown id', async () => {
    const id = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/encrypted`;
    expect((await runQuery(api, temp.store, `{ trail(id: "${id}") { name kmsKeyID } }`)).data).toEqual({
      trail: { name: 'encrypted', kmsKeyID: 'arn:aws:kms:us-east-1:111122223333:key/k' },
    });
    expect((await runQuery(api, temp.store, '{ trail(id: "arn:aws:cloudtrail:us-east-1:1:trail/none") { name } }')).data).toEqual({ trail: null });
  });

  it('serves trails through the Asset interface', async () => {
    const result = await runQuery(api, temp.store, '{ trails(where:{name:"plain"}) { ... on Asset { assetType } ... on Trail { s3BucketName } } }');
    expect(result.data).toEqual({ trails: [{ assetType: 'Trail', s3BucketName: 'logs-plain' }] });
  });

  it.each([
    ['{ trails(where:{kmsKeyID:null}){ id } }', 'TrailWhere.kmsKeyID: null is not a filter value'],
    ['{ trails(where:{AND:[{kmsKeyID:null}]}){ id } }', 'TrailWhere.kmsKeyID: null is not a filter value'],
    ['{ trails(where:null){ id } }', 'Query.trails(where): null is not a filter; use {} for no constraint.'],
    ['{ trails(where:{kmsKeyId:""}){ id } }', 'Field "kmsKeyId" is not defined by type "TrailWhere"'],
    ['{ trails(where:{kmsKeyID:5}){ id } }', 'String cannot represent a non string value: 5'],
    ['{ trails(where:{isLogging:"yes"}){ id } }', 'Boolean cannot represent a non boolean value: "yes"'],
    ['{ trails(where:{latestDeliveryTime_GT:"soon"}){ id } }', 'DateTime takes an ISO-8601 string'],
    ['{ trails(options:{sort:[{raw:ASC}]}){ id } }', 'Field "raw" is not defined by type "TrailSort"'],
    ['{ trails { nope } }', 'Cannot query field "nope" on type "Trail"'],
  ])('refuses %s as a validation error', async (query, message) => {
    const result = await runQuery(api, temp.store, query);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toContain(message);
    expect(result.errors?.[0]?.locations?.[0]).toBeDefined();
  });

  it('refuses a nullable variable inside a filter, since leaving it out would drop the filter', async () => {
    for (const query of [
      'query($k: String) { trails(where:{kmsKeyID:$k}){ id } }',
      'query($k: String) { trails(where:{NOT:{kmsKeyID:$k}}){ id } }',
      'query($n: TrailWhere) { trails(where:{NOT:$n}){ id } }',
    ]) {
      const result = await runQuery(api, temp.store, query);
      expect(result.errors?.[0]?.message, query).toMatch(
        /is declared (String|TrailWhere), so leaving it out would silently drop this filter; declare it (String|TrailWhere)!/,
      );
    }
    const nonNull = await runQuery(api, temp.store, 'query($k: String!) { trails(where:{kmsKeyID:$k}){ name } }', { k: '' });
    expect(nonNull).toEqual({ data: { trails: [{ name: 'plain' }] } });
    const withDefault = await runQuery(api, temp.store, 'query($k: String = "") { trails(where:{kmsKeyID:$k}){ name } }');
    expect(withDefault).toEqual({ data: { trails: [{ name: 'plain' }] } });
    const explicitNull = await runQuery(api, temp.store, 'query($k: String = "") { trails(where:{kmsKeyID:$k}){ name } }', { k: null });
    expect(explicitNull.errors?.[0]).toMatchObject({ message: expect.stringContaining('where.kmsKeyID: null'), extensions: { code: 'BAD_USER_INPUT' } });
    // The whole where: a nullable variable is refused even with a default, since an explicit null would override it.
    for (const query of ['query($w: TrailWhere) { trails(where:$w){ name } }', 'query($w: TrailWhere = {kmsKeyID:""}) { trails(where:$w){ name } }']) {
      expect((await runQuery(api, temp.store, query)).errors?.[0]?.message, query).toMatch(
        /Query\.trails\(where\): \$w is declared TrailWhere, so a null or missing value would silently drop the whole filter/,
      );
    }
    expect((await runQuery(api, temp.store, 'query($w: TrailWhere! = {}) { trails(where:$w){ name } }')).data).toEqual({
      trails: [{ name: 'encrypted' }, { name: 'plain' }],
    });
  });

  it('refuses null passed through a variable, naming the argument path', async () => {
    const result = await runQuery(api, temp.store, 'query($where: TrailWhere!) { trails(where: $where) { id } }', { where: { kmsKeyID: null } });
    expect(result.errors?.[0]).toMatchObject({
      message: expect.stringContaining('where.kmsKeyID: null'),
      extensions: { code: 'BAD_USER_INPUT', argumentPath: 'where.kmsKeyID' },
    });
  });
});
