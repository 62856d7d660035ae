// Page sizes: the most one request may ask for (options.limit, first, limit), the default page of a connection, and
// what a list without a limit returns over HTTP. The resolvers and the cost rule (src/server/limits.ts) read the same
// numbers, so a query's cost is a true upper bound of what it returns (README "Request limits").
import type { GraphQLSchema } from 'graphql';
import { MAX_QUERY_LIMIT } from '../store/common.js';

/** The default maximum page size: what `options.limit` and `first` may ask for at most. */
export const MAX_PAGE_SIZE = 10_000;

/** The page size of a connection when `first` is not given (smaller when the maximum is). */
export const DEFAULT_PAGE_SIZE = 100;

/** What a nested list (an account's trails, a run's scopes, ...) returns at most without `limit`, over HTTP. */
export const NESTED_PAGE_SIZE = 100;

/** Tags without `limit`: CloudTrail allows 50 tags per trail, so a trail's whole list always fits. */
export const TAG_PAGE_SIZE = 50;

/**
 * Lists held in a trail's own row (JSON columns read with it, like `raw`): no page arguments; each is bounded by a
 * CloudTrail quota per trail, which the cost counts once per trail even where the list sits inside another one.
 */
export const TRAIL_ROW_LISTS: Readonly<Record<string, number>> = {
  'Trail.eventSelectors': 5, // 5 event selectors per trail
  'EventSelector.dataResources': 250, // 250 data resources across all event selectors of a trail
  'Trail.advancedEventSelectors': 500, // 500 values across all conditions of all advanced event selectors
  'AdvancedEventSelector.fieldSelectors': 500, // each condition holds at least one of those values
  'Trail.insightSelectors': 2, // two insight types: ApiCallRateInsight, ApiErrorRateInsight
  'Trail.collectionErrors': 4, // one per per-trail call: GetTrailStatus, GetEventSelectors, GetInsightSelectors, ListTags
};

export interface PageLimits {
  maxPageSize: number;
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

/**
 * What a list field returns at most without a size argument, over HTTP: a top-level list a whole page, a nested list
 * its default page (tags 50, others 100), a list held in a trail's row its CloudTrail quota.
 */
export function unlimitedListSize(coordinate: string, atRoot: boolean, limits: PageLimits): number {
  const quota = TRAIL_ROW_LISTS[coordinate];
  if (quota !== undefined) return quota;
  if (atRoot) return limits.maxPageSize;
  return Math.min(coordinate.endsWith('.tags') ? TAG_PAGE_SIZE : NESTED_PAGE_SIZE, limits.maxPageSize);
}
