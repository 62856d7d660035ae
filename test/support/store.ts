// A fresh SQLite inventory in a temporary folder per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export interface TempStore {
  store: SqliteStore;
  dir: string;
  path: string;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'inventory-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function openTempStore(): TempStore {
  const dir = tempDir();
  const path = join(dir, 'inventory.db');
  const store = SqliteStore.open(path);
  return {
    store,
    dir,
    path,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Counts the rows written (inserted, updated or deleted) in the given tables, through temporary triggers on the
 * store's own connection. `read()` gives the count per table since the last `reset()`.
 */
export function countRowWrites(store: SqliteStore, tables: readonly string[]): { read(): Record<string, number>; reset(): void } {
  store.db.exec(`CREATE TEMP TABLE IF NOT EXISTS row_writes (table_name TEXT NOT NULL)`);
  for (const table of tables) {
    for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
      store.db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS count_${table}_${event.toLowerCase()} AFTER ${event} ON main.${table}
                     BEGIN INSERT INTO row_writes (table_name) VALUES ('${table}'); END`);
    }
  }
  return {
    read() {
      const rows = store.db.prepare(`SELECT table_name, count(*) AS n FROM row_writes GROUP BY table_name`).all() as { table_name: string; n: number }[];
      return Object.fromEntries(tables.map((table) => [table, rows.find((r) => r.table_name === table)?.n ?? 0]));
    },
    reset() {
      store.db.exec(`DELETE FROM row_writes`);
    },
  };
}
