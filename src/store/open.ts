// Picks the store from the database location: a postgres:// URL is PostgreSQL, anything else a SQLite file path (the
// default). A database that cannot be reached or used is a StoreConfigError that says which, never with its password.
import { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { InventoryStore } from './store.js';

export const DEFAULT_DB = './data/inventory.db';

export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

/** `postgresDefaults`: settings of a PostgreSQL store that its URL's parameters override (serve's statement timeout). */
export async function openStore(location: string, options: { postgresDefaults?: PostgresStoreOptions } = {}): Promise<InventoryStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) {
    try {
      return await PostgresStore.open(location, {}, options.postgresDefaults);
    } catch (error) {
      const reason = connectionProblem(error);
      if (reason) throw new StoreConfigError(`${redact(location)}: cannot open the PostgreSQL inventory (${redact(reason)})`);
      throw error;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new StoreConfigError(`${redact(location)}: unsupported database URL; give a SQLite file path such as ${DEFAULT_DB}`);
  }
  try {
    return SqliteStore.open(location);
  } catch (error) {
    // A wrong path or a file that is not a database is the user's input to fix, not an internal failure.
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_CORRUPT') {
      throw new StoreConfigError(`${location}: cannot use this file as the inventory database (${(error as Error).message})`);
    }
    throw error;
  }
}

/** PostgreSQL errors that are the location's to fix (unreachable, refused, wrong credentials or database), in words. */
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', '28P01', '28000', '3D000', '42501']);

function connectionProblem(error: unknown): string | undefined {
  const { code, message } = error as { code?: string; message?: string };
  if (error instanceof TypeError && /Invalid URL/i.test(message ?? '')) return 'not a valid URL';
  if (/must be a positive integer|schema must be/.test(message ?? '')) return message;
  if (code !== undefined && CONNECTION_ERRORS.has(code)) return `${code}: ${message ?? ''}`;
  if (/timeout exceeded when trying to connect|Connection terminated/i.test(message ?? '')) return message;
  return undefined;
}

/** Database URLs may carry passwords; error messages never show them. */
export function redact(location: string): string {
  return location.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
