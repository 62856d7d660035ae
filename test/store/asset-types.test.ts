// The store core serves any asset type from its definition alone: a type defined only here (Widget, with its table
// created by the test as a migration would) is written, read, paged, counted, filtered (relations in both directions,
// tags, account), given history and sightings, swept when gone and retired with its account, on both engines.
import { afterEach, describe, expect, it } from 'vitest';
import type { AssetTypeDefinition } from '../../src/assets/definition.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import type { CollectedAsset } from '../../src/model/asset.js';
import type { InventoryStore } from '../../src/store/store.js';
import { COLLECTOR, trailRecord } from '../support/records.js';
import { ON_POSTGRES, openTempStore, type TempStore } from '../support/store.js';

interface WidgetRecord extends CollectedAsset {
  color: string;
  enabled: boolean | null;
  size: number;
  settings: unknown;
  trailArn: string;
  pingedAt: string | null;
}

const WIDGET: AssetTypeDefinition<WidgetRecord> = {
  name: 'Widget',
  plural: 'widgets',
  table: 'widgets',
  description: 'A test-only type.',
  internalAssetType: 'Test',
  assetCategory: 'Test',
  scope: 'account',
  collector: 'test.widgets',
  iamActions: [],
  fields: [
    { field: 'color', column: 'color', kind: 'string', nullable: false, history: true },
    { field: 'enabled', column: 'enabled', kind: 'boolean', nullable: true, history: true },
    { field: 'size', column: 'size', kind: 'integer', nullable: false, history: true },
    { field: 'settings', column: 'settings', kind: 'json', nullable: true, history: true },
    { field: 'trailArn', column: 'trail_arn', kind: 'string', nullable: false, history: true },
    { field: 'pingedAt', column: 'pinged_at', kind: 'datetime', nullable: true, volatile: true },
    { field: 'big', column: 'is_big', kind: 'boolean', nullable: false, computed: () => 'widgets.size > 10' },
  ],
  relations: [{ field: 'trail', target: 'Trail', cardinality: 'one', from: 'trailArn', to: 'arn', inverse: { field: 'widgets', cardinality: 'many' } }],
};

const TYPES = [...ASSET_TYPES, WIDGET as unknown as AssetTypeDefinition];

/** The table a migration would create for the type: the common asset columns and its own. */
const CREATE_WIDGETS = (postgres: boolean) => {
  const text = postgres ? 'text COLLATE "C"' : 'TEXT';
  const bool = postgres ? 'boolean' : 'INTEGER';
  const json = postgres ? 'jsonb' : 'TEXT';
  return `CREATE TABLE widgets (
    arn ${text} PRIMARY KEY, name ${text} NOT NULL, account_id ${text} NOT NULL, region ${text} NOT NULL,
    first_seen_at ${text} NOT NULL, last_seen_at ${text} NOT NULL, deleted_at ${text}, last_run_id integer NOT NULL,
    content_hash ${text} NOT NULL, config_hash ${text} NOT NULL, tags_known ${bool} NOT NULL,
    collection_errors ${json} NOT NULL, raw ${json} NOT NULL,
    color ${text} NOT NULL, enabled ${bool}, size integer NOT NULL, settings ${json}, trail_arn ${text} NOT NULL, pinged_at ${text})`;
};

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const TRAIL = trailRecord('audit');

function widget(name: string, extra: Partial<WidgetRecord> = {}): WidgetRecord {
  const accountId = extra.accountId ?? ACCOUNT;
  return {
    arn: `arn:aws:test:us-east-1:${accountId}:widget/${name}`,
    name,
    accountId,
    region: 'us-east-1',
    tags: [{ key: 'team', value: 'blue' }],
    collectionErrors: [],
    raw: { Describe: { name } },
    color: 'red',
    enabled: true,
    size: 5,
    settings: { a: [1, 2] },
    trailArn: TRAIL.arn,
    pingedAt: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

let temp: TempStore;
let store: InventoryStore;
afterEach(async () => {
  if (store && store !== temp?.store) await store.close();
  await temp?.cleanup();
});

async function open(): Promise<void> {
  temp = await openTempStore();
  await temp.sql(CREATE_WIDGETS(ON_POSTGRES));
  store = await temp.reopen({ assetTypes: TYPES });
}

async function sync(widgets: WidgetRecord[], accountId = ACCOUNT): Promise<number> {
  const run = await store.startSyncRun({ collector: WIDGET.collector, requestedRegions: ['us-east-1'] });
  await store.writeScope(run.id, { assetType: 'Widget', accountId, region: 'us-east-1', status: 'ok', assets: widgets });
  await store.finishSyncRun(run.id, 'succeeded');
  return run.id;
}

describe('an asset type from its definition alone', () => {
  it('writes, reads, pages, counts and filters it, relations in both directions included', async () => {
    await open();
    const trailRun = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: ['us-east-1'] });
    await store.writeScope(trailRun.id, { assetType: 'Trail', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', assets: [TRAIL] });
    await sync([widget('a'), widget('b', { color: 'blue', size: 20, enabled: null }), widget('c', { trailArn: 'arn:none' })]);

    const all = await store.findAssetsOfType('Widget', {});
    expect(all.map((w) => w.name)).toEqual(['a', 'b', 'c']);
    expect(all[0]).toMatchObject({
      id: widget('a').arn,
      assetType: 'Widget',
      provider: 'aws',
      accountId: ACCOUNT,
      color: 'red',
      enabled: true,
      size: 5,
      settings: { a: [1, 2] },
      big: false,
      tagsKnown: true,
      deletedAt: null,
      raw: { Describe: { name: 'a' } },
    });
    expect(all[1]).toMatchObject({ enabled: null, big: true });

    expect((await store.findAssetsOfType('Widget', { color: 'blue' })).map((w) => w.name)).toEqual(['b']);
    expect((await store.findAssetsOfType('Widget', { big: true })).map((w) => w.name)).toEqual(['b']);
    expect((await store.findAssetsOfType('Widget', { tags_SOME: { key: 'team', value: 'blue' } })).length).toBe(3);
    expect((await store.findAssetsOfType('Widget', { account: { accountId: ACCOUNT } })).length).toBe(3);
    expect((await store.findAssetsOfType('Widget', { trail: { name: 'audit' } })).map((w) => w.name)).toEqual(['a', 'b']);
    expect((await store.findTrails({ widgets_SOME: { color: 'blue' } })).map((t) => t.name)).toEqual(['audit']);
    expect(await store.findTrails({ widgets_NONE: { size: 5 } })).toEqual([]);

    const first = await store.findAssetPage('Widget', {}, { first: 2, sort: [{ size: 'DESC' }] });
    expect(first.assets.map((w) => w.name)).toEqual(['b', 'a']);
    expect(first.hasNextPage).toBe(true);
    const second = await store.findAssetPage('Widget', {}, { first: 2, after: first.cursors[1], sort: [{ size: 'DESC' }] });
    expect(second.assets.map((w) => w.name)).toEqual(['c']);
    expect(await store.hasAssetsBefore('Widget', {}, { after: first.cursors[1]!, sort: [{ size: 'DESC' }] })).toBe(true);

    expect(await store.countAssets('Widget', { color: 'red' })).toBe(2);
    expect(await store.countAssetsBy('Widget', {}, 'color')).toEqual([
      { value: 'red', count: 2 },
      { value: 'blue', count: 1 },
    ]);
    expect(await store.countAssetsBy('Widget', {}, 'enabled')).toEqual([
      { value: 'true', count: 2 },
      { value: null, count: 1 },
    ]);

    expect((await store.assetsById('Widget', [widget('c').arn, 'nope'])).map((w) => w?.name)).toEqual(['c', undefined]);
    expect((await store.nodesById([TRAIL.arn, widget('a').arn])).map((a) => a?.assetType)).toEqual(['Trail', 'Widget']);
    expect((await store.relatedAssets('Widget', 'trail', [widget('a').arn, widget('c').arn])).map((l) => l.map((t) => t.name))).toEqual([['audit'], []]);
    expect((await store.relatedAssets('Trail', 'widgets', [TRAIL.arn], { limit: 1, offset: 1 })).map((l) => l.map((w) => w.name))).toEqual([['b']]);
    expect((await store.assetsOfAccounts('Widget', [ACCOUNT, OTHER])).map((l) => l.length)).toEqual([3, 0]);
    expect((await store.findAssets({ name: 'a' })).map((a) => a.assetType)).toEqual(['Widget']);
    expect((await store.findAssets({}, { sort: [{ name: 'DESC' }], limit: 2 })).map((a) => a.name)).toEqual(['c', 'b']);
    // Every registered type, then the test's: only the one trail and the widgets are stored.
    expect(await store.assetTotals()).toEqual([
      ...ASSET_TYPES.map((type) => ({ assetType: type.name, live: type.name === 'Trail' ? 1 : 0, deleted: 0 })),
      { assetType: 'Widget', live: 3, deleted: 0 },
    ]);
  });

  it('records history, sightings, the deletion sweep and account retirement', async () => {
    await open();
    const first = await sync([widget('a'), widget('b')]);
    // A volatile field alone is no change; a configuration field is one.
    const second = await sync([widget('a', { pingedAt: '2026-02-02T00:00:00Z' }), widget('b', { color: 'green' })]);
    const counts = await store.scopesOfRun(second);
    expect(counts[0]).toMatchObject({ seen: 2, new: 0, changed: 1, deleted: 0 });
    expect((await store.sightingsByAssetId([widget('a').arn]))[0]).toEqual([{ accountId: ACCOUNT, region: 'us-east-1' }]);
    const history = (await store.assetHistory([widget('b').arn]))[0]!;
    expect(history.map((c) => [c.kind, c.field, c.from, c.to, c.runId])).toEqual([
      ['changed', 'color', 'red', 'green', second],
      ['created', null, null, null, first],
    ]);

    const third = await sync([widget('a')]);
    expect((await store.scopesOfRun(third))[0]).toMatchObject({ deleted: 1 });
    expect((await store.findAssetsOfType('Widget', {})).map((w) => w.name)).toEqual(['a']);
    expect((await store.assetHistory([widget('b').arn]))[0]![0]).toMatchObject({ kind: 'deleted', runId: third });

    const retirement = await store.retireAccount(third, WIDGET.collector, ACCOUNT, 'left the organization');
    expect(retirement).toEqual({ regions: 1, assetsDeleted: { Widget: 1 } });
    expect(await store.findAssetsOfType('Widget', {})).toEqual([]);
    expect((await store.findAssetsOfType('Widget', {}, { includeDeleted: true })).map((w) => w.name)).toEqual(['a', 'b']);
    expect(await store.assetTotals()).toContainEqual({ assetType: 'Widget', live: 0, deleted: 2 });
  });
});
