// The HTTP server: Apollo Server on Express 5 (not startStandaloneServer: it fixes a 50 MB body limit and allows no
// other routes), /graphql per the GraphQL over HTTP spec with GraphiQL from the package, /healthz, /readyz, /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, Kind, Lexer, parse, print, Source, TokenKind, type FragmentDefinitionNode, type GraphQLFormattedError } from 'graphql';
import type { InventoryApi } from '../graphql/execute.js';
import { missingStoredFragments, type StoredFragments } from '../graphql/fragments.js';
import type { Caller, ExceptionRules } from '../graphql/exceptions.js';
import { createContext, type GraphQLContext } from '../graphql/schema.js';
import type { Logger } from '../log.js';
import { integrityFailure } from '../store/integrity.js';
import type { InventoryStore } from '../store/store.js';
import { isLoopbackHost, requireToken, type Authenticated, type AuthSettings } from './auth.js';
import { DEFAULT_LIMITS, operationCost, requestLimitRules, type RequestLimits } from './limits.js';
import { filterLimitsOf, type FilterLimits } from '../graphql/filter-limits.js';
import { filterLimitsPlugin, refuseDeepNesting } from './filter-limits.js';
import { accessLog, metricsPage, OPERATION_NAME, RequestMetrics } from './observability.js';
import { graphiqlRoutes } from './graphiql.js';
import { IntegrityWatch } from './integrity.js';

/** Request bodies above this are refused with 413 before any parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Error codes whose message is meant for the client; anything else is masked as an internal error. */
const CLIENT_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'FORBIDDEN',
  'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE',
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
}

export interface RunningServer {
  url: string;
  graphqlUrl: string;
  close(): Promise<void>;
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

  const apollo = new ApolloServer<GraphQLContext>({
    schema: api.schema,
    validationRules: [...api.validationRules, ...requestLimitRules(limits)],
    // The token limit stops the parser itself, before a huge document costs anything more.
    parseOptions: { maxTokens: limits.maxTokens },
    // Production behaviour is set explicitly: NODE_ENV (vitest sets "test") must not change what clients see.
    includeStacktraceInErrorResponses: false,
    introspection: options.introspection ?? true,
    // No "Did you mean ...?" naming schema fields in validation errors (formatError strips the rest, e.g. in variables).
    hideSchemaDetailsFromClientErrors: !suggestions,
    csrfPrevention: true,
    persistedQueries: false,
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => maskInternalError(formatted, error, log, suggestions),
    plugins: [
      filterLimitsPlugin(api.schema, filterLimitsOf(options.limits)),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Cache hints are computed per field by default: 130,000 hook calls for 10,000 trails, and no HTTP cache uses them.
      ApolloServerPluginCacheControlDisabled(),
      storedFragmentsPlugin(api.fragments, limits),
      requestLimitsPlugin(api, limits),
      operationNamePlugin(),
      // The page is answered by graphiqlRoutes before the token check, never by Apollo after it.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

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
      res.type('text/plain; version=0.0.4; charset=utf-8').send(await metricsPage(store, metrics));
    } catch (error) {
      next(error);
    }
  });
  // GraphiQL for browsers (GET /graphql asking for HTML) and its files, all from the package: no CDN.
  app.use(graphiqlRoutes());
  app.use(
    '/graphql',
    // Before the body is read: an unauthenticated client costs no parsing. The query page holds no data.
    requireToken('read', auth),
    express.json({ limit: MAX_BODY_BYTES, type: ['application/json', 'application/graphql-response+json'] }),
    refuseDeepNesting,
    expressMiddleware(apollo, {
      // The HTTP response rides along (Apollo copies the context per operation), for the operation name in the access log.
      context: async ({ res }) =>
        Object.assign(createContext(store, { caller: callerOf(res, loopback), ...(options.exceptionRules ? { exceptionRules: options.exceptionRules } : {}) }), {
          [HTTP_RESPONSE]: res,
        }),
    }),
  );
  app.use((error: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    // Body-parser errors (malformed JSON, too large) are the client's; say what was wrong in GraphQL's error shape.
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log.error({ err: error }, 'request failed');
    const message =
      error.type === 'entity.too.large' ? `request body larger than ${MAX_BODY_BYTES} bytes`
        : error.type === 'entity.parse.failed' ? `request body is not valid JSON: ${error.message}`
          : status === 500 ? 'Internal server error' : error.message;
    res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    await apollo.stop();
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
    // Stops accepting connections, lets requests in flight finish (the drain plugin), and says not ready meanwhile.
    close: () => {
      if (!closing) {
        shuttingDown = true;
        log.info('shutting down: no new connections; finishing the requests in flight');
        closing = apollo.stop();
      }
      return closing;
    },
  };
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
          const fragments = new Map(
            document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
          );
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

const HTTP_RESPONSE = Symbol('http response');
type ServerContext = GraphQLContext & { [HTTP_RESPONSE]?: express.Response };

/** Leaves each request's operation name where the access log and the metrics read it. */
function operationNamePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const res = (contextValue as ServerContext)[HTTP_RESPONSE];
      return {
        async didResolveOperation({ operationName }) {
          if (res && operationName) res.locals[OPERATION_NAME] = operationName;
        },
      };
    },
  };
}

function maskInternalError(formatted: GraphQLFormattedError, error: unknown, log: Logger, suggestions: boolean): GraphQLFormattedError {
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
