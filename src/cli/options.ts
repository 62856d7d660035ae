// The options several commands share, each with its environment twin (a flag wins over its variable).
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_DB } from '../store/open.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS, MAX_SDK_THREADS, SDK_THREADS_LIMIT, THREADS_FROM_ACCOUNTS } from '../sync/settings.js';

export function dbOption(): Option {
  return new Option('--db <path>', 'the inventory database: a SQLite file path').env('INVENTORY_DB').default(DEFAULT_DB);
}

export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'log detail on stderr (JSON lines; readable lines on a terminal)')
    .choices(['debug', 'info', 'warn', 'error', 'silent'])
    .env('LOG_LEVEL')
    .default('warn');
}

export function portOption(defaultPort: number): Option {
  return new Option('--port <n>', 'TCP port to listen on (0 picks a free one)').env('PORT').default(defaultPort).argParser(parsePort);
}

export function hostOption(): Option {
  return new Option('--host <address>', 'address to listen on').env('HOST').default('127.0.0.1');
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A parser of whole numbers from 0 to `max` (0 usually meaning: none of these threads). */
export function parseWholeNumberUpTo(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`expected a whole number from 0 to ${max}`);
    return n;
  };
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

/** The longest period `--sync-every` takes: a week (a longer wait is for a scheduler outside). */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1_000];

/** A duration such as 30s, 15m, 1h or 1h30m (units d, h, m, s, largest first), in milliseconds: from 1s to a week. */
export function parseDuration(value: string): number {
  const match = DURATION.exec(value);
  if (value === '' || !match) throw new InvalidArgumentError('expected a duration such as 30s, 15m, 1h or 1h30m (units d, h, m and s, largest first)');
  const ms = UNIT_MS.reduce((total, unit, i) => total + Number(match[i + 1] ?? 0) * unit, 0);
  if (ms < 1_000) throw new InvalidArgumentError('expected at least 1s');
  if (ms > MAX_DURATION_MS) throw new InvalidArgumentError('expected at most 7d');
  return ms;
}

/** A duration as parseDuration reads it: 90 minutes is 1h30m. */
export function formatDuration(ms: number): string {
  let rest = Math.floor(ms / 1_000) * 1_000;
  const parts: string[] = [];
  for (const [i, unit] of UNIT_MS.entries()) {
    const count = Math.floor(rest / unit);
    rest -= count * unit;
    if (count > 0) parts.push(`${count}${'dhms'[i]}`);
  }
  return parts.join('') || '0s';
}

/** What a sync is given on the command line: `inventory sync`'s options, which scheduled syncs take too (serve --sync-every). */
export interface SyncSettings {
  accounts?: string;
  regions?: string[];
  maxAttempts: number;
  concurrency: number;
  accountConcurrency: number;
  rateLimit: number;
  requestTimeout: number;
  threads?: number;
}

/**
 * The options of the sync itself, in `inventory sync`'s order, shared with `serve --sync-every`: what to sync and within
 * which limits. Serve names the AWS call timeout --sync-request-timeout (its --request-timeout is an HTTP request's).
 */
export function syncSettingOptions(requestTimeoutFlag = '--request-timeout <ms>'): Option[] {
  return [
    new Option(
      '--accounts <file>',
      'accounts configuration (YAML): roles to assume, or AWS Organizations discovery; default: the account of the standard credentials',
    ).env('INVENTORY_ACCOUNTS'),
    new Option('--regions <list>', 'comma-separated regions; default: every region enabled for each account').env('INVENTORY_REGIONS').argParser(parseRegions),
    new Option('--concurrency <n>', 'AWS calls in flight at once, across all accounts')
      .env('INVENTORY_CONCURRENCY')
      .default(DEFAULT_LIMITS.concurrency)
      .argParser(parsePositiveInt),
    new Option('--account-concurrency <n>', 'AWS calls in flight at once in one account')
      .env('INVENTORY_ACCOUNT_CONCURRENCY')
      .default(DEFAULT_LIMITS.accountConcurrency)
      .argParser(parsePositiveInt),
    new Option('--rate-limit <n>', 'AWS calls per second per account, region and service')
      .env('INVENTORY_RATE_LIMIT')
      .default(DEFAULT_LIMITS.callsPerSecond)
      .argParser(parsePositiveInt),
    new Option('--max-attempts <n>', 'attempts per AWS call; throttling and transient errors are retried with backoff and jitter')
      .env('AWS_MAX_ATTEMPTS')
      .default(DEFAULT_MAX_ATTEMPTS)
      .argParser(parsePositiveInt),
    new Option(requestTimeoutFlag, 'milliseconds before one AWS call is abandoned as timed out')
      .env('INVENTORY_REQUEST_TIMEOUT_MS')
      .default(DEFAULT_REQUEST_TIMEOUT_MS)
      .argParser(parsePositiveInt),
    new Option('--threads <n>', 'threads that make the AWS calls (0: all on the main thread)')
      .env('INVENTORY_SYNC_THREADS')
      .default(undefined, `${MAX_SDK_THREADS} for ${THREADS_FROM_ACCOUNTS} accounts or more on a machine of 2 CPUs or more, else 0`)
      .argParser(parseWholeNumberUpTo(SDK_THREADS_LIMIT)),
  ];
}

/** AWS region names: us-east-1, ap-southeast-4, us-gov-west-1, eusc-de-east-1, ... */
const REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

function parseRegions(value: string): string[] {
  const regions = [
    ...new Set(
      value
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
  if (regions.length === 0) throw new InvalidArgumentError('expected a comma-separated list of regions, e.g. us-east-1,eu-west-1');
  const invalid = regions.filter((r) => !REGION_NAME.test(r));
  if (invalid.length > 0) throw new InvalidArgumentError(`not a region name: ${invalid.join(', ')}`);
  return regions;
}
