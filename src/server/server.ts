// The HTTP server: Apollo Server on Express 5 (not startStandaloneServer: it fixes a 50 MB body limit and allows no
// other routes), /graphql per the GraphQL over HTTP spec with GraphiQL from the package, /healthz, /readyz, /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { unwrapResolverError } from '@apollo/server/errors';
import express from 'express';
import {
  GraphQLError,
  Kind,
  Lexer,
  parse,
  print,
  Source,
  TokenKind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { InventoryApi } from '../graphql/execute.js';
import { missingStoredFragments, type StoredFragments } from '../graphql/fragments.js';
import { normalizeFilterDocument, normalizeFilterVariables } from '../graphql/filter-syntax.js';
import { createContext, type Caller, type ExceptionRules, type GraphQLContext } from '../graphql/context.js';
import type { Logger } from '../log.js';
import { integrityFailure } from '../store/integrity.js';
import type { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { StoreBusyError, type InventoryStore } from '../store/store.js';
import { isLoopbackHost, requireToken, type Authenticated, type AuthSettings } from './auth.js';
import { DEFAULT_LIMITS, operationCost, requestLimitRules, type RequestLimits } from './limits.js';
import { filterLimitsOf, type FilterLimits } from '../graphql/filter-limits.js';
import { filterLimitsPlugin, refuseDeepNesting } from './filter-limits.js';
import { accessLog, metricsPage, OPERATION_NAME, RequestMetrics } from './observability.js';
import { graphiqlRoutes } from './graphiql.js';
import { compiledExecutionGateway } from './compiled-execution.js';
import { dashboardRoutes } from './dashboard.js';
import { IntegrityWatch } from './integrity.js';
import { busyBody, DEFAULT_REQUEST_TIMEOUT_MS, RequestStopped, RETRY_AFTER_SECONDS, ServerBusyError, stoppableStore, timeoutBody, type StopReason } from './deadline.js';
import { GraphQLPool, type HttpRequestData, type HttpResponseData } from './graphql-pool.js';
import { routeRequest } from './lanes.js';
import { pageLimitsOf } from '../graphql/pages.js';

/** Request bodies above this are refused with 413 before any parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Error codes whose message is meant for the client; anything else is masked as an internal error. */
const CLIENT_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'FORBIDDEN',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'SERVER_BUSY',
  // A mutation on an inventory file this server cannot write (README, The inventory file).
  'INVENTORY_NOT_WRITABLE',
]);

/** The server could not take its address; the message says which and why. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** Asked to listen beyond loopback while no API token exists (and not told to allow it). */
export class UnprotectedListenError extends ListenError {
  override name = 'UnprotectedListenError';
}

export interface ServerOptions {
  store: InventoryStore;
  api: InventoryApi;
  host: string;
  port: number;
  log: Logger;
  /** Request limits (depth, aliases, tokens, cost; filter terms, depth and lists); the defaults for what is left out. */
  limits?: Partial<RequestLimits & FilterLimits>;
  /** Whether `__schema` and `__type` are answered (default true; the graphql-http audit's MUST check BF61 needs it). */
  introspection?: boolean;
  /** "Did you mean ...?" suggestions in error messages: for development only (default false). */
  suggestions?: boolean;
  /**
   * Serve a non-loopback address without any API token (default false: refused). Without it, a server beyond loopback
   * also refuses every request if the last token is revoked while it runs.
   */
  allowUnauthenticated?: boolean;
  /**
   * The catalog's control ids and the longest exception lifetime, which addException checks against (the server does
   * not read the catalog itself: src/controls imports src/graphql). Without them addException fails.
   */
  exceptionRules?: ExceptionRules;
  /** How often, at most, /healthz and /readyz check a changed database's integrity again (DEFAULT_INTEGRITY_INTERVAL_MS). */
  integrityIntervalMs?: number;
  /**
   * Worker threads that run GraphQL reads over a SQLite file, each on a read-only connection of its own (README,
   * Operations); 0 (the default here; `serve` defaults to defaultWorkerCount()): every request in-process. An in-memory
   * SQLite database and PostgreSQL (asynchronous already) always run in-process.
   */
  workers?: number;
  /** How long a /graphql request may take before it is answered 504 REQUEST_TIMEOUT and stopped (DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** For tests: each row a worker's filtered statement considers waits this long (WorkerSettings.rowDelayMs). */
  workerRowDelayMs?: number;
}

export interface RunningServer {
  url: string;
  graphqlUrl: string;
  /** The GraphQL workers, when reads run in them. */
  pool?: GraphQLPool;
  close(): Promise<void>;
}

export interface ApolloSettings {
  api: InventoryApi;
  limits: RequestLimits & FilterLimits;
  introspection: boolean;
  suggestions: boolean;
  log: Logger;
  /** Plugins of this server only (the HTTP server's drain), after the common ones. */
  plugins?: ApolloServerPlugin<GraphQLContext>[];
}

/** The Apollo Server of /graphql, with every limit and plugin: the same in the server's thread and in its GraphQL workers. */
export function createApolloServer(settings: ApolloSettings): ApolloServer<GraphQLContext> {
  const { api, limits, log, suggestions } = settings;
  return new ApolloServer<GraphQLContext>({
    gateway: compiledExecutionGateway(api.schema),
    validationRules: [...api.validationRules, ...requestLimitRules(limits)],
    // The token limit stops the parser itself, before a huge document costs anything more.
    parseOptions: { maxTokens: limits.maxTokens },
    // Production behaviour is set explicitly: NODE_ENV (vitest sets "test") must not change what clients see.
    includeStacktraceInErrorResponses: false,
    introspection: settings.introspection,
    // No "Did you mean ...?" naming schema fields in validation errors (formatError strips the rest, e.g. in variables).
    hideSchemaDetailsFromClientErrors: !suggestions,
    csrfPrevention: true,
    persistedQueries: false,
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => maskInternalError(formatted, error, log, suggestions),
    plugins: [
      // First: every later plugin and the validation see the filters in the schema's syntax.
      filterSyntaxPlugin(api.schema),
      filterLimitsPlugin(api.schema, { maxFilterTerms: limits.maxFilterTerms, maxFilterDepth: limits.maxFilterDepth, maxInValues: limits.maxInValues }),
      // Cache hints are computed per field by default: 130,000 hook calls for 10,000 trails, and no HTTP cache uses them.
      ApolloServerPluginCacheControlDisabled(),
      storedFragmentsPlugin(api.fragments, limits),
      requestLimitsPlugin(api, limits),
      operationNamePlugin(),
      serverBusyPlugin(),
      // The page is answered by graphiqlRoutes before the token check, never by Apollo after it.
      ApolloServerPluginLandingPageDisabled(),
      ...(settings.plugins ?? []),
    ],
  });
}

/** Where a request's operation name is left for the access log, in-process and from a worker alike. */
export const REQUEST_REPORT = Symbol('request report');
export interface RequestReport {
  operationName?: string;
}
type ServerContext = GraphQLContext & { [REQUEST_REPORT]?: RequestReport };

/** Runs one /graphql request through Apollo: what expressMiddleware does, in plain data, so that a worker can run it too. */
export async function runHttpGraphQL(
  apollo: ApolloServer<GraphQLContext>,
  http: HttpRequestData,
  context: (report: RequestReport) => ServerContext,
): Promise<HttpResponseData> {
  const headers = new HeaderMap();
  for (const [key, value] of http.headers) headers.set(key, value);
  const report: RequestReport = {};
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: http.method.toUpperCase(), headers, search: http.search, body: http.body },
    context: async () => context(report),
  });
  let body = '';
  if (response.body.kind === 'complete') body = response.body.string;
  else for await (const chunk of response.body.asyncIterator) body += chunk;
  return { status: response.status ?? 200, headers: [...response.headers], body, ...(report.operationName ? { operationName: report.operationName } : {}) };
}

/** A request as runHttpGraphQL takes it. */
function httpRequestOf(req: express.Request): HttpRequestData {
  const headers: [string, string][] = [];
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.push([key, Array.isArray(value) ? value.join(', ') : value]);
  }
  const query = req.url.indexOf('?');
  return { method: req.method, headers, search: query === -1 ? '' : req.url.slice(query), body: req.body as unknown };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { store, api, log } = options;
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const loopback = isLoopbackHost(options.host);
  if (!loopback && !options.allowUnauthenticated && (await store.apiTokenCredentials()).length === 0) {
    throw new UnprotectedListenError(
      `refusing to listen on ${options.host}: no API token exists, so anyone who can reach it could read the inventory; ` +
        'create one with `inventory token create --scope read`, listen on 127.0.0.1, or pass --allow-unauthenticated',
    );
  }
  const auth: AuthSettings = { store, log, closedWithoutTokens: !loopback && !options.allowUnauthenticated, loopbackOnly: loopback };
  const app = express();
  app.disable('x-powered-by');
  // No ETag: Express would hash every response body (3 MB for 10,000 trails) for a header GraphQL clients do not use.
  app.set('etag', false);
  // Express's last-resort handler sends stack traces outside production; this server never does.
  app.set('env', 'production');
  const suggestions = options.suggestions ?? false;
  const httpServer = createServer(app);
  const metrics = new RequestMetrics();
  let shuttingDown = false;
  app.use(accessLog(log, metrics));

  const filterLimits = filterLimitsOf(options.limits);
  const introspection = options.introspection ?? true;
  const apollo = createApolloServer({
    api,
    limits: { ...limits, ...filterLimits },
    introspection,
    suggestions,
    log,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer })],
  });
  await apollo.start();
  const pool = await startPool(options, { ...limits, ...filterLimits }, introspection, suggestions);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  // A damaged database is neither healthy nor ready; the check runs off the event loop, and starts now.
  const integrity = new IntegrityWatch(store, options.integrityIntervalMs);
  void integrity.current().catch(() => undefined);
  app.get('/healthz', async (_req, res) => {
    try {
      await store.ping();
      const damaged = integrityFailure(await integrity.current());
      if (damaged) return void res.status(503).json({ status: 'unavailable', reason: damaged });
      res.json({ status: 'ok' });
    } catch (error) {
      log.error({ err: error }, 'health check failed');
      res.status(503).json({ status: 'unavailable', reason: 'the inventory database cannot be read' });
    }
  });
  // Ready: the database answers a query (and the server is not shutting down); 503 with the reason otherwise.
  app.get('/readyz', async (_req, res) => {
    if (shuttingDown) return void res.status(503).json({ status: 'unavailable', reason: 'the server is shutting down' });
    try {
      await store.trailTotals();
      const damaged = integrityFailure(await integrity.current());
      if (damaged) return void res.status(503).json({ status: 'unavailable', reason: damaged });
      res.json({ status: 'ready' });
    } catch (error) {
      log.error({ err: error }, 'readiness check failed');
      const code = (error as { code?: unknown }).code;
      res.status(503).json({ status: 'unavailable', reason: `the inventory database does not answer a query${typeof code === 'string' ? ` (${code})` : ''}` });
    }
  });
  app.get('/metrics', requireToken('admin', auth), async (_req, res, next) => {
    try {
      res.type('text/plain; version=0.0.4; charset=utf-8').send(await metricsPage(store, metrics, pool?.stats()));
    } catch (error) {
      next(error);
    }
  });
  // GraphiQL for browsers (GET /graphql asking for HTML) and its files, all from the package: no CDN.
  app.use(graphiqlRoutes());
  // The posture dashboard at GET /: a page without data, a client of /graphql with the same tokens (README, The dashboard).
  app.use(dashboardRoutes({ schema: api.schema }));
  app.use(
    '/graphql',
    // Before the body is read: an unauthenticated client costs no parsing. The query page holds no data.
    requireToken('read', auth),
    express.json({ limit: MAX_BODY_BYTES, type: ['application/json', 'application/graphql-response+json'] }),
    refuseDeepNesting,
    async (req, res, next) => {
      const http = httpRequestOf(req);
      const caller = callerOf(res, loopback);
      const stop = requestStop(res, requestTimeoutMs, metrics);
      const route = pool ? routeRequest(http, api, limits) : undefined;
      try {
        const response =
          pool && route?.route === 'pool'
            ? await pool.run(http, caller, route.lane, stop.signal)
            : await runHttpGraphQL(apollo, http, (report) =>
                Object.assign(
                  createContext(
                    stoppableStore(store, () => stop.signal.aborted),
                    { caller, ...(options.exceptionRules ? { exceptionRules: options.exceptionRules } : {}) },
                  ),
                  { [REQUEST_REPORT]: report },
                ),
              );
        if (!stop.finish()) return;
        if (response.operationName) res.locals[OPERATION_NAME] = response.operationName;
        for (const [key, value] of response.headers) res.setHeader(key, value);
        const { body } = response;
        res.status(response.status).send(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      } catch (error) {
        if (!stop.finish()) return;
        if (error instanceof ServerBusyError) return answerBusy(res, error.message);
        next(error);
      }
    },
  );
  app.use((error: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    // Body-parser errors (malformed JSON, too large) are the client's; say what was wrong in GraphQL's error shape.
    if (res.headersSent) return next(error);
    // The token check on a PostgreSQL pool with no connection free.
    if (error instanceof StoreBusyError) return answerBusy(res, error.message);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log.error({ err: error }, 'request failed');
    const message =
      error.type === 'entity.too.large'
        ? `request body larger than ${MAX_BODY_BYTES} bytes`
        : error.type === 'entity.parse.failed'
          ? `request body is not valid JSON: ${error.message}`
          : status === 500
            ? 'Internal server error'
            : error.message;
    res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    await apollo.stop();
    await pool?.close();
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'the address is already in use' : code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : (error as Error).message;
    throw new ListenError(`cannot listen on ${options.host}:${options.port}: ${reason}`);
  }
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    // Stops accepting connections, lets requests in flight finish (the drain plugin), and says not ready meanwhile; the
    // integrity check in flight finishes too, so the caller may close the store and remove its file afterwards.
    ...(pool ? { pool } : {}),
    close: () => {
      if (!closing) {
        shuttingDown = true;
        log.info('shutting down: no new connections; finishing the requests in flight');
        closing = apollo
          .stop()
          .finally(() => pool?.close())
          .finally(() => integrity.idle());
      }
      return closing;
    },
  };
}

/** 503 SERVER_BUSY, with when to try again. */
function answerBusy(res: express.Response, message: string): void {
  res.status(503).set('retry-after', String(RETRY_AFTER_SECONDS)).json(busyBody(message));
}

/**
 * Who sent a request that requireToken let through: the token it presented; else, on loopback, this machine while no
 * token exists (mutations allowed, as "local"); else a server beyond loopback serving without tokens (reads only).
 */
function callerOf(res: express.Response, loopback: boolean): Caller {
  const auth = res.locals['auth'] as Authenticated | undefined;
  if (auth) return { kind: 'token', tokenId: auth.tokenId, scope: auth.scope };
  return loopback ? { kind: 'local' } : { kind: 'anonymous' };
}

/**
 * Both filter syntaxes (README, Querying: "Two filter syntaxes"): the parsed document's operator objects become the
 * schema's suffixes before validation (a cached document was stored so), and the variables' before the operation runs.
 */
function filterSyntaxPlugin(schema: GraphQLSchema): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async parsingDidStart(requestContext) {
          return async (error) => {
            if (!error && requestContext.document) {
              (requestContext as { document: DocumentNode }).document = normalizeFilterDocument(schema, requestContext.document);
            }
          };
        },
        async didResolveOperation(requestContext) {
          const { request, document, operationName } = requestContext;
          request.variables = normalizeFilterVariables(schema, document, request.variables, operationName);
        },
      };
    },
  };
}

/**
 * Appends stored fragments (AssetFragment, ...) that a request spreads but does not define, before Apollo parses it.
 * Text that does not parse, or has more tokens than allowed, is left as sent: Apollo's own parse reports it.
 */
function storedFragmentsPlugin(fragments: StoredFragments, limits: RequestLimits): ApolloServerPlugin<GraphQLContext> {
  const names = [...fragments.keys()];
  return {
    async requestDidStart({ request }) {
      const query = request.query;
      // Most requests name no stored fragment: skip the extra parse for them.
      if (typeof query !== 'string' || !names.some((name) => query.includes(name))) return;
      let missing: FragmentDefinitionNode[];
      try {
        missing = missingStoredFragments(parse(query, { noLocation: true, maxTokens: limits.maxTokens }), fragments);
      } catch {
        return;
      }
      if (missing.length > 0) request.query = `${query}\n\n${missing.map((f) => print(f)).join('\n\n')}\n`;
    },
  };
}

/**
 * What the validation rules cannot see: the cost of an operation whose list sizes come from variables, checked with the
 * request's values; and the token count of a document the parser gave up on, so the error can say it.
 */
function requestLimitsPlugin(api: InventoryApi, limits: RequestLimits): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation?.variableDefinitions?.length) return;
          const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
          const { error } = operationCost(api.schema, limits, operation, fragments, request.variables);
          if (error) {
            throw new GraphQLError(error.message, {
              nodes: operation,
              extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
        },
        async didEncounterErrors({ errors, source }) {
          for (const error of errors) {
            if (!/Document contains more (?:than|that) \d+ tokens/.test(error.message) || source === undefined) continue;
            const observed = countTokens(source);
            error.message = `the document has ${observed.exact ? '' : 'more than '}${observed.count} tokens; the maximum is ${limits.maxTokens} (maxTokens)`;
            Object.assign(error.extensions, { limit: { name: 'maxTokens', maximum: limits.maxTokens, observed: observed.count } });
          }
        },
      };
    },
  };
}

/** The lexical tokens of a document, as the parser counts them; up to the first lexical error when there is one. */
function countTokens(text: string): { count: number; exact: boolean } {
  const lexer = new Lexer(new Source(text));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) count += 1;
    return { count, exact: true };
  } catch {
    return { count, exact: false };
  }
}

/** Leaves each request's operation name where the access log and the metrics read it (runHttpGraphQL returns it). */
function operationNamePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const report = (contextValue as ServerContext)[REQUEST_REPORT];
      return {
        async didResolveOperation({ operationName }) {
          if (report && operationName) report.operationName = operationName;
        },
      };
    },
  };
}

/** A store that had no connection free in time (PostgreSQL's pool) makes the answer 503 with Retry-After, not 200 with an error. */
function serverBusyPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ errors, response }) {
          if (!errors?.some((error) => unwrapResolverError(error) instanceof StoreBusyError)) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}

/**
 * The deadline of a request and its client's leaving: either aborts `signal` (which stops the request's work); at the
 * deadline, the request is answered 504 REQUEST_TIMEOUT at once. `finish()` says whether the answer is still to give.
 */
function requestStop(res: express.Response, timeoutMs: number, metrics: RequestMetrics): { signal: AbortSignal; finish(): boolean } {
  const controller = new AbortController();
  let stopped: StopReason | undefined;
  const stopWith = (reason: StopReason) => {
    if (stopped) return;
    stopped = reason;
    metrics.stopped(reason);
    controller.abort(new RequestStopped(reason));
  };
  const timer = setTimeout(() => {
    stopWith('timeout');
    if (!res.headersSent) res.status(504).json(timeoutBody(timeoutMs));
  }, timeoutMs);
  const onClose = () => {
    if (!res.writableFinished) stopWith('disconnect');
  };
  res.on('close', onClose);
  return {
    signal: controller.signal,
    finish: () => {
      clearTimeout(timer);
      res.off('close', onClose);
      return stopped === undefined;
    },
  };
}

function maskInternalError(formatted: GraphQLFormattedError, error: unknown, log: Logger, suggestions: boolean): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const path = formatted.path ? { path: formatted.path } : {};
  if (original instanceof StoreBusyError) return { message: original.message, ...path, extensions: { code: 'SERVER_BUSY' } };
  // Stopped at its deadline or when its client left: answered already, nothing went wrong.
  if (original instanceof RequestStopped) return { message: original.message, ...path, extensions: { code: 'REQUEST_STOPPED' } };
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_ERROR_CODES.has(code)) {
    const { stacktrace: _omit, ...extensions } = formatted.extensions ?? {};
    let message = suggestions ? formatted.message : formatted.message.replace(/ ?Did you mean .+?\?(?=$|;|\n)/g, '');
    if (message.startsWith('GraphQL introspection is not allowed')) {
      message = 'introspection (__schema, __type) is turned off on this server (inventory serve --no-introspection)';
    }
    return { ...formatted, message, extensions };
  }
  log.error({ err: unwrapResolverError(error), path: formatted.path }, 'internal error in a GraphQL request');
  return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export type { Server };

/** The GraphQL workers for a SQLite file, when asked for; in-process (undefined) for anything else, or when they cannot start. */
async function startPool(options: ServerOptions, limits: RequestLimits & FilterLimits, introspection: boolean, suggestions: boolean): Promise<GraphQLPool | undefined> {
  const workers = options.workers ?? 0;
  const sqlite = options.store.kind === 'sqlite' ? (options.store as SqliteStore) : undefined;
  // A copy in memory (a WAL file this user cannot share) has nothing a worker's connection could open.
  if (workers < 1 || sqlite === undefined || sqlite.path === ':memory:' || sqlite.connection === 'in-memory copy') return undefined;
  const path = sqlite.path;
  try {
    return await GraphQLPool.start(
      {
        path,
        limits,
        introspection,
        suggestions,
        maxPageSize: pageLimitsOf(options.api.schema).maxPageSize,
        logLevel: options.log.level,
        ...(options.exceptionRules ? { exceptionRules: { controlIds: [...options.exceptionRules.controlIds], maxDays: options.exceptionRules.maxDays } } : {}),
        ...(options.workerRowDelayMs ? { rowDelayMs: options.workerRowDelayMs } : {}),
      },
      workers,
      options.log,
    );
  } catch (error) {
    // E.g. a file another user owns that a read-only connection cannot open beside the writer: serve as before.
    options.log.warn({ err: error }, 'the GraphQL workers could not start; every request runs in the server thread');
    return undefined;
  }
}
