// Cyscale's asset fields (interface IAsset, schema/asset.graphql) on every asset type and on accounts: each field's
// value, its filters, Cyscale's own `fragment AssetFragment on IAsset` in-process and over HTTP, the stored fragment
// (now on IAsset) answering the seed query byte for byte as before, and contentHash following the collected content
// only. On both stores (INVENTORY_TEST_DB).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import type { KmsKeyRecord } from '../../src/model/kms-key.js';
import type { TrailRecord } from '../../src/model/trail.js';
import { startServer } from '../../src/server/server.js';
import { contentHash } from '../../src/store/common.js';
import type { InventoryStore } from '../../src/store/store.js';
import { postGraphQL } from '../support/cli.js';
import { COLLECTOR, kmsKeyRecord, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const A = '111122223333';
const B = '444455556666';
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const UNNAMED_KEY = `arn:aws:kms:eu-west-1:${B}:key/9999abcd-12ab-34cd-56ef-1234567890ab`;

/** Cyscale's fragment, as its runner appends it to every query of its control library (fixture README). */
const CYSCALE_FRAGMENT = `fragment AssetFragment on IAsset { identifier accountID cloudAccountID cloudAccountName cloudProvider
  idFromProvider internalAssetType internalName internalRegion assetCategory contentHash }`;
const IASSET_SELECTION =
  'identifier accountID cloudAccountID cloudAccountName cloudProvider idFromProvider internalAssetType internalName internalRegion assetCategory contentHash';

/** The stored fragment as it was before it moved to IAsset: the seed query must answer the same bytes. */
const FRAGMENT_ON_ASSET = 'fragment AssetFragment on Asset { id arn name assetType provider accountId region tags { key value } firstSeenAt lastSeenAt }';

function kmsKey(arn: string, changes: Partial<KmsKeyRecord> = {}): KmsKeyRecord {
  return kmsKeyRecord(arn, {
    name: 'alias/logs',
    aliases: ['alias/logs'],
    tags: [{ key: 'team', value: 'security' }],
    raw: { DescribeKey: { KeyMetadata: { KeyId: arn } } },
    ...changes,
  });
}

const auditTrail = (kmsKeyID = KEY): TrailRecord => trailRecord('audit', { account: A, trail: { KmsKeyId: kmsKeyID, IsMultiRegionTrail: true } });

/** One sync of trails: account A named by the sync, the trail listed in each region given. */
async function syncTrails(store: InventoryStore, trail: TrailRecord, regions: readonly string[] = ['us-east-1']): Promise<void> {
  const run = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: [...regions] });
  await store.recordAccount(run.id, COLLECTOR, { accountId: A, status: 'ok', enabledRegions: [...regions], name: 'acme-security' });
  for (const region of regions) await store.writeTrailScope(run.id, COLLECTOR, { accountId: A, region, status: 'ok', trails: [trail] });
  await store.finishSyncRun(run.id, 'succeeded');
}

/** One sync of KMS keys: A's key, and one of B, an account no sync named. */
async function syncKeys(store: InventoryStore, key: KmsKeyRecord): Promise<void> {
  const run = await store.startSyncRun({ collector: KMS_KEY.collector, requestedRegions: ['us-east-1', 'eu-west-1'] });
  await store.recordAccount(run.id, KMS_KEY.collector, { accountId: A, status: 'ok', enabledRegions: ['us-east-1'], name: 'acme-security' });
  await store.recordAccount(run.id, KMS_KEY.collector, { accountId: B, status: 'ok', enabledRegions: ['eu-west-1'] });
  await store.writeScope(run.id, { assetType: KMS_KEY.name, accountId: A, region: 'us-east-1', status: 'ok', assets: [key] });
  await store.writeScope(run.id, { assetType: KMS_KEY.name, accountId: B, region: 'eu-west-1', status: 'ok', assets: [kmsKey(UNNAMED_KEY)] });
  await store.finishSyncRun(run.id, 'succeeded');
}

async function data(store: InventoryStore, query: string): Promise<Record<string, unknown>> {
  const result = await runQuery(api, store, query);
  expect(result.errors, query).toBeUndefined();
  return result.data as Record<string, unknown>;
}

describe("Cyscale's asset fields", () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncTrails(temp.store, auditTrail());
    await syncKeys(temp.store, kmsKey(KEY));
  });
  afterAll(() => temp.cleanup());

  it("gives every field of a trail and of a KMS key, beside the inventory's own", async () => {
    const stored = async (table: string, arn: string) => (await temp.sql(`SELECT content_hash FROM ${table} WHERE arn = ?`, [arn]))[0]!.content_hash;
    const trailArn = `arn:aws:cloudtrail:us-east-1:${A}:trail/audit`;
    const result = await data(temp.store, `{ trails { id ${IASSET_SELECTION} } kmsKeys { id ${IASSET_SELECTION} } }`);
    expect(result.trails).toEqual([
      {
        id: trailArn,
        identifier: trailArn,
        accountID: A,
        cloudAccountID: A,
        cloudAccountName: 'acme-security',
        cloudProvider: 'aws',
        idFromProvider: trailArn,
        internalAssetType: 'Trail',
        internalName: 'audit',
        internalRegion: 'us-east-1',
        assetCategory: 'Logging',
        // The hash the store wrote with the row: of the collected record, as the store core computes it.
        contentHash: contentHash(auditTrail()),
      },
    ]);
    expect((result.trails as { contentHash: string }[])[0]!.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await stored('trails', trailArn)).toBe(contentHash(auditTrail()));
    const key = (arn: string, accountId: string, region: string, name: string | null) => ({
      id: arn,
      identifier: arn,
      accountID: accountId,
      cloudAccountID: accountId,
      cloudAccountName: name,
      cloudProvider: 'aws',
      idFromProvider: arn,
      internalAssetType: 'KMSKey',
      internalName: 'alias/logs',
      internalRegion: region,
      assetCategory: 'Encryption',
      contentHash: contentHash(kmsKey(arn)),
    });
    // By id (ARN): B's key, whose account no sync named (null); A's, named by its sync.
    expect(result.kmsKeys).toEqual([key(UNNAMED_KEY, B, 'eu-west-1', null), key(KEY, A, 'us-east-1', 'acme-security')]);
    expect(await stored('kms_keys', KEY)).toBe(contentHash(kmsKey(KEY)));
    // The same values read whole (by id, through node) as through a list that reads only the selected columns.
    const node = await data(temp.store, `{ node(id: "${KEY}") { ... on IAsset { ${IASSET_SELECTION} } } kmsKey(id: "${UNNAMED_KEY}") { cloudAccountName } }`);
    const { id: _id, ...keyFields } = key(KEY, A, 'us-east-1', 'acme-security');
    expect(node).toEqual({ node: keyFields, kmsKey: { cloudAccountName: null } });
  });

  it('gives every field of an account, which implements IAsset for the named checks of whole accounts', async () => {
    const result = await data(temp.store, `{ accounts { ${IASSET_SELECTION} } }`);
    const account = (id: string, name: string | null) => ({
      identifier: id,
      accountID: id,
      cloudAccountID: id,
      cloudAccountName: name,
      cloudProvider: 'aws',
      idFromProvider: id,
      internalAssetType: 'Connector',
      internalName: name,
      internalRegion: '',
      assetCategory: 'Account',
      contentHash: null,
    });
    expect(result.accounts).toEqual([account(A, 'acme-security'), account(B, null)]);
  });

  it('filters and sorts on them like any other field, with the values the fields give', async () => {
    const names = async (query: string) => JSON.stringify(await data(temp.store, query));
    expect(await names('{ trails(where: {assetCategory: "Logging", cloudAccountName: "acme-security", internalRegion: "us-east-1"}) { name } }')).toBe(
      '{"trails":[{"name":"audit"}]}',
    );
    expect(await names('{ trails(where: {cloudProvider_NOT: "aws"}) { name } }')).toBe('{"trails":[]}');
    expect(await names(`{ kmsKeys(where: {internalAssetType: "KMSKey", cloudAccountID: "${B}"}) { accountId } }`)).toBe(`{"kmsKeys":[{"accountId":"${B}"}]}`);
    // An unknown account name is not equal to anything, and _NOT includes it.
    expect(await names('{ kmsKeys(where: {cloudAccountName_NOT: "acme-security"}) { accountId } }')).toBe(`{"kmsKeys":[{"accountId":"${B}"}]}`);
    expect(await names(`{ kmsKeys(where: {contentHash: "${contentHash(kmsKey(KEY))}"}) { accountId } }`)).toBe(`{"kmsKeys":[{"accountId":"${A}"}]}`);
    expect(await names('{ kmsKeys(options: {sort: [{cloudAccountName: DESC}]}) { accountId } }')).toMatch(
      /^\{"kmsKeys":\[\{"accountId":"\d+"\},\{"accountId":"\d+"\}\]\}$/,
    );
    expect(await names('{ kmsKeysAggregate { countBy(field: assetCategory) { value count } } }')).toBe(
      '{"kmsKeysAggregate":{"countBy":[{"value":"Encryption","count":2}]}}',
    );
    expect(await names('{ accounts(where: {internalAssetType: "Connector", cloudAccountName_STARTS_WITH: "acme", internalRegion: ""}) { id } }')).toBe(
      `{"accounts":[{"id":"${A}"}]}`,
    );
    expect(await names('{ accounts(where: {contentHash_STARTS_WITH: ""}) { id } }')).toBe('{"accounts":[]}');
  });

  it("answers Cyscale's fragment on IAsset as its runner appends it, on assets and on accounts", async () => {
    const result = await data(
      temp.store,
      `{ trails(where:{kmsKeyID:""}){...AssetFragment} kmsKeys(where:{accountId:"${A}"}){...AssetFragment} accounts{...AssetFragment} }
      ${CYSCALE_FRAGMENT}`,
    );
    expect(result.trails).toEqual([]);
    expect(result.kmsKeys).toEqual([expect.objectContaining({ identifier: KEY, internalAssetType: 'KMSKey', cloudAccountName: 'acme-security' })]);
    expect(Object.keys((result.kmsKeys as object[])[0]!)).toEqual(IASSET_SELECTION.split(' '));
    expect(result.accounts).toEqual([
      expect.objectContaining({ identifier: A, internalAssetType: 'Connector', contentHash: null }),
      expect.objectContaining({ identifier: B, cloudAccountName: null }),
    ]);
  });

  it('answers the seed query through the stored fragment, now on IAsset, byte for byte as the fragment on Asset did', async () => {
    await syncTrails(temp.store, trailRecord('plain', { account: A, tags: [{ key: 'Owner', value: 'sec' }] }));
    const seed = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';
    const stored = await runQuery(api, temp.store, seed);
    const before = await runQuery(api, temp.store, `${seed}\n${FRAGMENT_ON_ASSET}`);
    expect(stored.errors).toBeUndefined();
    expect((stored.data as { trails: unknown[] }).trails).toHaveLength(1);
    expect(JSON.stringify(stored)).toBe(JSON.stringify(before));
    // Accounts through the stored fragment: their id and name.
    expect(await data(temp.store, '{ accounts { ...AssetFragment } }')).toEqual({
      accounts: [
        { id: A, accountId: A, cloudAccountName: 'acme-security' },
        { id: B, accountId: B, cloudAccountName: null },
      ],
    });
  });

  it("answers Cyscale's fragment over HTTP", async () => {
    const server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger });
    try {
      const { status, body } = await postGraphQL(server.graphqlUrl, `{ kmsKeys(where:{accountId:"${B}"}){...AssetFragment} }\n${CYSCALE_FRAGMENT}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        data: {
          kmsKeys: [
            {
              identifier: UNNAMED_KEY,
              accountID: B,
              cloudAccountID: B,
              cloudAccountName: null,
              cloudProvider: 'aws',
              idFromProvider: UNNAMED_KEY,
              internalAssetType: 'KMSKey',
              internalName: 'alias/logs',
              internalRegion: 'eu-west-1',
              assetCategory: 'Encryption',
              contentHash: contentHash(kmsKey(UNNAMED_KEY)),
            },
          ],
        },
      });
    } finally {
      await server.close();
    }
  });
});

describe('contentHash', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
  });
  afterAll(() => temp.cleanup());

  const hashes = async () =>
    (await data(temp.store, '{ trails { lastSeenAt contentHash visibleIn { region } } kmsKeys(where: {accountId: "111122223333"}) { contentHash } }')) as {
      trails: { lastSeenAt: string; contentHash: string; visibleIn: unknown[] }[];
      kmsKeys: { contentHash: string }[];
    };

  it('stays the same across a sync that collects the same content, wherever and whenever the asset is seen', async () => {
    await syncTrails(temp.store, auditTrail());
    await syncKeys(temp.store, kmsKey(KEY));
    const first = await hashes();
    // The same content again, later, and the trail seen from a second region too: lastSeenAt and visibleIn move, the hash does not.
    await syncTrails(temp.store, auditTrail(), ['us-east-1', 'eu-west-1']);
    await syncKeys(temp.store, kmsKey(KEY));
    const again = await hashes();
    expect(again.trails[0]!.visibleIn).toHaveLength(2);
    expect(again.trails[0]!.lastSeenAt > first.trails[0]!.lastSeenAt || again.trails[0]!.lastSeenAt === first.trails[0]!.lastSeenAt).toBe(true);
    expect(again.trails[0]!.contentHash).toBe(first.trails[0]!.contentHash);
    expect(again.kmsKeys[0]!.contentHash).toBe(first.kmsKeys[0]!.contentHash);
  });

  it("changes when one collected attribute changes (a trail's kmsKeyID, a key's rotation), and back when it does", async () => {
    const before = await hashes();
    await syncTrails(temp.store, auditTrail(''));
    await syncKeys(temp.store, kmsKey(KEY, { automaticRotationEnabled: false }));
    const changed = await hashes();
    expect(changed.trails[0]!.contentHash).not.toBe(before.trails[0]!.contentHash);
    expect(changed.trails[0]!.contentHash).toBe(contentHash(auditTrail('')));
    expect(changed.kmsKeys[0]!.contentHash).not.toBe(before.kmsKeys[0]!.contentHash);
    // A hash of the content alone: the same content as before gives the same hash as before.
    await syncTrails(temp.store, auditTrail());
    expect((await hashes()).trails[0]!.contentHash).toBe(before.trails[0]!.contentHash);
  });
});
