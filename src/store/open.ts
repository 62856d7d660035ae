// Picks the store from the database location: a postgres:// URL is PostgreSQL, anything else a SQLite file path (the
// default). A database that cannot be reached or used is a StoreConfigError that says which, never with its password;
// a file the command cannot read or write as it needs is a StoreAccessError naming it (README, The inventory file).
import { fileProblem, redact, StoreConfigError, type StoreAccess } from './location.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { InventoryStore } from './store.js';

export { redact, StoreAccessError, StoreConfigError, type StoreAccess } from './location.js';

export const DEFAULT_DB = './data/inventory.db';

/**
 * Opens the inventory for what the command does with it: only `create` may make a new one. `postgresDefaults`: settings
 * of a PostgreSQL store that its URL's parameters override (serve's statement timeout).
 */
export async function openStore(location: string, access: StoreAccess, options: { postgresDefaults?: PostgresStoreOptions } = {}): Promise<InventoryStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) {
    try {
      return await PostgresStore.open(location, { access }, options.postgresDefaults);
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
    return SqliteStore.open(location, { access });
  } catch (error) {
    // A wrong path or a file that is not a database is the user's input to fix, not an internal failure.
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_CORRUPT') {
      throw new StoreConfigError(`${location}: cannot use this file as the inventory database (${(error as Error).message})`);
    }
    throw error;
  }
}

/**
 * Opens the inventory, runs `use` on it and closes it. The file failing under the command (a full disk, a read-only
 * file, an I/O error) is one line naming it, never a stack trace.
 */
export async function withStore<T>(location: string, access: StoreAccess, use: (store: InventoryStore) => Promise<T>): Promise<T> {
  const store = await openStore(location, access);
  try {
    return await use(store);
  } catch (error) {
    throw fileProblem(error, redact(location)) ?? error;
  } finally {
    await store.close();
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
