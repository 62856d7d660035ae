// inventory serve: the GraphQL API over the inventory, until SIGINT or SIGTERM.
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadControlCatalog } from '../../controls/load.js';
import { DEFAULT_MAX_EXCEPTION_DAYS } from '../../model/exceptions.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { MAX_PAGE_SIZE } from '../../graphql/pages.js';
import { createLogger, type LogLevel, type Logger } from '../../log.js';
import { CONTROLS_DIR } from '../../paths.js';
import { SEED_QUERY } from '../../server/query-page.js';
import { DEFAULT_LIMITS, type RequestLimits } from '../../server/limits.js';
import { DEFAULT_FILTER_LIMITS, FILTER_LIMIT_MAXIMA, type FilterLimits } from '../../graphql/filter-limits.js';
import { isLoopbackHost } from '../../server/auth.js';
import { startServer, UnprotectedListenError, type RunningServer } from '../../server/server.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../server/deadline.js';
import { defaultWorkerCount } from '../../server/graphql-pool.js';
import { openStore } from '../../store/open.js';
import { MAX_QUERY_LIMIT } from '../../store/common.js';
import type { InventoryStore } from '../../store/store.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import {
  dbOption,
  formatDuration,
  hostOption,
  logLevelOption,
  parseDuration,
  parsePositiveInt,
  parseWholeNumberUpTo,
  portOption,
  syncSettingOptions,
  type SyncSettings,
} from '../options.js';
import { printErr, printOut } from '../../terminal-text.js';
import { maxExceptionDaysOption } from './exceptions.js';

export const DEFAULT_PORT = 4000;

interface ServeFlags extends Partial<RequestLimits>, Partial<FilterLimits>, Omit<SyncSettings, 'requestTimeout'> {
  db: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  introspection: boolean;
  allowUnauthenticated?: boolean;
  maxPageSize: number;
  controls: string;
  maxExceptionDays: number;
  workers: number;
  requestTimeout: number;
  /** Milliseconds between scheduled syncs; none without --sync-every. */
  syncEvery?: number;
  syncRequestTimeout: number;
}

/** What `serveInventory` needs beyond the store: where to listen and how to answer. */
export interface ServeSettings {
  host: string;
  port: number;
  limits?: Partial<RequestLimits & FilterLimits>;
  introspection?: boolean;
  /** Listen beyond loopback although no API token exists. */
  allowUnauthenticated?: boolean;
  /** The most `options.limit` and `first` may ask for. */
  maxPageSize?: number;
  /** The control catalog folder, whose ids addException accepts (default: the shipped catalog). */
  controls?: string;
  /** The furthest ahead, in days, a new exception may expire (default DEFAULT_MAX_EXCEPTION_DAYS). */
  maxExceptionDays?: number;
  /** GraphQL worker threads over a SQLite file (default 0 here: in-process; `serve` defaults to defaultWorkerCount()). */
  workers?: number;
  /** How long a request may take before it is answered 504 and stopped (default DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Milliseconds between scheduled syncs, when the server runs them (said on start). */
  syncEveryMs?: number;
}

/** A flag-less switch given by its environment twin: true/false, 1/0, yes/no, on/off. */
export class BooleanEnvError extends Error {
  override name = 'BooleanEnvError';
}

export function booleanEnv(name: string, fallback: boolean): boolean {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  throw new BooleanEnvError(`${name}=${value}: expected true or false`);
}

/** A boolean flag wins over its environment twin; without either, the fallback. */
function switchValue(command: Command, key: string, env: string, fallback: boolean): boolean {
  return command.getOptionValueSource(key) === 'cli' ? Boolean(command.getOptionValue(key)) : booleanEnv(env, fallback);
}

type LimitKey = keyof RequestLimits | keyof FilterLimits;

/** The request limit flags, each with its environment twin. */
const LIMIT_FLAGS: readonly { flag: string; key: LimitKey; env: string; what: string }[] = [
  { flag: '--max-depth <n>', key: 'maxDepth', env: 'INVENTORY_MAX_DEPTH', what: 'most nested fields in a query (named fragments count as written out)' },
  { flag: '--max-aliases <n>', key: 'maxAliases', env: 'INVENTORY_MAX_ALIASES', what: 'most aliased fields in a query' },
  { flag: '--max-tokens <n>', key: 'maxTokens', env: 'INVENTORY_MAX_TOKENS', what: 'most lexical tokens in a query document' },
  {
    flag: '--max-cost <n>',
    key: 'maxCost',
    env: 'INVENTORY_MAX_COST',
    what: 'most objects a query may return (each list by its limit or bound, times the lists above it)',
  },
  { flag: '--max-filter-terms <n>', key: 'maxFilterTerms', env: 'INVENTORY_MAX_FILTER_TERMS', what: 'most comparisons in one where filter' },
  {
    flag: '--max-filter-depth <n>',
    key: 'maxFilterDepth',
    env: 'INVENTORY_MAX_FILTER_DEPTH',
    what: 'most levels of one where filter (AND, OR, NOT and relation filters each add one)',
  },
  { flag: '--max-in-values <n>', key: 'maxInValues', env: 'INVENTORY_MAX_IN_VALUES', what: 'most values in one _IN or _NOT_IN list' },
];

const LIMIT_DEFAULTS: RequestLimits & FilterLimits = { ...DEFAULT_LIMITS, ...DEFAULT_FILTER_LIMITS };

/** A limit's value: a positive integer, at most what the where compiler accepts for a filter limit. */
function limitParser(key: LimitKey): (value: string) => number {
  const maximum = (FILTER_LIMIT_MAXIMA as Partial<Record<LimitKey, number>>)[key];
  return (value) => {
    const n = parsePositiveInt(value);
    if (maximum !== undefined && n > maximum) throw new InvalidArgumentError(`expected at most ${maximum}`);
    return n;
  };
}

export function limitOptions(): Option[] {
  return LIMIT_FLAGS.map(({ flag, key, env, what }) => new Option(flag, what).env(env).default(LIMIT_DEFAULTS[key]).argParser(limitParser(key)));
}

function limitsOf(flags: Partial<RequestLimits & FilterLimits>): Partial<RequestLimits & FilterLimits> {
  return Object.fromEntries(LIMIT_FLAGS.filter(({ key }) => flags[key] !== undefined).map(({ key }) => [key, flags[key]]));
}

/** The most GraphQL workers serve starts: more would only share the same CPUs. */
const MAX_WORKERS = 64;

function parsePageSize(value: string): number {
  const n = parsePositiveInt(value);
  if (n > MAX_QUERY_LIMIT) throw new InvalidArgumentError(`expected at most ${MAX_QUERY_LIMIT}`);
  return n;
}

export function serveCommand(outcome: CommandOutcome): Command {
  const command = new Command('serve')
    .description(
      'Serve the inventory over GraphQL at /graphql (POST and GET), with /healthz, /readyz and /metrics (Prometheus); SIGTERM or SIGINT finishes the requests in flight, then stops.',
    )
    .addOption(dbOption())
    .addOption(portOption(DEFAULT_PORT))
    .addOption(hostOption())
    .addOption(logLevelOption())
    .addOption(
      new Option(
        '--no-introspection',
        'refuse __schema and __type queries (env: INVENTORY_INTROSPECTION=false); on by default: GraphiQL and the graphql-http audit (its MUST check BF61) need it',
      ),
    )
    .addOption(
      new Option(
        '--allow-unauthenticated',
        'listen on a non-loopback --host although no API token exists (env: INVENTORY_ALLOW_UNAUTHENTICATED=true); without it serve refuses to start',
      ),
    );
  for (const option of limitOptions()) command.addOption(option);
  command.addOption(
    new Option(
      '--max-page-size <n>',
      `most items one list or page may return (limit, options.limit, first; a top-level list without a limit; at most ${MAX_QUERY_LIMIT})`,
    )
      .env('INVENTORY_MAX_PAGE_SIZE')
      .default(MAX_PAGE_SIZE)
      .argParser(parsePageSize),
  );
  command.addOption(
    new Option(
      '--controls <dir>',
      "the control catalog folder, ours (YAML files) or Cyscale's layout (controls/*.json, queries/*.json): addException accepts its control ids",
    )
      .env('INVENTORY_CONTROLS')
      .default(CONTROLS_DIR),
  );
  command.addOption(maxExceptionDaysOption());
  command.addOption(
    new Option('--workers <n>', 'worker threads that run GraphQL reads over a SQLite file, each on a read-only connection (0: all in the server thread)')
      .env('INVENTORY_SERVE_WORKERS')
      .default(defaultWorkerCount())
      .argParser(parseWholeNumberUpTo(MAX_WORKERS)),
  );
  command.addOption(
    new Option(
      '--request-timeout <ms>',
      'milliseconds a request may take before it is answered 504 and stopped (PostgreSQL: also statement_timeout, unless the URL sets one)',
    )
      .env('INVENTORY_SERVE_REQUEST_TIMEOUT_MS')
      .default(DEFAULT_REQUEST_TIMEOUT_MS)
      .argParser(parsePositiveInt),
  );
  command.addOption(
    new Option(
      '--sync-every <duration>',
      'run the sync in this process once per period, e.g. 30s, 15m, 1h or 1h30m (README, "Scheduled syncs"); on PostgreSQL one replica syncs at a time',
    )
      .env('INVENTORY_SYNC_EVERY')
      .argParser(parseDuration),
  );
  // The sync's own options, as `inventory sync` takes them: what each scheduled sync syncs and within which limits.
  const syncOptions = syncSettingOptions('--sync-request-timeout <ms>');
  for (const option of syncOptions) {
    option.description = `scheduled syncs: ${option.description}`;
    command.addOption(option);
  }
  // Wide enough that each flag's default and environment twin stay on one line beside the long --allow-unauthenticated.
  command.configureHelp({ helpWidth: 132 });
  return command.action(async (flags: ServeFlags) => {
    let introspection: boolean;
    let allowUnauthenticated: boolean;
    try {
      introspection = switchValue(command, 'introspection', 'INVENTORY_INTROSPECTION', true);
      allowUnauthenticated = switchValue(command, 'allowUnauthenticated', 'INVENTORY_ALLOW_UNAUTHENTICATED', false);
    } catch (error) {
      if (!(error instanceof BooleanEnvError)) throw error;
      printErr(`inventory: ${error.message}\n`);
      outcome.exitCode = EXIT.badInput;
      return;
    }
    // A sync option given without --sync-every would do nothing: the user meant something else.
    const unused = flags.syncEvery === undefined && syncOptions.find((option) => command.getOptionValueSource(option.attributeName()) === 'cli');
    if (unused) {
      printErr(`inventory: ${unused.long} applies to scheduled syncs: give --sync-every too\n`);
      outcome.exitCode = EXIT.badInput;
      return;
    }
    // Loaded only to sync, so that serving alone never loads the AWS SDK; a broken accounts file is bad input, said
    // before anything starts, as `inventory sync` says it.
    const scheduling = flags.syncEvery === undefined ? undefined : await loadScheduling(flags.accounts);
    const log = createLogger(flags.logLevel);
    // Scheduled syncs write the inventory as `inventory sync` does, through a store of their own: it may create the
    // inventory, and no request's statement timeout applies to a sync's writes (README, "Scheduled syncs").
    const syncStore = flags.syncEvery === undefined ? undefined : await openStore(flags.db, 'create');
    try {
      // Serving only reads the inventory; on a file this user cannot write, token uses go unrecorded and mutations fail.
      // No PostgreSQL statement outlives its request (the URL's statement_timeout, when set, wins).
      const store = await openStore(flags.db, 'read', { postgresDefaults: { statementTimeoutMs: flags.requestTimeout } });
      try {
        // Listening before the ready line is printed: a SIGTERM sent as soon as it appears stops the server, never kills it.
        const stopped = untilStopped();
        let server: RunningServer;
        try {
          const settings: ServeSettings = {
            host: flags.host,
            port: flags.port,
            limits: limitsOf(flags),
            introspection,
            allowUnauthenticated,
            maxPageSize: flags.maxPageSize,
            controls: flags.controls,
            maxExceptionDays: flags.maxExceptionDays,
            workers: flags.workers,
            requestTimeoutMs: flags.requestTimeout,
            ...(flags.syncEvery === undefined ? {} : { syncEveryMs: flags.syncEvery }),
          };
          server = await serveInventory(store, settings, log);
        } catch (error) {
          if (!(error instanceof UnprotectedListenError)) throw error;
          printErr(`inventory: ${error.message}\n`);
          outcome.exitCode = EXIT.badInput;
          return;
        }
        const sync: SyncSettings = { ...flags, requestTimeout: flags.syncRequestTimeout };
        const schedule =
          syncStore &&
          scheduling &&
          new scheduling.SyncSchedule({
            everyMs: flags.syncEvery!,
            store: syncStore,
            sync: (signal, syncLog) => scheduling.runSync(syncStore, sync, scheduling.config, { signal, log: syncLog }),
            log,
          });
        schedule?.start();
        await stopped;
        if (schedule) {
          // As Ctrl-C stops `inventory sync`: the accounts in progress finish, unless the signal comes again.
          const now = (): never => process.exit(EXIT.operational);
          process.once('SIGINT', now).once('SIGTERM', now);
          await schedule.stop();
        }
        await server.close();
      } finally {
        await store.close();
      }
    } finally {
      await syncStore?.close();
    }
  });
}

/** What scheduled syncs need beyond serving: the sync's code and the accounts file, read now. */
async function loadScheduling(accountsFile: string | undefined) {
  const [{ loadAccountsConfig }, { SyncSchedule }, { runSync }] = await Promise.all([
    import('../../sync/accounts-config.js'),
    import('../../sync/schedule.js'),
    import('./sync.js'),
  ]);
  return { config: accountsFile ? loadAccountsConfig(accountsFile) : undefined, SyncSchedule, runSync };
}

/** Starts the server and tells the user where it is and what to ask it. */
export async function serveInventory(store: InventoryStore, flags: ServeSettings, log: Logger): Promise<RunningServer> {
  const api = createInventoryApi(flags.maxPageSize ? { maxPageSize: flags.maxPageSize } : {});
  // The catalog is read here, not by the server: an exception added through the API must name one of its controls.
  const controlIds = loadControlCatalog(api, flags.controls ?? CONTROLS_DIR).map((control) => control.id);
  const server = await startServer({
    store,
    api,
    host: flags.host,
    port: flags.port,
    log,
    ...(flags.limits ? { limits: flags.limits } : {}),
    introspection: flags.introspection ?? true,
    // Suggestions name schema fields to whoever asks: only for development.
    suggestions: process.env['NODE_ENV'] === 'development',
    allowUnauthenticated: flags.allowUnauthenticated ?? false,
    exceptionRules: { controlIds, maxDays: flags.maxExceptionDays ?? DEFAULT_MAX_EXCEPTION_DAYS },
    workers: flags.workers ?? 0,
    ...(flags.requestTimeoutMs ? { requestTimeoutMs: flags.requestTimeoutMs } : {}),
  });
  const tokens = (await store.listApiTokens()).length;
  const access =
    tokens > 0
      ? `API tokens required: ${tokens} exist; send "Authorization: Bearer <token>"`
      : isLoopbackHost(flags.host)
        ? 'no API token exists, so it listens on this loopback address only and asks for none; `inventory token create` to require one'
        : 'WITHOUT authentication (--allow-unauthenticated)';
  if (tokens === 0 && !isLoopbackHost(flags.host)) {
    printErr(`inventory: warning: listening on ${flags.host} without authentication (--allow-unauthenticated); anyone who can reach it can read the inventory\n`);
  }
  printOut(
    [
      `GraphQL API at ${server.graphqlUrl} (${access}; a query page for browsers; ${server.url}/healthz, /readyz and /metrics)`,
      `Posture dashboard at ${server.url}/ (a browser page whose data comes from this API, with the same tokens)`,
      'Try the stored check of the KMS control:',
      `  curl -s ${server.graphqlUrl} -H 'content-type: application/json'${tokens > 0 ? ` -H 'authorization: Bearer <token>'` : ''} \\`,
      `    -d '${JSON.stringify({ query: SEED_QUERY })}'`,
      ...(server.pool
        ? [
            `GraphQL reads run in ${server.pool.stats().workers} worker threads (--workers); a request still running after ${flags.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS} ms is answered 504 and stopped (--request-timeout).`,
          ]
        : []),
      ...(flags.syncEveryMs === undefined
        ? []
        : [
            `Syncs the inventory every ${formatDuration(flags.syncEveryMs)} (--sync-every): periods aligned on the Unix epoch, each synced once by the process that claims it; progress in syncRuns.`,
          ]),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  return server;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
