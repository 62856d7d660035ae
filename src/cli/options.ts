// The options several commands share, each with its environment twin (a flag wins over its variable).
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_DB } from '../store/open.js';

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
