// The one place the GraphQL layer reads assets from the store, by asset type (docs/architecture.md, "The registry"):
// every generated resolver calls these generic operations. They are served here for trails over the store's
// trail-specific methods until the store serves every registered type; then only this module changes.
import { ACCOUNT_FILTER, TRAIL_ASSET_FILTER, TRAIL_FILTER } from '../store/filter-schemas.js';
import type {
  GroupCount, InventoryStore, ListPage, TrailChange, TrailPageRequest, TrailQueryOptions, TrailSighting,
} from '../store/store.js';
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
export type AssetChange = TrailChange;

export interface AssetPage {
  assets: AssetRow[];
  /** The cursor of each asset, in the same order. */
  cursors: string[];
  hasNextPage: boolean;
}

/** An asset type the store cannot serve yet: a programming error, never the caller's. */
export class AssetTypeNotServedError extends Error {
  override name = 'AssetTypeNotServedError';
  constructor(type: string, operation: string) {
    super(`the store does not serve asset type ${type} yet (${operation}): only Trail is served until the store core reads every registered type`);
  }
}

function trailsOnly(type: string, operation: string): void {
  if (type !== 'Trail') throw new AssetTypeNotServedError(type, operation);
}

/** The assets of one type matching `where` (README, Querying: filter conventions); FilterError on bad input. */
export function findAssetsOfType(store: InventoryStore, type: string, where: unknown, options?: AssetQueryOptions): Promise<AssetRow[]> {
  trailsOnly(type, 'findAssetsOfType');
  return store.findTrails(where, options);
}

/** Assets of one type by id, in the order asked, deleted ones included; undefined where none exists. */
export function assetsById(store: InventoryStore, type: string, ids: readonly string[]): Promise<(AssetRow | undefined)[]> {
  trailsOnly(type, 'assetsById');
  return store.trailsById(ids);
}

/** One page of the live assets of a type matching `where`, after the cursor `after`, in the order of `sort` then id. */
export async function findAssetPage(store: InventoryStore, type: string, where: unknown, page: AssetPageRequest): Promise<AssetPage> {
  trailsOnly(type, 'findAssetPage');
  const { trails, cursors, hasNextPage } = await store.findTrailsPage(where, page);
  return { assets: trails, cursors, hasNextPage };
}

/** Whether a live asset of the type matching `where` comes at or before the cursor (what hasPreviousPage asks). */
export function hasAssetsBefore(store: InventoryStore, type: string, where: unknown, page: Pick<AssetPageRequest, 'after' | 'sort'> & { after: string }): Promise<boolean> {
  trailsOnly(type, 'hasAssetsBefore');
  return store.hasTrailsBefore(where, page);
}

/** How many live assets of the type match `where`. */
export function countAssets(store: InventoryStore, type: string, where: unknown): Promise<number> {
  trailsOnly(type, 'countAssets');
  return store.countTrails(where);
}

/** How many live assets of the type match `where`, per value of a string or boolean field; most frequent first. */
export function countAssetsBy(store: InventoryStore, type: string, where: unknown, field: string, page?: ListPage): Promise<GroupCount[]> {
  trailsOnly(type, 'countAssetsBy');
  return store.countTrailsBy(where, field, page);
}

/** The live assets of the type that apply to each account (those a sync of the account listed), by id. */
export function assetsOfAccounts(store: InventoryStore, type: string, accountIds: readonly string[], page?: ListPage): Promise<AssetRow[][]> {
  trailsOnly(type, 'assetsOfAccounts');
  return store.trailsOfAccounts(accountIds, page);
}

/**
 * The assets each asset of `type` is related to through its field `relation` (a relation of the type's definition, or
 * the inverse of another type's): a list per id, at most one for a relation of cardinality one.
 */
export function relatedAssets(_store: InventoryStore, type: string, relation: string, _ids: readonly string[], _page?: ListPage): Promise<AssetRow[][]> {
  // No registered type declares a relation the trail-specific store could follow.
  throw new AssetTypeNotServedError(type, `relatedAssets ${relation}`);
}

/** Every (account, region) whose listing shows each asset, by asset id. */
export function sightingsByAssetId(store: InventoryStore, ids: readonly string[], page?: ListPage): Promise<AssetSighting[][]> {
  // A trail's id is its ARN.
  return store.sightingsByTrailArn(ids, page);
}

/** Each asset's history, newest first, by asset id. */
export function assetHistory(store: InventoryStore, ids: readonly string[], page?: ListPage): Promise<AssetChange[][]> {
  return store.trailHistory(ids, page);
}

/** How many assets of each type the inventory holds: live, and marked deleted. */
export async function assetTotals(store: InventoryStore): Promise<Record<string, { live: number; deleted: number }>> {
  return { Trail: await store.trailTotals() };
}

/** Assets of every type matching an AssetWhere (the fields every asset has). */
export function findAssets(store: InventoryStore, where: unknown, options?: AssetQueryOptions): Promise<AssetRow[]> {
  return store.findAssets(where, options);
}

/** Assets of any type by id (what `node` and a control result's asset read), deleted ones included. */
export function nodesById(store: InventoryStore, ids: readonly string[]): Promise<(AssetRow | undefined)[]> {
  return store.trailsById(ids);
}

/** What `<Name>Where` may name for one type: its columns and the relations a filter can follow. */
export function filterSchemaOf(type: string): FilterSchema {
  trailsOnly(type, 'filterSchemaOf');
  return TRAIL_FILTER;
}

/** What AccountWhere may name (with `<plural>_SOME` / `<plural>_NONE` for each type). */
export const accountFilterSchema = (): FilterSchema => ACCOUNT_FILTER;

/** What AssetWhere may name: only what every asset has. */
export const assetFilterSchema = (): FilterSchema => TRAIL_ASSET_FILTER;

/** The filter schemas a schema build reads: the adapter's, or a test's for types the store does not serve. */
export interface FilterSchemaSource {
  filterSchemaOf(type: string): FilterSchema;
  accountFilterSchema(): FilterSchema;
  assetFilterSchema(): FilterSchema;
}

export const STORE_FILTER_SCHEMAS: FilterSchemaSource = { filterSchemaOf, accountFilterSchema, assetFilterSchema };
