// What a GraphQL request carries to its resolvers: the store, per-request DataLoaders, and who sent it. Its own module,
// so that the schema and the exception mutations both use it without importing each other.
import DataLoader from 'dataloader';
import type { Tag } from '../model/asset.js';
import type { AccountSummary, ApiTokenScope, InventoryStore } from '../store/store.js';
import { nodesById, type AssetRow } from './asset-reader.js';

/** Who sent a request, as far as mutations care. */
export type Caller =
  /** A request with a valid API token: mutations need scope admin. */
  | { kind: 'token'; tokenId: number; scope: ApiTokenScope }
  /**
   * Nobody needs a token: a server on loopback while no token exists (only this machine reaches it), or in-process
   * execution explicitly allowed to mutate. Mutations are allowed, recorded as by "local".
   */
  | { kind: 'local' }
  /** A server beyond loopback that serves without tokens (--allow-unauthenticated): reads only. */
  | { kind: 'anonymous' }
  /** In-process execution (the control engine's stored checks): reads only. */
  | { kind: 'in-process' };

/** What an exception is checked against: the catalog's control ids and the longest lifetime allowed. */
export interface ExceptionRules {
  controlIds: readonly string[];
  maxDays: number;
}

/** What every resolver gets: the store, and DataLoaders that live for one request (so batching never leaks data between requests). */
export interface GraphQLContext {
  store: InventoryStore;
  loaders: RequestLoaders;
  /** Tags read with a whole list of assets, by asset id: they resolve at once, without a promise per asset. */
  tagsRead: Map<string, Tag[]>;
  /** Owner accounts read with a whole list of assets, by account id (undefined: not known), likewise. */
  accountsRead: Map<string, AccountSummary | undefined>;
  /** Who sent the request: mutations need an admin token, or a server nobody needs a token for (see Caller). */
  caller: Caller;
  /** What a new exception is checked against; without them (in-process execution) addException is refused. */
  exceptionRules?: ExceptionRules;
  /**
   * Whether a list without `limit` stops at its default size (requests from outside: README "Request limits"), or
   * returns every row (in-process execution: the control engine must see them all).
   */
  boundedLists: boolean;
  /** One loader per list and page asked for (pagedLoader), so the parents of each page are read in one statement. */
  pagedLoaders: Map<string, DataLoader<never, unknown>>;
  /** The time the named checks judge at (AWSLogging4's "within a day"); when the request runs unless set (tests, verdicts at a time). */
  now?: Date;
}

export interface ContextOptions {
  /** Default: in-process execution, which may only read. */
  caller?: Caller;
  exceptionRules?: ExceptionRules;
  /** Default: bounded for every caller but in-process execution. */
  boundedLists?: boolean;
  /** Default: when each named check runs. */
  now?: Date;
}

export interface RequestLoaders {
  /** Assets of any type by id: node(id) and the assets of control results. */
  nodeById: DataLoader<string, AssetRow | undefined>;
  accountById: DataLoader<string, AccountSummary | undefined>;
}

export function createContext(store: InventoryStore, options: ContextOptions = {}): GraphQLContext {
  const caller = options.caller ?? { kind: 'in-process' };
  return {
    store,
    loaders: {
      nodeById: new DataLoader((ids) => nodesById(store, ids)),
      accountById: new DataLoader((ids) => store.accountsById(ids)),
    },
    tagsRead: new Map(),
    accountsRead: new Map(),
    caller,
    ...(options.exceptionRules ? { exceptionRules: options.exceptionRules } : {}),
    boundedLists: options.boundedLists ?? caller.kind !== 'in-process',
    pagedLoaders: new Map(),
    ...(options.now ? { now: options.now } : {}),
  };
}
