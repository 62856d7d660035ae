// The one place the GraphQL layer reads assets from the store, by asset type (docs/architecture.md, "The registry"):
// every generated resolver calls these operations, which the store serves for every registered type through its
// generic methods. The filter schemas behind the generated Where inputs come from the store too.
import { ASSET_TYPES } from '../assets/registry.js';
import { accountFilterSchema as storeAccountFilter, assetSchemas, type AssetSchema } from '../store/asset-schema.js';
import { SQLITE_DIALECT } from '../store/dialect.js';
import type { AssetChange as StoreAssetChange, GroupCount, InventoryStore, ListPage, TrailPageRequest, TrailQueryOptions, TrailSighting } from '../store/store.js';
import type { FilterSchema } from '../store/where.js';

/** An asset as the store returns it: the common fields (and the type's own), `assetType` naming its GraphQL type. */
export interface AssetRow {
  id: string;
  arn: string;
  accountId: string;
  assetType: string;
}

export type AssetQueryOptions = TrailQueryOptions;
export type AssetPageRequest = TrailPageRequest;
export type AssetSighting = TrailSighting;
export type AssetChange = StoreAssetChange;

export interface AssetPage {
  assets: AssetRow[];
  /** The cursor of each asset, in the same order. */
  cursors: string[];
  hasNextPage: boolean;
}

/** The assets of one type matching `where` (README, Querying: filter conventions); FilterError on bad input. */
export function findAssetsOfType(store: InventoryStore, type: string, where: unknown, options?: AssetQueryOptions): Promise<AssetRow[]> {
  return store.findAssetsOfType(type, where, options);
}

/** Assets of one type by id, in the order asked, deleted ones included; undefined where none exists. */
export function assetsById(store: InventoryStore, type: string, ids: readonly string[]): Promise<(AssetRow | undefined)[]> {
  return store.assetsById(type, ids);
}

/** One page of the live assets of a type matching `where`, after the cursor `after`, in the order of `sort` then id. */
export function findAssetPage(store: InventoryStore, type: string, where: unknown, page: AssetPageRequest): Promise<AssetPage> {
  return store.findAssetPage(type, where, page);
}

/** Whether a live asset of the type matching `where` comes at or before the cursor (what hasPreviousPage asks). */
export function hasAssetsBefore(
  store: InventoryStore,
  type: string,
  where: unknown,
  page: Pick<AssetPageRequest, 'after' | 'sort'> & { after: string },
): Promise<boolean> {
  return store.hasAssetsBefore(type, where, page);
}

/** How many live assets of the type match `where`. */
export function countAssets(store: InventoryStore, type: string, where: unknown): Promise<number> {
  return store.countAssets(type, where);
}

/** How many live assets of the type match `where`, per value of a string or boolean field; most frequent first. */
export function countAssetsBy(store: InventoryStore, type: string, where: unknown, field: string, page?: ListPage): Promise<GroupCount[]> {
  return store.countAssetsBy(type, where, field, page);
}

/** The live assets of the type that apply to each account (those a sync of the account listed), by id. */
export function assetsOfAccounts(store: InventoryStore, type: string, accountIds: readonly string[], page?: ListPage): Promise<AssetRow[][]> {
  return store.assetsOfAccounts(type, accountIds, page);
}

/**
 * The assets each asset of `type` is related to through its field `relation` (a relation of the type's definition, or
 * the inverse of another type's): a list per id, at most one for a relation of cardinality one.
 */
export function relatedAssets(store: InventoryStore, type: string, relation: string, ids: readonly string[], page?: ListPage): Promise<AssetRow[][]> {
  return store.relatedAssets(type, relation, ids, page);
}

/** Every (account, region) whose listing shows each asset, by asset id. */
export function sightingsByAssetId(store: InventoryStore, ids: readonly string[], page?: ListPage): Promise<AssetSighting[][]> {
  return store.sightingsByAssetId(ids, page);
}

/** Each asset's history, newest first, by asset id. */
export function assetHistory(store: InventoryStore, ids: readonly string[], page?: ListPage): Promise<AssetChange[][]> {
  return store.assetHistory(ids, page);
}

/** How many assets of each type the inventory holds: live, and marked deleted. */
export async function assetTotals(store: InventoryStore): Promise<Record<string, { live: number; deleted: number }>> {
  return Object.fromEntries((await store.assetTotals()).map(({ assetType, live, deleted }) => [assetType, { live, deleted }]));
}

/** Assets of every type matching an AssetWhere (the fields every asset has). */
export function findAssets(store: InventoryStore, where: unknown, options?: AssetQueryOptions): Promise<AssetRow[]> {
  return store.findAssets(where, options);
}

/** Assets of any type by id (what `node` and a control result's asset read), deleted ones included. */
export function nodesById(store: InventoryStore, ids: readonly string[]): Promise<(AssetRow | undefined)[]> {
  return store.nodesById(ids);
}

/** The registry's types as the store reads them (SQLite's SQL: a schema build reads only the names, kinds and relations). */
let registered: ReadonlyMap<string, AssetSchema> | undefined;
const registeredSchemas = (): ReadonlyMap<string, AssetSchema> => (registered ??= assetSchemas(ASSET_TYPES, SQLITE_DIALECT));

/** What `<Name>Where` may name for one type: its columns and the relations a filter can follow, in both directions. */
export function filterSchemaOf(type: string): FilterSchema {
  const schema = registeredSchemas().get(type);
  if (!schema) throw new Error(`the store holds no asset type ${type}: it is not in the registry (src/assets/registry.ts)`);
  return schema.filter;
}

let accountFilter: FilterSchema | undefined;
/** What AccountWhere may name (with `<plural>_SOME` / `<plural>_NONE` for each registered type). */
export const accountFilterSchema = (): FilterSchema => (accountFilter ??= storeAccountFilter(ASSET_TYPES, SQLITE_DIALECT));

/** What AssetWhere may name: only what every asset has (the same columns in every type's table). */
export const assetFilterSchema = (): FilterSchema => registeredSchemas().get(ASSET_TYPES[0]!.name)!.assetFilter;

/** The filter schemas a schema build reads: the adapter's, or a test's for types the store does not serve. */
export interface FilterSchemaSource {
  filterSchemaOf(type: string): FilterSchema;
  accountFilterSchema(): FilterSchema;
  assetFilterSchema(): FilterSchema;
}

export const STORE_FILTER_SCHEMAS: FilterSchemaSource = { filterSchemaOf, accountFilterSchema, assetFilterSchema };
