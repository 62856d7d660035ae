// Page sizes: the most one request may ask for (options.limit, first), and the default page of a connection.
import { MAX_QUERY_LIMIT } from '../store/sqlite/sqlite-store.js';

/** The default maximum page size: what `options.limit` and `first` may ask for at most. */
export const MAX_PAGE_SIZE = 10_000;

/** The page size of a connection when `first` is not given (smaller when the maximum is). */
export const DEFAULT_PAGE_SIZE = 100;

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
