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
