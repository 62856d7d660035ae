// Builds the executable schema: the SDL in schema/ (the API contract), the generated filter inputs, and resolvers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import DataLoader from 'dataloader';
import {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  parse,
  valueFromASTUntyped,
  type GraphQLSchema,
  type GraphQLResolveInfo,
  type ValueNode,
} from 'graphql';
import type { Tag } from '../model/asset.js';
import { parseTime } from '../model/time.js';
import type { StoredTrail } from '../model/trail.js';
import { PACKAGE_ROOT, SCHEMA_DIR } from '../paths.js';
import { computeCoverage, UnknownAssetTypeError } from '../store/coverage.js';
import type { ControlLatestResult, ControlResultAccount, ControlResultAsset, ControlResultKey, ControlResultRecord } from '../store/store.js';
import type {
  AccountSummary, InventoryStore, ScopeCounts, ScopeCoverage, ScopeError, ScopeStatus, SyncRun, TrailChange, TrailQueryOptions, TrailSighting,
} from '../store/store.js';
import { ACCOUNT_FILTER, TAG_FILTER, TRAIL_ASSET_FILTER, TRAIL_FILTER } from '../store/filter-schemas.js';
import { FilterError, type FilterSchema, type SortSpec } from '../store/where.js';
import { exceptionResolvers, type Caller, type ExceptionRules } from './exceptions.js';
import { filterInputsSdl, type FilterableTypeNode } from './filters.js';
import { DEFAULT_PAGE_SIZE, pageLimits, type PageLimits } from './pages.js';
import { selectedFields } from './selection.js';

/** What every resolver gets: the store, and DataLoaders that live for one request (so batching never leaks data between requests). */
export interface GraphQLContext {
  store: InventoryStore;
  loaders: RequestLoaders;
  /** Tags read with a whole list of assets, by asset id: they resolve at once, without a promise per asset. */
  tagsRead: Map<string, Tag[]>;
  /** Owner accounts read with a whole list of trails, by account id (undefined: not known), likewise. */
  accountsRead: Map<string, AccountSummary | undefined>;
  /** Who sent the request: mutations need an admin token, or a server nobody needs a token for (see Caller). */
  caller: Caller;
  /** What a new exception is checked against; without them (in-process execution) addException is refused. */
  exceptionRules?: ExceptionRules;
}

export interface ContextOptions {
  /** Default: in-process execution, which may only read. */
  caller?: Caller;
  exceptionRules?: ExceptionRules;
}

export interface RequestLoaders {
  trailById: DataLoader<string, StoredTrail | undefined>;
  tagsByAssetId: DataLoader<string, Tag[]>;
  sightingsByTrailArn: DataLoader<string, TrailSighting[]>;
  historyByTrailArn: DataLoader<string, TrailChange[]>;
  /** Keyed "<run id>" or "<run id>/<status>": the scopes of many runs, of one status or all, in one statement per status. */
  scopesByRun: DataLoader<string, (ScopeCoverage & ScopeCounts)[]>;
  accountById: DataLoader<string, AccountSummary | undefined>;
  trailsOfAccount: DataLoader<string, StoredTrail[]>;
  /** Keyed "<run id>/<control id>": the failing and excepted assets of many recorded results, in one statement. */
  resultAssets: DataLoader<string, ControlResultAsset[]>;
  /** Keyed like resultAssets: the per-account results of many recorded results, in one statement. */
  resultAccounts: DataLoader<string, ControlResultAccount[]>;
}

export function createContext(store: InventoryStore, options: ContextOptions = {}): GraphQLContext {
  return {
    store,
    loaders: {
      trailById: new DataLoader((ids) => store.trailsById(ids)),
      tagsByAssetId: new DataLoader((ids) => store.tagsByAssetId(ids)),
      sightingsByTrailArn: new DataLoader((arns) => store.sightingsByTrailArn(arns)),
      historyByTrailArn: new DataLoader((arns) => store.trailHistory(arns)),
      scopesByRun: new DataLoader((keys) => scopesByRun(store, keys)),
      accountById: new DataLoader((ids) => store.accountsById(ids)),
      trailsOfAccount: new DataLoader((ids) => store.trailsOfAccounts(ids)),
      resultAssets: new DataLoader((keys) => store.resultAssets(keys.map(resultKey))),
      resultAccounts: new DataLoader((keys) => store.resultAccounts(keys.map(resultKey))),
    },
    tagsRead: new Map(),
    accountsRead: new Map(),
    caller: options.caller ?? { kind: 'in-process' },
    ...(options.exceptionRules ? { exceptionRules: options.exceptionRules } : {}),
  };
}

/** "<run id>/<control id>" as the store's key of a recorded result. */
const resultKey = (key: string): ControlResultKey => ({ runId: Number(key.slice(0, key.indexOf('/'))), controlId: key.slice(key.indexOf('/') + 1) });

/** Batches scope lookups of many runs: one store call per distinct status asked for. */
async function scopesByRun(store: InventoryStore, keys: readonly string[]): Promise<(ScopeCoverage & ScopeCounts)[][]> {
  const parsed = keys.map((key) => {
    const [runId, status] = key.split('/');
    return { runId: Number(runId), status: status as ScopeStatus | undefined };
  });
  const results = new Map<string, (ScopeCoverage & ScopeCounts)[]>();
  for (const status of new Set(parsed.map((key) => key.status))) {
    const runIds = parsed.filter((key) => key.status === status).map((key) => key.runId);
    const scopes = await store.scopesOfRuns(runIds, status);
    runIds.forEach((runId, i) => results.set(status ? `${runId}/${status}` : String(runId), scopes[i]!));
  }
  return keys.map((key) => results.get(key)!);
}

/** The SDL files of schema/, except the stored fragments (they are documents, not type definitions). */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql') && file !== 'fragments.graphql')
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

/**
 * The types whose filter inputs are generated from their SDL, with the store's filter schema behind each: the columns
 * of their scalar fields, and the relations a filter can follow into the other types listed here.
 */
const FILTERED_TYPES: readonly { typeName: string; filter: FilterSchema; sort?: boolean; groupBy?: boolean }[] = [
  { typeName: 'Trail', filter: TRAIL_FILTER, groupBy: true },
  { typeName: 'Tag', filter: TAG_FILTER, sort: false },
  { typeName: 'Account', filter: ACCOUNT_FILTER, sort: false },
  { typeName: 'Asset', filter: TRAIL_ASSET_FILTER },
];

/** The generated SDL: the Where (and Sort, GroupField) inputs of every filtered type. */
export function generatedTypeDefs(typeDefs: readonly string[]): string[] {
  const definitions = typeDefs.flatMap((sdl) => parse(sdl).definitions);
  const filteredTypes = new Set(FILTERED_TYPES.map((t) => t.typeName));
  const enumTypes = new Set(definitions.flatMap((d) => (d.kind === Kind.ENUM_TYPE_DEFINITION ? [d.name.value] : [])));
  return FILTERED_TYPES.map(({ typeName, filter, sort, groupBy }) => {
    const type = definitions.find(
      (d): d is FilterableTypeNode =>
        (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.INTERFACE_TYPE_DEFINITION) && d.name.value === typeName,
    );
    if (!type) throw new Error(`schema: type ${typeName} is not defined in ${SCHEMA_DIR}`);
    return filterInputsSdl(type, filter, { filteredTypes, enumTypes, ...(sort === undefined ? {} : { sort }), ...(groupBy === undefined ? {} : { groupBy }) });
  });
}

/** The executable schema; `limits` sets the largest page (options.limit, first) a request may ask for. */
export function buildSchema(limits: PageLimits = pageLimits()): GraphQLSchema {
  const typeDefs = loadTypeDefs();
  return makeExecutableSchema({ typeDefs: [...typeDefs, ...generatedTypeDefs(typeDefs)], resolvers: createResolvers(limits) });
}

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Store errors about the caller's input become GraphQL errors that say what and where; anything else is internal. */
async function fromStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof FilterError) {
      throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', argumentPath: error.path } });
    }
    throw error;
  }
}

/** What Date.toISOString gives: UTC with milliseconds. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC.',
  serialize: (value) => {
    // The store keeps times in this exact form: most values need no parsing (10,000 trails carry 20,000 of them).
    if (typeof value === 'string' && CANONICAL_TIME.test(value)) return value;
    const time = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(time.getTime())) throw new GraphQLError(`DateTime cannot represent ${JSON.stringify(value)}`);
    return time.toISOString();
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime is written as an ISO-8601 string', { nodes: ast });
    return parseDateTime(ast.value, ast);
  },
});

function parseDateTime(value: unknown, node?: ValueNode): string {
  const parsed = parseTime(value);
  if ('time' in parsed) return parsed.time.toISOString();
  const why = parsed.malformed ? '' : `: ${parsed.reason}`;
  throw new GraphQLError(`DateTime takes an ISO-8601 string such as 2026-01-31T00:00:00Z, not ${JSON.stringify(value)}${why}`, node ? { nodes: node } : {});
}

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

/** The most runs one syncRuns query returns. */
export const MAX_SYNC_RUNS = 1000;

/** The most runs one controlRuns query returns. */
export const MAX_CONTROL_RUNS = 1000;

/** A recorded result's assets in one state, through the per-request loader (one statement for a whole list of results). */
async function resultAssetsIn(context: GraphQLContext, runId: number | null, controlId: string, state: ControlResultAsset['state']): Promise<ControlResultAsset[]> {
  if (runId === null) return [];
  return (await context.loaders.resultAssets.load(`${runId}/${controlId}`)).filter((asset) => asset.state === state);
}

/** A control and its latest result as the ControlStatus type shows it: the result's fields are null when there is none. */
const controlStatus = ({ id, title, severity, result }: ControlLatestResult) => ({
  id, title, severity,
  verdict: result?.verdict ?? null,
  reason: result?.reason ?? null,
  evaluatedAt: result?.evaluatedAt ?? null,
  runId: result?.runId ?? null,
  failingCount: result?.failingCount ?? null,
  exceptedCount: result?.exceptedCount ?? null,
  evaluatedCount: result?.evaluatedCount ?? null,
});
type ControlStatusValue = ReturnType<typeof controlStatus>;

function badInput(message: string, argumentPath: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argumentPath } });
}

/** Store values are lower case; the API's enums are upper case. */
const upperCaseEnum = <T extends string>(values: readonly T[]): Record<Uppercase<T>, T> =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), value])) as Record<Uppercase<T>, T>;

const errorOf = (code: string | null, message: string | null): ScopeError | null => (code ? { code, message: message ?? '' } : null);

const ACCOUNT_ID = /^\d{12}$/;

/** Fields that resolve from other stored fields: the columns to read for them. */
const FIELDS_READ_FOR: Readonly<Record<string, readonly string[]>> = { account: ['accountId'] };

/** The store fields to read for the API fields a query selects. */
function storeFields(fields: readonly string[]): string[] {
  return [...new Set(fields.flatMap((field) => [field, ...(FIELDS_READ_FOR[field] ?? [])]))];
}

/**
 * Trails read for a list or a page: their tags and owner accounts, when selected, are read at once, in one statement
 * each for the whole list, so that 10,000 trails do not resolve 10,000 promises (and a page's edges resolve without any).
 */
async function withTags(context: GraphQLContext, trails: StoredTrail[], fields: readonly string[]): Promise<StoredTrail[]> {
  if (fields.includes('tags') && trails.length > 0) {
    const tags = await context.store.tagsByAssetId(trails.map((trail) => trail.id));
    trails.forEach((trail, i) => context.tagsRead.set(trail.id, tags[i]!));
  }
  if (fields.includes('account')) {
    const unread = [...new Set(trails.map((trail) => trail.accountId))].filter((id) => !context.accountsRead.has(id));
    if (unread.length > 0) {
      const accounts = await context.store.accountsById(unread);
      unread.forEach((id, i) => context.accountsRead.set(id, accounts[i]));
    }
  }
  return trails;
}

/** A page size a request asked for, checked against the maximum; the message names the maximum. */
function checkPageSize(value: number | null | undefined, argumentPath: string, limits: PageLimits): void {
  if (value === null || value === undefined) return;
  if (value < 0) throw badInput(`${argumentPath} must not be negative`, argumentPath);
  if (value > limits.maxPageSize) {
    throw badInput(`${argumentPath} is ${value}, above the maximum page size of ${limits.maxPageSize}; page through the results instead (trailsConnection)`, argumentPath);
  }
}

interface ConnectionArgs {
  where?: unknown;
  first?: number | null;
  after?: string | null;
  sort?: SortSpec[] | null;
}

const createResolvers = (limits: PageLimits) => ({
  DateTime,
  JSON: JSONScalar,
  SyncRunStatus: upperCaseEnum(['running', 'succeeded', 'partial', 'failed', 'interrupted']),
  ScopeStatus: upperCaseEnum(['ok', 'skipped', 'failed']),
  CoverageStatus: upperCaseEnum(['ok', 'skipped', 'failed', 'never']),
  ChangeKind: upperCaseEnum(['created', 'changed', 'deleted', 'restored']),
  AccountStatus: upperCaseEnum(['ok', 'failed']),
  ExceptionState: upperCaseEnum(['active', 'expired', 'revoked']),
  ExceptionSource: upperCaseEnum(['file', 'api']),
  Asset: {
    __resolveType: (asset: { assetType: string }) => asset.assetType,
  },
  Node: {
    __resolveType: (node: { assetType?: string }) => node.assetType ?? 'Account',
  },
  Query: {
    apiVersion: () => PACKAGE_VERSION,
    trails: async (_: unknown, args: { where?: unknown; options?: TrailQueryOptions | null }, context: GraphQLContext, info: GraphQLResolveInfo) => {
      checkPageSize(args.options?.limit, 'options.limit', limits);
      const fields = storeFields(selectedFields(info));
      const trails = await fromStore(() => context.store.findTrails(args.where, { ...args.options, fields }));
      return withTags(context, trails, fields);
    },
    trailsConnection: async (_: unknown, args: ConnectionArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
      checkPageSize(args.first, 'first', limits);
      const first = args.first ?? Math.min(DEFAULT_PAGE_SIZE, limits.maxPageSize);
      const fields = storeFields(selectedFields(info, ['edges', 'node']));
      const { where, after, sort } = args;
      const page = await fromStore(() => context.store.findTrailsPage(where, { first, after, sort, fields }));
      const trails = await withTags(context, page.trails, fields);
      // totalCount and hasPreviousPage cost a statement each: run only when selected (the default resolver calls these).
      return {
        edges: trails.map((node, i) => ({ cursor: page.cursors[i]!, node })),
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: () => (after === undefined || after === null ? false : fromStore(() => context.store.hasTrailsBefore(where, { after, sort }))),
          startCursor: page.cursors[0] ?? null,
          endCursor: page.cursors.at(-1) ?? null,
        },
        totalCount: () => fromStore(() => context.store.countTrails(where)),
      };
    },
    // count and countBy each run one statement with the filter; a bad filter fails them with BAD_USER_INPUT.
    trailsAggregate: (_: unknown, args: { where?: unknown }) => ({ where: args.where }),
    trail: (_: unknown, args: { id: string }, context: GraphQLContext) => context.loaders.trailById.load(args.id),
    assets: async (_: unknown, args: { where?: unknown; options?: TrailQueryOptions | null }, context: GraphQLContext, info: GraphQLResolveInfo) => {
      checkPageSize(args.options?.limit, 'options.limit', limits);
      const fields = storeFields(selectedFields(info));
      const assets = await fromStore(() => context.store.findAssets(args.where, { ...args.options, fields }));
      return withTags(context, assets, fields);
    },
    // Asset ids are ARNs, account ids are twelve digits: each id is looked up where it can be, and null when absent.
    node: async (_: unknown, args: { id: string }, context: GraphQLContext) => {
      if (args.id.startsWith('arn:')) return (await context.loaders.trailById.load(args.id)) ?? null;
      if (ACCOUNT_ID.test(args.id)) return (await context.loaders.accountById.load(args.id)) ?? null;
      return null;
    },
    accounts: (_: unknown, args: { where?: unknown }, context: GraphQLContext) => fromStore(() => context.store.findAccounts(args.where)),
    syncRuns: (_: unknown, args: { collector?: string | null; limit: number; offset: number }, context: GraphQLContext) => {
      if (args.limit < 1 || args.limit > MAX_SYNC_RUNS) throw badInput(`limit must be from 1 to ${MAX_SYNC_RUNS}`, 'limit');
      if (args.offset < 0) throw badInput('offset must not be negative', 'offset');
      return fromStore(() => context.store.listSyncRuns({ ...(args.collector ? { collector: args.collector } : {}), limit: args.limit, offset: args.offset }));
    },
    syncRun: (_: unknown, args: { id: number }, context: GraphQLContext) => context.store.syncRun(args.id),
    // Recorded control results only: the catalog lives in src/controls, which imports this module.
    controls: async (_: unknown, __: unknown, context: GraphQLContext) => (await context.store.latestControlResults()).map(controlStatus),
    controlRuns: (_: unknown, args: { controlId?: string | null; limit: number; offset: number }, context: GraphQLContext) => {
      if (args.limit < 1 || args.limit > MAX_CONTROL_RUNS) throw badInput(`limit must be from 1 to ${MAX_CONTROL_RUNS}`, 'limit');
      if (args.offset < 0) throw badInput('offset must not be negative', 'offset');
      return fromStore(() => context.store.controlRuns({ ...(args.controlId ? { controlId: args.controlId } : {}), limit: args.limit, offset: args.offset }));
    },
    coverage: async (_: unknown, args: { assetType: string }, context: GraphQLContext) => {
      try {
        return await computeCoverage(context.store, args.assetType);
      } catch (error) {
        if (error instanceof UnknownAssetTypeError) throw badInput(error.message, 'assetType');
        throw error;
      }
    },
    ...exceptionResolvers.Query,
  },
  // Stored exceptions (src/graphql/exceptions.ts): admin scope.
  Mutation: exceptionResolvers.Mutation,
  SyncRun: {
    error: (run: SyncRun) => errorOf(run.errorCode, run.errorMessage),
    scopes: (run: SyncRun, args: { status?: string | null }, context: GraphQLContext) =>
      context.loaders.scopesByRun.load(args.status ? `${run.id}/${args.status}` : String(run.id)),
  },
  Account: {
    id: (account: AccountSummary) => account.accountId,
    trails: (account: AccountSummary, _: unknown, context: GraphQLContext) => context.loaders.trailsOfAccount.load(account.accountId),
  },
  ControlAssetState: upperCaseEnum(['failing', 'excepted']),
  ControlStatus: {
    failingAssets: (status: ControlStatusValue, _: unknown, context: GraphQLContext) => resultAssetsIn(context, status.runId, status.id, 'failing'),
    exceptedAssets: (status: ControlStatusValue, _: unknown, context: GraphQLContext) => resultAssetsIn(context, status.runId, status.id, 'excepted'),
    accounts: (status: ControlStatusValue, _: unknown, context: GraphQLContext) =>
      status.runId === null ? [] : context.loaders.resultAccounts.load(`${status.runId}/${status.id}`),
  },
  ControlResult: {
    failingAssets: (result: ControlResultRecord, _: unknown, context: GraphQLContext) => resultAssetsIn(context, result.runId, result.controlId, 'failing'),
    exceptedAssets: (result: ControlResultRecord, _: unknown, context: GraphQLContext) => resultAssetsIn(context, result.runId, result.controlId, 'excepted'),
    accounts: (result: ControlResultRecord, _: unknown, context: GraphQLContext) => context.loaders.resultAccounts.load(`${result.runId}/${result.controlId}`),
  },
  ControlResultAsset: {
    id: (asset: ControlResultAsset) => asset.assetId,
    // The asset as the inventory holds it now, through the request's trail loader (one statement for the whole list).
    asset: async (asset: ControlResultAsset, _: unknown, context: GraphQLContext) => (await context.loaders.trailById.load(asset.assetId)) ?? null,
  },
  TrailAggregate: {
    count: (aggregate: { where?: unknown }, _: unknown, context: GraphQLContext) => fromStore(() => context.store.countTrails(aggregate.where)),
    countBy: (aggregate: { where?: unknown }, args: { field: string }, context: GraphQLContext) =>
      fromStore(() => context.store.countTrailsBy(aggregate.where, args.field)),
  },
  Trail: {
    // Read with the list when it was (withTags), else one statement for the accounts of a whole list (the loader batches
    // and dedupes); the owner of a deleted trail that the inventory no longer knows otherwise is still an account,
    // with nothing known of it.
    account: (trail: StoredTrail, _: unknown, context: GraphQLContext): AccountSummary | Promise<AccountSummary> => {
      const unknown = (): AccountSummary => ({ accountId: trail.accountId, lastSyncedAt: null, status: null, enabledRegions: null, name: null });
      if (context.accountsRead.has(trail.accountId)) return context.accountsRead.get(trail.accountId) ?? unknown();
      return context.loaders.accountById.load(trail.accountId).then((account) => account ?? unknown());
    },
    tags: (trail: StoredTrail, _: unknown, context: GraphQLContext) => context.tagsRead.get(trail.id) ?? context.loaders.tagsByAssetId.load(trail.id),
    visibleIn: (trail: StoredTrail, _: unknown, context: GraphQLContext) => context.loaders.sightingsByTrailArn.load(trail.arn),
    history: async (trail: StoredTrail, args: { limit?: number | null }, context: GraphQLContext) => {
      const limit = args.limit ?? undefined;
      if (limit !== undefined && limit < 0) throw badInput('limit must not be negative', 'limit');
      const history = await context.loaders.historyByTrailArn.load(trail.arn);
      return limit === undefined ? history : history.slice(0, limit);
    },
  },
});
