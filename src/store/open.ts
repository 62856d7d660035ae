// Picks the store from the database location: a file path is SQLite (the default); a PostgreSQL URL is refused
// until the PostgreSQL store lands, rather than silently writing somewhere else.
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { InventoryStore } from './store.js';

export const DEFAULT_DB = './data/inventory.db';

export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

export async function openStore(location: string): Promise<InventoryStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) {
    throw new StoreConfigError(`${redact(location)}: the PostgreSQL store is not available in this version; use a SQLite file path`);
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

/** Database URLs may carry passwords; error messages never show them. */
function redact(location: string): string {
  return location.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
