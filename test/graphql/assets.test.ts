// Assets of every type through `interface Asset` (AssetWhere generated from its fields), and node(id) over `interface Node`.
import { isInputObjectType, isInterfaceType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_TYPE_NAMES } from '../../src/assets/registry.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const ACCOUNT = '111122223333';
const arn = (name: string, region = 'us-east-1') => `arn:aws:cloudtrail:${region}:${ACCOUNT}:trail/${name}`;

describe('the Asset and Node interfaces', () => {
  it('generates AssetWhere and AssetSort from the fields of interface Asset, and no trail-only field', () => {
    const where = api.schema.getType('AssetWhere');
    if (!isInputObjectType(where)) throw new Error('AssetWhere is not an input type');
    const keys = Object.keys(where.getFields());
    expect(keys).toEqual(
      expect.arrayContaining([
        'AND',
        'OR',
        'NOT',
        'id',
        'id_IN',
        'name_STARTS_WITH',
        'assetType',
        'accountId_NOT_IN',
        'region',
        'lastSeenAt_GT',
        'deletedAt_LT',
        'tags_SOME',
        'tags_NONE',
      ]),
    );
    expect(keys.filter((k) => /^(kmsKeyID|isLogging|s3BucketName)/.test(k))).toEqual([]);
    const sort = api.schema.getType('AssetSort');
    if (!isInputObjectType(sort)) throw new Error('AssetSort is not an input type');
    expect(Object.keys(sort.getFields()).sort()).toEqual(['accountId', 'arn', 'assetType', 'deletedAt', 'firstSeenAt', 'id', 'lastSeenAt', 'name', 'provider', 'region']);
  });

  it('has Trail and Account implement Node, and Asset too', () => {
    const node = api.schema.getType('Node');
    if (!isInterfaceType(node)) throw new Error('Node is not an interface');
    expect(
      api.schema
        .getPossibleTypes(node)
        .map((t) => t.name)
        .sort(),
    ).toEqual(['Account', ...ASSET_TYPE_NAMES].sort());
    const asset = api.schema.getType('Asset');
    if (!isInterfaceType(asset)) throw new Error('Asset is not an interface');
    expect(asset.getInterfaces().map((i) => i.name)).toEqual(['Node']);
  });
});

describe('assets and node', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      trails: [trailRecord('audit', { tags: [{ key: 'env', value: 'prod' }] }), trailRecord('legacy'), trailRecord('gone')],
    });
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      trails: [trailRecord('audit', { tags: [{ key: 'env', value: 'prod' }] }), trailRecord('legacy')],
    });
  });
  afterAll(() => temp.cleanup());

  const data = async (source: string) => {
    const result = await runQuery(api, temp.store, source);
    expect(result.errors, source).toBeUndefined();
    return result.data as Record<string, unknown>;
  };

  it('lists assets of every type with the Asset fields, and the type-specific ones through fragments', async () => {
    expect(await data('{ assets { __typename id assetType ... on Trail { kmsKeyID account { accountId } } } }')).toEqual({
      assets: [
        { __typename: 'Trail', id: arn('audit'), assetType: 'Trail', kmsKeyID: '', account: { accountId: ACCOUNT } },
        { __typename: 'Trail', id: arn('legacy'), assetType: 'Trail', kmsKeyID: '', account: { accountId: ACCOUNT } },
      ],
    });
    expect(await data('{ assets { ...AssetFragment } }')).toMatchObject({
      assets: [
        { name: 'audit', tags: [{ key: 'env', value: 'prod' }] },
        { name: 'legacy', tags: [] },
      ],
    });
  });

  it('filters, sorts and pages with AssetWhere and AssetOptions, deleted assets on request', async () => {
    const names = async (args: string) => ((await data(`{ assets(${args}) { name } }`)).assets as { name: string }[]).map((a) => a.name);
    expect(await names('where: {tags_SOME: {key: "env"}}')).toEqual(['audit']);
    expect(await names('where: {assetType: "Trail", name_NOT: "audit"}')).toEqual(['legacy']);
    expect(await names('options: {sort: [{name: DESC}]}')).toEqual(['legacy', 'audit']);
    expect(await names('options: {includeDeleted: true, limit: 2, offset: 1}')).toEqual(['gone', 'legacy']);
    expect(await names('where: {deletedAt_GT: "2000-01-01T00:00:00Z"}, options: {includeDeleted: true}')).toEqual(['gone']);
    const tooMany = await runQuery(createInventoryApi({ maxPageSize: 1 }), temp.store, '{ assets(options: {limit: 2}) { id } }');
    expect(tooMany.errors?.[0]).toMatchObject({ message: expect.stringContaining('above the maximum page size of 1'), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses a trail-only field in an asset filter, also below GraphQL', async () => {
    expect((await runQuery(api, temp.store, '{ assets(where: {kmsKeyID: ""}) { id } }')).errors?.[0]?.message).toContain(
      'Field "kmsKeyID" is not defined by type "AssetWhere"',
    );
    await expect(temp.store.findAssets({ kmsKeyID: '' })).rejects.toThrow('where.kmsKeyID: unknown filter field "kmsKeyID"');
    expect((await runQuery(api, temp.store, '{ assets(where: {name: null}) { id } }')).errors?.[0]?.message).toContain('AssetWhere.name: null is not a filter value');
  });

  it('finds any node by id: a trail by its ARN (deleted or not), an account by its id, null for anything else', async () => {
    const node = async (id: string) => (await data(`{ node(id: "${id}") { __typename id ... on Trail { name deletedAt } ... on Account { accountId status } } }`)).node;
    expect(await node(arn('audit'))).toEqual({ __typename: 'Trail', id: arn('audit'), name: 'audit', deletedAt: null });
    expect(await node(arn('gone'))).toMatchObject({ __typename: 'Trail', name: 'gone', deletedAt: expect.stringMatching(/Z$/) });
    expect(await node(ACCOUNT)).toEqual({ __typename: 'Account', id: ACCOUNT, accountId: ACCOUNT, status: null });
    for (const unknown of [arn('never'), '999999999999', 'hello', '']) expect(await node(unknown), unknown).toBeNull();
  });

  it('round-trips every id it serves through node', async () => {
    const ids = [
      ...((await data('{ assets { id } }')).assets as { id: string }[]).map((a) => a.id),
      ...((await data('{ accounts { id } }')).accounts as { id: string }[]).map((a) => a.id),
    ];
    for (const id of ids) expect(((await data(`{ node(id: "${id}") { id } }`)).node as { id: string }).id).toBe(id);
  });
});
