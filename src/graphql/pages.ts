// Page sizes: the most one request may ask for (options.limit, first, limit), the default page of a connection, and
// what a list without a limit returns over HTTP. The resolvers and the cost rule (src/server/limits.ts) read the same
// numbers, so a query's cost is a true upper bound of what it returns (README "Request limits").
import type { GraphQLSchema } from 'graphql';
import type { AssetTypeDefinition } from '../assets/definition.js';
import { ASSET_TYPES, rowListBounds } from '../assets/registry.js';
import { MAX_QUERY_LIMIT } from '../store/common.js';

/** The default maximum page size: what `options.limit` and `first` may ask for at most. */
export const MAX_PAGE_SIZE = 10_000;

/** The page size of a connection when `first` is not given (smaller when the maximum is). */
export const DEFAULT_PAGE_SIZE = 100;

/** What a nested list (an account's trails, a run's scopes, ...) returns at most without `limit`, over HTTP. */
export const NESTED_PAGE_SIZE = 100;

/** Tags without `limit`: CloudTrail allows 50 tags per trail (and KMS 50 per key), so an asset's whole list always fits. */
export const TAG_PAGE_SIZE = 50;

/**
 * The most items each list held in an asset's row returns (JSON columns read with it, like `raw`), by SDL coordinate:
 * the quotas the asset types declare (AssetTypeDefinition.rowLists), which the cost counts once per asset even where
 * the list sits inside another one.
 */
export function rowListSizes(types: readonly AssetTypeDefinition[] = ASSET_TYPES): Readonly<Record<string, number>> {
  return Object.fromEntries([...rowListBounds(types).values()].map((bound) => [bound.coordinate, bound.most]));
}

/** The row lists of the registered types (a schema built from other definitions has its own: PageLimits.rowLists). */
export const ROW_LISTS: Readonly<Record<string, number>> = rowListSizes();

/** @deprecated The registered types' row lists, under the name they had while trails were the only type: ROW_LISTS. */
export const TRAIL_ROW_LISTS = ROW_LISTS;

export interface PageLimits {
  maxPageSize: number;
  /** The row lists of the schema's asset types, by coordinate (buildSchema sets them); default the registry's. */
  rowLists?: Readonly<Record<string, number>>;
}

/** Checks a configured maximum page size: a whole number from 1 to what the store can return in one statement. */
export function pageLimits(maxPageSize = MAX_PAGE_SIZE): PageLimits {
  if (!Number.isInteger(maxPageSize) || maxPageSize < 1 || maxPageSize > MAX_QUERY_LIMIT) {
    throw new RangeError(`maxPageSize must be a whole number from 1 to ${MAX_QUERY_LIMIT}, not ${maxPageSize}`);
  }
  return { maxPageSize };
}

const limitsOfSchema = new WeakMap<GraphQLSchema, PageLimits>();

/** Records the page limits a schema's resolvers enforce, for the cost rule to read. */
export function registerPageLimits(schema: GraphQLSchema, limits: PageLimits): GraphQLSchema {
  limitsOfSchema.set(schema, limits);
  return schema;
}

/** The page limits of a schema built by buildSchema (the default ones for any other). */
export function pageLimitsOf(schema: GraphQLSchema): PageLimits {
  return limitsOfSchema.get(schema) ?? pageLimits();
}

/** The row-list quota of a list field of a schema with these limits; undefined when the list is not held in a row. */
export function rowListSize(coordinate: string, limits: PageLimits): number | undefined {
  return (limits.rowLists ?? ROW_LISTS)[coordinate];
}

/** What a nested list returns at most without `limit` (tags excepted), over HTTP. */
export const nestedListSize = (limits: PageLimits): number => Math.min(NESTED_PAGE_SIZE, limits.maxPageSize);

/** What an asset's tags return at most without `limit`, over HTTP. */
export const tagListSize = (limits: PageLimits): number => Math.min(TAG_PAGE_SIZE, limits.maxPageSize);

/**
 * What a list field returns at most without a size argument, over HTTP: a top-level list a whole page, a nested list
 * its default page (tags 50, others 100), a list held in an asset's row its quota per asset.
 */
export function unlimitedListSize(coordinate: string, atRoot: boolean, limits: PageLimits): number {
  const quota = rowListSize(coordinate, limits);
  if (quota !== undefined) return quota;
  if (atRoot) return limits.maxPageSize;
  return coordinate.endsWith('.tags') ? tagListSize(limits) : nestedListSize(limits);
}
