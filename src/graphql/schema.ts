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
  type DefinitionNode,
  type GraphQLSchema,
  type ObjectTypeExtensionNode,
  type GraphQLResolveInfo,
  type ValueNode,
} from 'graphql';
import type { Tag } from '../model/asset.js';
import { parseTime } from '../model/time.js';
import { ACCOUNT_ASSET_CATEGORY, ACCOUNT_INTERNAL_ASSET_TYPE, ACCOUNT_REGION } from '../assets/account.js';
import type { AssetTypeDefinition } from '../assets/definition.js';
import { ASSET_TYPES } from '../assets/registry.js';
import { PACKAGE_ROOT, SCHEMA_DIR } from '../paths.js';
import { computeCoverage, UnknownAssetTypeError } from '../store/coverage.js';
import type { ControlLatestResult, ControlResultAsset, ControlResultKey, ControlResultRecord, ControlRunRecord, ListPage, ResultAssetFilter } from '../store/store.js';
import type { AccountSummary, ScopeError, ScopeStatus, SyncRun } from '../store/store.js';
import { TAG_FILTER } from '../store/filter-schemas.js';
import { FilterError, type FilterSchema, type SortSpec } from '../store/where.js';
import * as reader from './asset-reader.js';
import type { AssetQueryOptions, AssetRow, FilterSchemaSource } from './asset-reader.js';
import { assetTypesSdl, relationEnds, rootFieldsOf } from './asset-sdl.js';
import type { GraphQLContext } from './context.js';
import { exceptionResolvers } from './exceptions.js';
import { filterInputsSdl, type FilterableTypeNode } from './filters.js';
import { NAMED_CHECKS } from './named-checks.js';
import { DEFAULT_PAGE_SIZE, pageLimits, registerPageLimits, rowListSizes, unlimitedListSize, type PageLimits } from './pages.js';
import { rowListResolvers } from './row-lists.js';
import { kmsKeyUsable } from './trail-key.js';
import { bucketResolvers } from './bucket.js';
import type { KeyUsability } from '../model/trail-key-verdict.js';
import { selectedFields } from './selection.js';

/**
 * The request's loader of one list (e.g. Account.trails) for one page: the parents that ask for the same page are read
 * together, in one statement that pages each parent's rows in SQL.
 */
function pagedLoader<K, V>(context: GraphQLContext, list: string, page: ListPage, batch: (keys: readonly K[], page: ListPage) => Promise<V[]>): DataLoader<K, V> {
  const name = `${list}/${page.limit ?? ''}/${page.offset ?? 0}`;
  let loader = context.pagedLoaders.get(name) as DataLoader<K, V> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V>((keys) => batch(keys, page));
    context.pagedLoaders.set(name, loader as unknown as DataLoader<never, unknown>);
  }
  return loader;
}

/** "<run id>/<control id>" as the store's key of a recorded result. */
const resultKey = (key: string): ControlResultKey => ({ runId: Number(key.slice(0, key.indexOf('/'))), controlId: key.slice(key.indexOf('/') + 1) });

/** The SDL files of schema/, except the stored fragments (they are documents, not type definitions). */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql') && file !== 'fragments.graphql')
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

/** What a schema is built from: the asset types (the registry's) and the filter schemas behind their Where inputs. */
export interface SchemaSources {
  /** Default: every registered type (src/assets/registry.ts). */
  assetTypes?: readonly AssetTypeDefinition[];
  /** SDL beyond schema/ (the object types of asset types that are not registered, in tests). */
  extraTypeDefs?: readonly string[];
  /** Default: the store's, through src/graphql/asset-reader.ts. */
  filters?: FilterSchemaSource;
}

/** The fields of an object type or interface, with those its extensions add (generated relation fields included). */
function withExtensions(definitions: readonly DefinitionNode[], typeName: string): FilterableTypeNode {
  const type = definitions.find(
    (d): d is FilterableTypeNode => (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.INTERFACE_TYPE_DEFINITION) && d.name.value === typeName,
  );
  if (!type) throw new Error(`schema: type ${typeName} is not defined in ${SCHEMA_DIR}`);
  const extensions = definitions.filter((d): d is ObjectTypeExtensionNode => d.kind === Kind.OBJECT_TYPE_EXTENSION && d.name.value === typeName);
  return { ...type, fields: [...(type.fields ?? []), ...extensions.flatMap((extension) => extension.fields ?? [])] } as FilterableTypeNode;
}

/**
 * The generated SDL: what every asset type has alike (src/graphql/asset-sdl.ts), and the Where (and Sort, GroupField)
 * inputs of every filtered type, each checked against the store's filter schema: the columns of its scalar fields, and
 * the relations a filter can follow into the other filtered types.
 */
export function generatedTypeDefs(typeDefs: readonly string[], sources: SchemaSources = {}): string[] {
  const assetTypes = sources.assetTypes ?? ASSET_TYPES;
  const filters = sources.filters ?? reader.STORE_FILTER_SCHEMAS;
  const assetSdl = assetTypesSdl(assetTypes, objectFields(typeDefs));
  const definitions = [...typeDefs, assetSdl].flatMap((sdl) => parse(sdl).definitions);
  const filteredTypes: { typeName: string; filter: FilterSchema; sort?: boolean; groupBy?: boolean }[] = [
    ...assetTypes.map((type) => ({ typeName: type.name, filter: filters.filterSchemaOf(type.name), groupBy: true })),
    { typeName: 'Tag', filter: TAG_FILTER, sort: false },
    { typeName: 'Account', filter: filters.accountFilterSchema(), sort: false },
    { typeName: 'Asset', filter: filters.assetFilterSchema() },
  ];
  const filteredNames = new Set(filteredTypes.map((t) => t.typeName));
  const enumTypes = new Set(definitions.flatMap((d) => (d.kind === Kind.ENUM_TYPE_DEFINITION ? [d.name.value] : [])));
  const objectTypes = new Map(definitions.flatMap((d) => (d.kind === Kind.OBJECT_TYPE_DEFINITION ? [[d.name.value, d] as const] : [])));
  // The Where inputs of the object types held in JSON fields (KeyPolicyWhere), once each, whichever types hold them.
  const jsonInputs = new Map<string, string>();
  const inputs = filteredTypes.map(({ typeName, filter, sort, groupBy }) =>
    filterInputsSdl(withExtensions(definitions, typeName), filter, {
      filteredTypes: filteredNames,
      enumTypes,
      objectTypes,
      jsonInputs,
      ...(sort === undefined ? {} : { sort }),
      ...(groupBy === undefined ? {} : { groupBy }),
    }),
  );
  return [assetSdl, ...inputs, ...jsonInputs.values()];
}

/**
 * The executable schema; `pageSizes` sets the largest page (options.limit, first) a request may ask for. The quotas of the
 * lists held in the asset types' rows come from their definitions.
 */
export function buildSchema(pageSizes: PageLimits = pageLimits(), sources: SchemaSources = {}): GraphQLSchema {
  const typeDefs = [...loadTypeDefs(), ...(sources.extraTypeDefs ?? [])];
  const allTypeDefs = [...typeDefs, ...generatedTypeDefs(typeDefs, sources)];
  const assetTypes = sources.assetTypes ?? ASSET_TYPES;
  const limits: PageLimits = { ...pageSizes, rowLists: rowListSizes(assetTypes) };
  return registerPageLimits(makeExecutableSchema({ typeDefs: allTypeDefs, resolvers: createResolvers(limits, assetTypes, allTypeDefs) }), limits);
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

/** A recorded result's assets in one state, a page at a time, through the per-request loader (one statement for a whole list of results). */
async function resultAssetsIn(
  context: GraphQLContext,
  runId: number | null,
  controlId: string,
  state: ControlResultAsset['state'],
  args: ResultAssetArgs,
  info: GraphQLResolveInfo,
  limits: PageLimits,
): Promise<ControlResultAsset[]> {
  const read = listRead(context, limits, args, info);
  if (runId === null) return [];
  const filter: ResultAssetFilter = { accountId: args.accountId ?? null, region: args.region ?? null };
  // Failing and excepted assets asking for the same page and filter share one statement, which pages each state apart;
  // the filter is in the loader's name, so different filters never share a batch.
  const list = `resultAssets/${JSON.stringify([filter.accountId, filter.region])}`;
  const loader = pagedLoader<string, ControlResultAsset[]>(context, list, read.page, (keys, page) => context.store.resultAssets(keys.map(resultKey), page, filter));
  const assets = (await loader.load(`${runId}/${controlId}`)).filter((asset) => asset.state === state);
  return withinBound(assets, read, info, `the result of ${controlId} in run ${runId}`);
}

/** A recorded result's accounts, a page at a time (one statement for a whole list of results). */
async function resultAccountsOf(context: GraphQLContext, runId: number | null, controlId: string, args: PageArgs, info: GraphQLResolveInfo, limits: PageLimits) {
  const read = listRead(context, limits, args, info);
  if (runId === null) return [];
  const loader = pagedLoader(context, `${info.parentType.name}.accounts`, read.page, (keys: readonly string[], page) =>
    context.store.resultAccounts(keys.map(resultKey), page),
  );
  return withinBound(await loader.load(`${runId}/${controlId}`), read, info, `the result of ${controlId} in run ${runId}`);
}

/** The lists of a recorded result (failingAssets, exceptedAssets, accounts), for each type that shows one. */
function resultListResolvers<P>(resultOf: (parent: P) => { runId: number | null; controlId: string }, limits: PageLimits) {
  type Resolver<T, A = PageArgs> = (parent: P, args: A, context: GraphQLContext, info: GraphQLResolveInfo) => Promise<T[]>;
  const assetsIn =
    (state: ControlResultAsset['state']): Resolver<ControlResultAsset, ResultAssetArgs> =>
    (parent, args, context, info) =>
      resultAssetsIn(context, resultOf(parent).runId, resultOf(parent).controlId, state, args, info, limits);
  const accounts: Resolver<unknown> = (parent, args, context, info) => resultAccountsOf(context, resultOf(parent).runId, resultOf(parent).controlId, args, info, limits);
  const assetCount = (parent: P, args: { state: ControlResultAsset['state'] } & ResultAssetArgs, context: GraphQLContext): Promise<number> | number => {
    const { runId, controlId } = resultOf(parent);
    if (runId === null) return 0;
    const filter: ResultAssetFilter = { accountId: args.accountId ?? null, region: args.region ?? null };
    // Keyed by state and filter as resultAssetsIn's loader: the counts of a list of results in one statement.
    const list = `resultAssetCount/${JSON.stringify([args.state, filter.accountId, filter.region])}`;
    const loader = pagedLoader<string, number>(context, list, {}, (keys) => context.store.countResultAssets(keys.map(resultKey), args.state, filter));
    return loader.load(`${runId}/${controlId}`);
  };
  return { failingAssets: assetsIn('failing'), exceptedAssets: assetsIn('excepted'), accounts, assetCount };
}

/** A control and its latest result as the ControlStatus type shows it: the result's fields are null when there is none. */
const controlStatus = ({ id, title, severity, result }: ControlLatestResult) => ({
  id,
  title,
  severity,
  verdict: result?.verdict ?? null,
  reason: result?.reason ?? null,
  evaluatedAt: result?.evaluatedAt ?? null,
  runId: result?.runId ?? null,
  failingCount: result?.failingCount ?? null,
  exceptedCount: result?.exceptedCount ?? null,
  evaluatedCount: result?.evaluatedCount ?? null,
});
type ControlStatusValue = ReturnType<typeof controlStatus>;

/** A recorded run as ControlRun resolves it: its results are read by ControlRun.results, of `resultsOf` alone when set. */
type ControlRunValue = ControlRunRecord & { resultsOf: string | undefined };

/** The store's options for a page of assets: a list without limit over HTTP reads one asset past its bound. */
function assetPage(read: ListRead): Pick<AssetQueryOptions, 'limit' | 'offset' | 'oneMore'> {
  return read.bound === undefined
    ? { limit: read.page.limit ?? null, offset: read.page.offset ?? 0 }
    : { limit: read.bound, offset: read.page.offset ?? 0, oneMore: true };
}

function badInput(message: string, argumentPath: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argumentPath } });
}

/** Store values are lower case; the API's enums are upper case. */
const upperCaseEnum = <T extends string>(values: readonly T[]): Record<Uppercase<T>, T> =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), value])) as Record<Uppercase<T>, T>;

const errorOf = (code: string | null, message: string | null): ScopeError | null => (code ? { code, message: message ?? '' } : null);

const ACCOUNT_ID = /^\d{12}$/;

/** Fields that resolve from other stored fields: the columns to read for them. */
const FIELDS_READ_FOR: Readonly<Record<string, readonly string[]>> = { account: ['accountId'], kmsKeyUsable: ['kmsKeyID', 'homeRegion', 's3BucketName'] };

/** The store fields to read for the API fields a query selects. */
function storeFields(fields: readonly string[]): string[] {
  return [...new Set(fields.flatMap((field) => [field, ...(FIELDS_READ_FOR[field] ?? [])]))];
}

/**
 * Assets read for a list or a page: their tags and owner accounts, when selected, are read at once, in one statement
 * each for the whole list, so that 10,000 trails do not resolve 10,000 promises (and a page's edges resolve without any).
 */
async function withTags<T extends AssetRow>(context: GraphQLContext, assets: T[], fields: readonly string[], limits: PageLimits): Promise<T[]> {
  if (fields.includes('tags') && assets.length > 0) {
    // The page <Type>.tags reads without limit: over HTTP one past its bound, so that it can tell there are more.
    const page = context.boundedLists ? { limit: unlimitedListSize(`${assets[0]!.assetType}.tags`, false, limits) + 1 } : undefined;
    const tags = await context.store.tagsByAssetId(
      assets.map((asset) => asset.id),
      page,
    );
    assets.forEach((asset, i) => context.tagsRead.set(asset.id, tags[i]!));
  }
  if (fields.includes('account')) {
    const unread = [...new Set(assets.map((asset) => asset.accountId))].filter((id) => !context.accountsRead.has(id));
    if (unread.length > 0) {
      const accounts = await context.store.accountsById(unread);
      unread.forEach((id, i) => context.accountsRead.set(id, accounts[i]));
    }
  }
  return assets;
}

/** The page arguments of a list field (`limit` and `offset`, or a root list's `options`). */
interface PageArgs {
  limit?: number | null;
  offset?: number | null;
}

/** failingAssets and exceptedAssets: a page of the assets of one account and/or one region (README "Dashboard"). */
interface ResultAssetArgs extends PageArgs {
  accountId?: string | null;
  region?: string | null;
}

/** How a list is read: the page the store reads, and, for a list without `limit` over HTTP, the most it may return. */
interface ListRead {
  page: ListPage;
  /** More rows than this is an error, never a silent cut: the store reads one more to tell. */
  bound?: number;
}

/**
 * The page to read for a list field. With `limit`: that page (at most the maximum page size). Without: over HTTP, the
 * list's default size (a top-level list a whole page, a nested one 100, tags 50), reading one row more to tell whether
 * there are more; in-process, every row.
 */
function listRead(context: GraphQLContext, limits: PageLimits, args: PageArgs, info: GraphQLResolveInfo, argumentPath = 'limit'): ListRead {
  const offsetPath = argumentPath.replace(/limit$/, 'offset');
  const offset = args.offset ?? 0;
  if (offset < 0) throw badInput(`${offsetPath} must not be negative`, offsetPath);
  if (args.limit !== null && args.limit !== undefined) {
    checkPageSize(args.limit, argumentPath, limits, info);
    return { page: { limit: args.limit, offset } };
  }
  if (!context.boundedLists) return { page: { offset } };
  const bound = unlimitedListSize(`${info.parentType.name}.${info.fieldName}`, info.parentType === info.schema.getQueryType(), limits);
  return { page: { limit: bound + 1, offset }, bound };
}

/**
 * The rows of a list read by listRead, or, when it found more than the list's bound, an error that says so and how to
 * page (README "Request limits"): a list never stops short silently.
 */
function withinBound<T>(rows: T[], read: ListRead, info: GraphQLResolveInfo, of?: string, argumentPath = 'limit'): T[] {
  if (read.bound === undefined || rows.length <= read.bound) return rows;
  const field = `${info.parentType.name}.${info.fieldName}`;
  const atRoot = info.parentType === info.schema.getQueryType();
  const pageArgs =
    argumentPath === 'options.limit' ? `options: {limit: ${read.bound}, offset: ${read.page.offset ?? 0}}` : `limit: ${read.bound}, offset: ${read.page.offset ?? 0}`;
  const connection = atRoot && connectionsFor(info).length === 1 && info.fieldName !== 'assets' ? `, or ${connectionsFor(info)[0]}(first, after)` : '';
  throw new GraphQLError(
    `${info.fieldName}${of ? ` of ${of}` : ''} has more than ${read.bound} items, the most a${atRoot ? '' : ' nested'} list without a limit returns; ` +
      `ask for them a page at a time: ${info.fieldName}(${pageArgs}), then the next offsets${connection}`,
    { extensions: { code: 'BAD_USER_INPUT', argumentPath, list: { field, maximum: read.bound } } },
  );
}

/**
 * The connections that page what a root field lists: its own (`trailsConnection` for `trails` and itself), or for
 * `assets` every type's.
 */
function connectionsFor(info: GraphQLResolveInfo): string[] {
  const rootFields = info.schema.getQueryType()!.getFields();
  const name = info.fieldName.endsWith('Connection') ? info.fieldName : `${info.fieldName}Connection`;
  if (rootFields[name]) return [name];
  return info.fieldName === 'assets' ? Object.keys(rootFields).filter((field) => field.endsWith('Connection')) : [];
}

/** A page size a request asked for, checked against the maximum; the message names the maximum. */
function checkPageSize(value: number | null | undefined, argumentPath: string, limits: PageLimits, info: GraphQLResolveInfo): void {
  if (value === null || value === undefined) return;
  if (value < 0) throw badInput(`${argumentPath} must not be negative`, argumentPath);
  if (value > limits.maxPageSize) {
    const instead =
      argumentPath === 'limit' ? 'ask for pages of it with limit and offset instead' : `page through the results instead (${connectionsFor(info).join(', ')})`;
    throw badInput(`${argumentPath} is ${value}, above the maximum page size of ${limits.maxPageSize}; ${instead}`, argumentPath);
  }
}

interface ConnectionArgs {
  where?: unknown;
  first?: number | null;
  after?: string | null;
  sort?: SortSpec[] | null;
}

type Resolver = (parent: never, args: never, context: GraphQLContext, info: GraphQLResolveInfo) => unknown;

/** The field names of each object type in the SDL, extensions included. */
function objectFields(typeDefs: readonly string[]): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>();
  for (const definition of typeDefs.flatMap((sdl) => parse(sdl).definitions)) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const names = fields.get(definition.name.value) ?? new Set<string>();
    for (const field of definition.fields ?? []) names.add(field.name.value);
    fields.set(definition.name.value, names);
  }
  return fields;
}

/**
 * The resolvers every asset type has alike, generated from the registry (docs/architecture.md, "The registry"): its root
 * fields, its aggregate, Account.<plural>, its relation fields in both directions, and the fields every asset's SDL
 * declares that read other rows (account, tags, visibleIn, history). All of them read through src/graphql/asset-reader.ts.
 */
function assetTypeResolvers(limits: PageLimits, assetTypes: readonly AssetTypeDefinition[], typeDefs: readonly string[]) {
  const Query: Record<string, Resolver> = {};
  const Account: Record<string, Resolver> = {};
  const types: Record<string, Record<string, Resolver>> = {};
  const fieldsOf = objectFields(typeDefs);
  const ends = relationEnds(assetTypes);
  const rowLists = rowListResolvers(assetTypes, limits.rowLists ?? {}, typeDefs);
  for (const type of assetTypes) {
    const root = rootFieldsOf(type);
    const name = type.name;
    Query[root.list] = async (_: unknown, args: { where?: unknown; options?: AssetQueryOptions | null }, context: GraphQLContext, info: GraphQLResolveInfo) => {
      const read = listRead(context, limits, args.options ?? {}, info, 'options.limit');
      const fields = storeFields(selectedFields(info));
      const assets = await fromStore(() => reader.findAssetsOfType(context.store, name, args.where, { ...args.options, ...assetPage(read), fields }));
      return withTags(context, withinBound(assets, read, info, undefined, 'options.limit'), fields, limits);
    };
    Query[root.connection] = async (_: unknown, args: ConnectionArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
      checkPageSize(args.first, 'first', limits, info);
      const first = args.first ?? Math.min(DEFAULT_PAGE_SIZE, limits.maxPageSize);
      const fields = storeFields(selectedFields(info, ['edges', 'node']));
      const { where, after, sort } = args;
      const page = await fromStore(() => reader.findAssetPage(context.store, name, where, { first, after, sort, fields }));
      const assets = await withTags(context, page.assets, fields, limits);
      // totalCount and hasPreviousPage cost a statement each: run only when selected (their resolvers call these).
      return {
        edges: assets.map((node, i) => ({ cursor: page.cursors[i]!, node })),
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: () => (after === undefined || after === null ? false : fromStore(() => reader.hasAssetsBefore(context.store, name, where, { after, sort }))),
          startCursor: page.cursors[0] ?? null,
          endCursor: page.cursors.at(-1) ?? null,
        },
        // A first page that holds fewer than asked holds every match: its count is its length, without a statement.
        totalCount: () =>
          (after === undefined || after === null) && !page.hasNextPage ? page.assets.length : fromStore(() => reader.countAssets(context.store, name, where)),
      };
    };
    // count and countBy each run one statement with the filter; a bad filter fails them with BAD_USER_INPUT.
    Query[root.aggregate] = (_: unknown, args: { where?: unknown }) => ({ where: args.where });
    Query[root.byId] = (_: unknown, args: { id: string }, context: GraphQLContext) =>
      pagedLoader(context, `${name}ById`, {}, (ids: readonly string[]) => reader.assetsById(context.store, name, ids)).load(args.id);
    types[`${name}Connection`] = { totalCount: (connection: { totalCount: () => Promise<number> }) => connection.totalCount() };
    types[`${name}Aggregate`] = {
      count: (aggregate: { where?: unknown }, _: unknown, context: GraphQLContext) => fromStore(() => reader.countAssets(context.store, name, aggregate.where)),
      countBy: async (aggregate: { where?: unknown }, args: { field: string } & PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        return withinBound(await fromStore(() => reader.countAssetsBy(context.store, name, aggregate.where, args.field, read.page)), read, info, `field ${args.field}`);
      },
    };
    Account[root.list] = async (account: AccountSummary, args: PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
      const read = listRead(context, limits, args, info);
      const loader = pagedLoader(context, `Account.${root.list}`, read.page, (ids: readonly string[], page) => reader.assetsOfAccounts(context.store, name, ids, page));
      return withinBound(await loader.load(account.accountId), read, info, `account ${account.accountId}`);
    };
    const declared = fieldsOf.get(name) ?? new Set<string>();
    const common = commonAssetResolvers(limits, name);
    // The lists held in the asset's row, held to the quotas its definition declares (src/graphql/row-lists.ts).
    types[name] = { ...Object.fromEntries(Object.entries(common).filter(([field]) => declared.has(field))), ...rowLists[name] };
  }
  for (const end of ends) {
    types[end.holder]![end.field] = async (asset: AssetRow, args: PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
      if (end.cardinality === 'one') {
        const loader = pagedLoader(context, `${end.holder}.${end.field}`, {}, (ids: readonly string[]) =>
          reader.relatedAssets(context.store, end.holder, end.field, ids),
        );
        return (await loader.load(asset.id))[0] ?? null;
      }
      const read = listRead(context, limits, args, info);
      const loader = pagedLoader(context, `${end.holder}.${end.field}`, read.page, (ids: readonly string[], page) =>
        reader.relatedAssets(context.store, end.holder, end.field, ids, page),
      );
      return withinBound(await loader.load(asset.id), read, info, asset.arn);
    };
  }
  // Every type's connection shares PageInfo; hasPreviousPage is computed only when selected.
  types['PageInfo'] = {
    hasPreviousPage: (pageInfo: { hasPreviousPage: () => boolean | Promise<boolean> }) => pageInfo.hasPreviousPage(),
  };
  return { Query, Account, types };
}

/** The fields an asset type's SDL declares that read other rows than its own: its owner account, tags, sightings and history. */
function commonAssetResolvers(limits: PageLimits, typeName: string): Record<string, Resolver> {
  const tagBound = unlimitedListSize(`${typeName}.tags`, false, limits);
  return {
    // Read with the list when it was (withTags), else one statement for the accounts of a whole list (the loader batches
    // and dedupes); the owner of a deleted asset that the inventory no longer knows otherwise is still an account,
    // with nothing known of it.
    account: (asset: AssetRow, _: unknown, context: GraphQLContext): AccountSummary | Promise<AccountSummary> => {
      const unknown = (): AccountSummary => ({ accountId: asset.accountId, lastSyncedAt: null, status: null, enabledRegions: null, name: null });
      if (context.accountsRead.has(asset.accountId)) return context.accountsRead.get(asset.accountId) ?? unknown();
      return context.loaders.accountById.load(asset.accountId).then((account) => account ?? unknown());
    },
    // Not async: tags read with a whole list resolve at once, without a promise per asset (10,000 of them in the seed query).
    tags: (asset: AssetRow, args: PageArgs, context: GraphQLContext, info: GraphQLResolveInfo): Tag[] | Promise<Tag[]> => {
      // Tags read with a whole list (withTags) are the default page: without limit, from the start.
      const prefetched = (args.limit ?? undefined) === undefined && (args.offset ?? 0) === 0 ? context.tagsRead.get(asset.id) : undefined;
      if (prefetched && (!context.boundedLists || prefetched.length <= tagBound)) return prefetched;
      const read = listRead(context, limits, args, info);
      if (prefetched) return withinBound(prefetched, read, info, asset.arn);
      return pagedLoader(context, 'tags', read.page, (ids: readonly string[], page) => context.store.tagsByAssetId(ids, page))
        .load(asset.id)
        .then((tags) => withinBound(tags, read, info, asset.arn));
    },
    visibleIn: async (asset: AssetRow, args: PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
      const read = listRead(context, limits, args, info);
      const loader = pagedLoader(context, 'visibleIn', read.page, (ids: readonly string[], page) => reader.sightingsByAssetId(context.store, ids, page));
      return withinBound(await loader.load(asset.id), read, info, asset.arn);
    },
    history: async (asset: AssetRow, args: PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
      const read = listRead(context, limits, args, info);
      const loader = pagedLoader(context, 'history', read.page, (ids: readonly string[], page) => reader.assetHistory(context.store, ids, page));
      return withinBound(await loader.load(asset.id), read, info, asset.arn);
    },
  } as Record<string, Resolver>;
}

/** Each trail's stored key, through Trail.kmsKey's loader: one statement for a whole list, shared with kmsKey when both are asked. */
const trailKeyLoader =
  (context: GraphQLContext) =>
  async (trailId: string): Promise<AssetRow | undefined> =>
    (await pagedLoader(context, 'Trail.kmsKey', {}, (ids: readonly string[]) => reader.relatedAssets(context.store, 'Trail', 'kmsKey', ids)).load(trailId))[0];

/** Each trail's stored bucket, through Trail.s3Bucket's loader: one statement for a whole list, shared with s3Bucket. */
const trailBucketLoader =
  (context: GraphQLContext) =>
  async (trailId: string): Promise<AssetRow | undefined> =>
    (await pagedLoader(context, 'Trail.s3Bucket', {}, (ids: readonly string[]) => reader.relatedAssets(context.store, 'Trail', 's3Bucket', ids)).load(trailId))[0];

/**
 * The named checks (src/graphql/named-checks.ts): each reads its list through the store with its filter at the
 * request's time, held to the bounds of any root list.
 */
function namedCheckResolvers(limits: PageLimits): Record<string, Resolver> {
  return Object.fromEntries(
    NAMED_CHECKS.map((check) => {
      const resolve = async (_: unknown, args: PageArgs & Record<string, unknown>, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        const where = await fromStore(async () => check.where(context.now ?? new Date(), args, context.store));
        if (check.list === 'accounts') return withinBound(await fromStore(() => context.store.findAccounts(where, read.page)), read, info);
        const fields = storeFields(selectedFields(info));
        const assets = await fromStore(() => reader.findAssetsOfType(context.store, check.assetType, where, { ...assetPage(read), fields }));
        return withTags(context, withinBound(assets, read, info), fields, limits);
      };
      return [check.name, resolve as Resolver];
    }),
  );
}

/** An account's IAsset fields (schema/account.graphql): its id, "aws" and its name, as the account filter has them (src/store/filter-schemas.ts). */
const accountAssetResolvers = {
  identifier: (account: AccountSummary) => account.accountId,
  accountID: (account: AccountSummary) => account.accountId,
  cloudAccountID: (account: AccountSummary) => account.accountId,
  cloudAccountName: (account: AccountSummary) => account.name,
  cloudProvider: () => 'aws',
  idFromProvider: (account: AccountSummary) => account.accountId,
  internalAssetType: () => ACCOUNT_INTERNAL_ASSET_TYPE,
  internalName: (account: AccountSummary) => account.name,
  internalRegion: () => ACCOUNT_REGION,
  assetCategory: () => ACCOUNT_ASSET_CATEGORY,
  contentHash: () => null,
};

const createResolvers = (limits: PageLimits, assetTypes: readonly AssetTypeDefinition[], typeDefs: readonly string[]) => {
  const perType = assetTypeResolvers(limits, assetTypes, typeDefs);
  const bucket = bucketResolvers(limits);
  return {
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
    // Assets name their type; an account (AWSLogging1's items) has none.
    IAsset: {
      __resolveType: (item: { assetType?: string }) => item.assetType ?? 'Account',
    },
    Query: {
      apiVersion: () => PACKAGE_VERSION,
      ...perType.Query,
      ...namedCheckResolvers(limits),
      // Every trail that names a key is judged, then the verdicts asked for are paged (src/graphql/trail-key.ts).
      trailsByKeyUsability: async (_: unknown, args: { verdict: KeyUsability; where?: unknown } & PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        const fields = storeFields([...selectedFields(info), 'kmsKeyUsable']);
        const encrypted = await fromStore(() => reader.findAssetsOfType(context.store, 'Trail', { AND: [args.where ?? {}, { kmsKeyID_NOT: '' }] }, { fields }));
        const loadKey = trailKeyLoader(context);
        const loadBucket = trailBucketLoader(context);
        const verdicts = await Promise.all(encrypted.map((trail) => kmsKeyUsable(trail, context, loadKey, loadBucket)));
        const judged = encrypted.filter((_, i) => verdicts[i]?.verdict === args.verdict);
        const offset = read.page.offset ?? 0;
        const page = judged.slice(offset, read.page.limit === undefined ? undefined : offset + read.page.limit);
        return withTags(context, withinBound(page, read, info), fields, limits);
      },
      assets: async (_: unknown, args: { where?: unknown; options?: AssetQueryOptions | null }, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args.options ?? {}, info, 'options.limit');
        const fields = storeFields(selectedFields(info));
        const assets = await fromStore(() => reader.findAssets(context.store, args.where, { ...args.options, ...assetPage(read), fields }));
        return withTags(context, withinBound(assets, read, info, undefined, 'options.limit'), fields, limits);
      },
      // Asset ids are ARNs, account ids are twelve digits: each id is looked up where it can be, and null when absent.
      node: async (_: unknown, args: { id: string }, context: GraphQLContext) => {
        if (args.id.startsWith('arn:')) return (await context.loaders.nodeById.load(args.id)) ?? null;
        if (ACCOUNT_ID.test(args.id)) return (await context.loaders.accountById.load(args.id)) ?? null;
        return null;
      },
      accounts: async (_: unknown, args: { where?: unknown } & PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        return withinBound(await fromStore(() => context.store.findAccounts(args.where, read.page)), read, info);
      },
      syncRuns: (_: unknown, args: { collector?: string | null; limit: number; offset: number }, context: GraphQLContext) => {
        if (args.limit < 1 || args.limit > MAX_SYNC_RUNS) throw badInput(`limit must be from 1 to ${MAX_SYNC_RUNS}`, 'limit');
        if (args.offset < 0) throw badInput('offset must not be negative', 'offset');
        return fromStore(() => context.store.listSyncRuns({ ...(args.collector ? { collector: args.collector } : {}), limit: args.limit, offset: args.offset }));
      },
      syncRun: (_: unknown, args: { id: number }, context: GraphQLContext) => context.store.syncRun(args.id),
      // Recorded control results only: the catalog lives in src/controls, which imports this module.
      controls: async (_: unknown, args: PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        return withinBound(await fromStore(() => context.store.latestControlResults(read.page)), read, info).map(controlStatus);
      },
      controlRuns: async (_: unknown, args: { controlId?: string | null; limit: number; offset: number }, context: GraphQLContext) => {
        if (args.limit < 1 || args.limit > MAX_CONTROL_RUNS) throw badInput(`limit must be from 1 to ${MAX_CONTROL_RUNS}`, 'limit');
        if (args.offset < 0) throw badInput('offset must not be negative', 'offset');
        const controlId = args.controlId ?? undefined;
        // Results are read by ControlRun.results, a page of each run's at a time.
        const runs = await fromStore(() =>
          context.store.controlRuns({ ...(controlId ? { controlId } : {}), limit: args.limit, offset: args.offset, withResults: false }),
        );
        return runs.map((run): ControlRunValue => ({ ...run, resultsOf: controlId }));
      },
      coverage: async (_: unknown, args: { assetType: string } & PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        let coverage;
        try {
          // Computed from every scope state of the asset type (one row per account and region), then paged.
          coverage = await computeCoverage(context.store, args.assetType);
        } catch (error) {
          if (error instanceof UnknownAssetTypeError) throw badInput(error.message, 'assetType');
          throw error;
        }
        const start = read.page.offset ?? 0;
        return withinBound(coverage.slice(start, read.page.limit === undefined ? undefined : start + read.page.limit), read, info);
      },
      exceptions: async (_: unknown, args: { includeRevoked: boolean } & PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        return withinBound(await exceptionResolvers.Query.exceptions(_, { includeRevoked: args.includeRevoked, ...read.page }, context), read, info);
      },
    },
    // Stored exceptions (src/graphql/exceptions.ts): admin scope.
    Mutation: exceptionResolvers.Mutation,
    SyncRun: {
      error: (run: SyncRun) => errorOf(run.errorCode, run.errorMessage),
      scopes: async (run: SyncRun, args: { status?: ScopeStatus | null } & PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        const status = args.status ?? undefined;
        const loader = pagedLoader(context, `SyncRun.scopes/${status ?? ''}`, read.page, (runIds: readonly number[], page) =>
          context.store.scopesOfRuns(runIds, status, page),
        );
        return withinBound(await loader.load(run.id), read, info, `run ${run.id}`);
      },
    },
    Account: {
      id: (account: AccountSummary) => account.accountId,
      ...accountAssetResolvers,
      ...perType.Account,
    },
    ControlAssetState: upperCaseEnum(['failing', 'excepted']),
    ControlStatus: resultListResolvers((status: ControlStatusValue) => ({ runId: status.runId, controlId: status.id }), limits),
    ControlResult: resultListResolvers((result: ControlResultRecord) => ({ runId: result.runId, controlId: result.controlId }), limits),
    ControlRun: {
      results: async (run: ControlRunValue, args: PageArgs, context: GraphQLContext, info: GraphQLResolveInfo) => {
        const read = listRead(context, limits, args, info);
        const loader = pagedLoader(context, `ControlRun.results/${run.resultsOf ?? ''}`, read.page, (runIds: readonly number[], page) =>
          context.store.resultsOfRuns(runIds, run.resultsOf, page),
        );
        return withinBound(await loader.load(run.id), read, info, `run ${run.id}`);
      },
    },
    ControlResultAsset: {
      id: (asset: ControlResultAsset) => asset.assetId,
      // The asset as the inventory holds it now, through the request's node loader (one statement for the whole list).
      asset: async (asset: ControlResultAsset, _: unknown, context: GraphQLContext) => (await context.loaders.nodeById.load(asset.assetId)) ?? null,
    },
    ...perType.types,
    Bucket: { ...perType.types.Bucket, ...bucket.Bucket },
    TrailEventSelectorDataResource: bucket.TrailEventSelectorDataResource,
    Trail: {
      ...perType.types.Trail,
      kmsKeyUsable: (trail: AssetRow, _: unknown, context: GraphQLContext) => kmsKeyUsable(trail, context, trailKeyLoader(context), trailBucketLoader(context)),
    },
  };
};
