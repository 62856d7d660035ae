// A fresh inventory per test: SQLite in a temporary folder, or, when INVENTORY_TEST_DB=postgres, PostgreSQL in a schema
// of its own in the database INVENTORY_TEST_POSTGRES_URL names (dropped at cleanup). The same tests then prove that
// both stores keep one contract (npm run test:postgres).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { InventoryStore } from '../../src/store/store.js';
import type { AssetTypeDefinition } from '../../src/assets/definition.js';

export type TestBackend = 'sqlite' | 'postgres';

/** The backend the store tests run against: SQLite unless INVENTORY_TEST_DB=postgres. */
export const TEST_BACKEND: TestBackend = process.env.INVENTORY_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** True when this run proves the PostgreSQL store: tests that read SQLite's own machinery skip themselves by it. */
export const ON_POSTGRES = TEST_BACKEND === 'postgres';

type Row = Record<string, unknown>;

export interface TempStore {
  store: InventoryStore;
  backend: TestBackend;
  dir: string;
  /** The SQLite file, or the PostgreSQL URL with the test's schema in it. */
  path: string;
  /** Runs one statement on the store's database (`?` placeholders on both backends); rows as objects. */
  sql(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Opens the same inventory again (as another process would), with store options of the backend. */
  reopen(options?: { staleRunMs?: number; assetTypes?: readonly AssetTypeDefinition[] }): Promise<InventoryStore>;
  cleanup(): Promise<void>;
}

export interface TempSqliteStore {
  store: SqliteStore;
  dir: string;
  path: string;
  cleanup(): Promise<void>;
}

/**
 * Removes a test's folder. Retried a few times: a server's integrity check, in a worker thread, may still be closing its
 * read-only connection to the file (and its -shm) while the folder is removed.
 */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
}

export function tempDir(prefix = 'inventory-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An empty inventory at `path`, as `inventory migrate` makes one: for commands that need an inventory but no sync. */
export function createInventory(path: string): string {
  SqliteStore.open(path).db.close();
  return path;
}

/** A fresh SQLite inventory, whatever the backend under test: for tests of SQLite itself (files, pragmas, plans). */
export function openTempSqliteStore(): TempSqliteStore {
  const dir = tempDir();
  const path = join(dir, 'inventory.db');
  const store = SqliteStore.open(path);
  return {
    store,
    dir,
    path,
    async cleanup() {
      await store.close();
      removeDir(dir);
    },
  };
}

/** A fresh inventory on the backend under test. */
export async function openTempStore(): Promise<TempStore> {
  return TEST_BACKEND === 'postgres' ? openTempPostgresStore() : openTempSqliteStoreAsContract();
}

function openTempSqliteStoreAsContract(): TempStore {
  const sqlite = openTempSqliteStore();
  const temp: TempStore = {
    store: sqlite.store,
    backend: 'sqlite',
    dir: sqlite.dir,
    path: sqlite.path,
    async sql(text, params = []) {
      const statement = (temp.store as SqliteStore).db.prepare(text);
      return statement.reader ? (statement.all(...params) as Row[]) : (statement.run(...params), []);
    },
    async reopen(options = {}) {
      return SqliteStore.open(sqlite.path, options);
    },
    async cleanup() {
      await temp.store.close();
      removeDir(sqlite.dir);
    },
  };
  return temp;
}

export function postgresTestUrl(): string {
  const url = process.env.INVENTORY_TEST_POSTGRES_URL;
  if (!url) throw new Error('INVENTORY_TEST_DB=postgres needs INVENTORY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
  return url;
}

/** A schema of its own in the test database, dropped at cleanup. */
export async function createTestSchema(): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const base = postgresTestUrl();
  const schema = `inventory_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return {
    schema,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function openTempPostgresStore(): Promise<TempStore> {
  const dir = tempDir();
  const { url, schema, drop } = await createTestSchema();
  const store = await PostgresStore.open(url);
  let cleaned = false;
  const temp: TempStore = {
    store,
    backend: 'postgres',
    dir,
    path: url,
    async sql(text, params = []) {
      let n = 0;
      const client = new pg.Client({ connectionString: postgresTestUrl(), options: `-c search_path=${schema}` });
      await client.connect();
      try {
        return (
          await client.query(
            text.replace(/\?/g, () => `$${++n}`),
            params as unknown[],
          )
        ).rows as Row[];
      } finally {
        await client.end();
      }
    },
    async reopen(options = {}) {
      return PostgresStore.open(url, options);
    },
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await temp.store.close();
      await drop();
      removeDir(dir);
    },
  };
  return temp;
}

/**
 * Counts the rows written (inserted, updated or deleted) in the given tables, through temporary triggers on the
 * store's own connection. `read()` gives the count per table since the last `reset()`. SQLite only: it needs the
 * store's single connection.
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

/** The SQLite store behind a temp store, for tests that read SQLite's own machinery (statements, plans, triggers). */
export function sqliteOf(temp: { store: InventoryStore }): SqliteStore {
  if (!(temp.store instanceof SqliteStore)) throw new Error('this test reads SQLite internals: run it with the SQLite backend');
  return temp.store;
}
