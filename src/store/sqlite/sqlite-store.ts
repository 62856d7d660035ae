// The embedded default store: one SQLite file in WAL mode, migrated on open. The semantics are the store core's
// (src/store/core/store-core.ts); this part supplies the connection, prepared statements, one writer at a time (an
// IMMEDIATE transaction per write) and what only SQLite has: the file, its integrity check and its change stamp.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AssetTypeDefinition } from '../../assets/definition.js';
import { MIGRATIONS_DIR } from '../../paths.js';
import { MAX_QUERY_LIMIT, now, STALE_RUN_MS } from '../common.js';
import { driveSync, type Operation, type Statement } from '../core/operation.js';
import { StoreCore } from '../core/store-core.js';
import { SQLITE_DIALECT } from '../dialect.js';
import { fileProblem, noInventory, StoreAccessError, StoreConfigError, type StoreAccess } from '../location.js';
import { loadMigrations, MigrationError, pendingMigrations, type AppliedMigration } from '../migrations.js';
import type { IntegrityReport, InventoryStore, SyncLeadership } from '../store.js';
import { matchPattern } from '../regex.js';
import { SqliteBulkSource } from './bulk.js';
import { canWriteInventory, createInventoryFile, INVENTORY_APPLICATION_ID, inspectInventoryFile, readOnlyConnection, type ReadOnlyKind } from './inventory-file.js';
import { checkIntegrityHere, checkIntegrityInWorker, sqliteChangeStamp } from './integrity.js';

export { SQLITE_DIALECT, MAX_QUERY_LIMIT, STALE_RUN_MS };

export interface SqliteStoreOptions {
  migrationsDir?: string;
  /** How old a running run's heartbeat may get before the run counts as interrupted (tests shorten it). */
  staleRunMs?: number;
  /** What the caller does with the file (README, The inventory file); create by default (tests, benchmarks). */
  access?: StoreAccess;
  /** The asset types held (the registry's by default; a test adds a type of its own). */
  assetTypes?: readonly AssetTypeDefinition[];
}

/** How the store's connection reaches the file: read-write, read-only through SQLite, or a read-only copy in memory. */
export type SqliteConnectionKind = 'read-write' | ReadOnlyKind;

export interface SqliteReaderOptions {
  staleRunMs?: number;
  /**
   * Called for every row a filtered statement of trails or accounts considers (the SQL function rowCheck()): throwing
   * stops the statement where it is, so a request past its deadline or whose client left stops reading (README, "No
   * request stops the server").
   */
  rowCheck?: () => void;
}

const MAX_CACHED_STATEMENTS = 200;

export class SqliteStore extends StoreCore implements InventoryStore {
  readonly kind = 'sqlite' as const;
  private closed = false;
  /** Prepared statements by SQL text: preparing costs more than running for the small statements a sync repeats. */
  private readonly statements = new Map<string, Database.Statement>();
  /** Statements whose rows are arrays, apart from the others so that a cached statement never changes mode. */
  private readonly rawStatements = new Map<string, Database.Statement>();
  private readonly execute = (statement: Statement): unknown => {
    switch (statement.kind) {
      case 'all':
        return this.prepared(this.statements, statement.sql).all(...statement.params);
      case 'raw': {
        const prepared = this.prepared(this.rawStatements, statement.sql, true);
        return { columns: prepared.columns().map((c) => c.name), rows: prepared.all(...statement.params) };
      }
      case 'run':
        return this.prepared(this.statements, statement.sql).run(...statement.params).changes;
      case 'insertMany': {
        const row = statement.rows[0]!;
        const prepared = this.prepared(this.statements, `${statement.sql} (${row.map(() => '?').join(', ')})${statement.suffix}`);
        for (const values of statement.rows) prepared.run(...values);
        return undefined;
      }
      case 'lock':
        return undefined; // one writer at a time: every write is an IMMEDIATE transaction
    }
  };

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
    staleRunMs: number,
    readonly connection: SqliteConnectionKind = 'read-write',
    rowCheck?: () => void,
    assetTypes?: readonly AssetTypeDefinition[],
  ) {
    // Commits of other connections move data_version; this connection's own writes move total_changes().
    const dataVersion = `SELECT total_changes() || ':' || data_version AS version FROM pragma_data_version`;
    super({ dialect: SQLITE_DIALECT, rowCheck: 'rowCheck()', locking: false, assetTypes, dataVersion }, staleRunMs);
    db.function('rowCheck', { deterministic: false }, rowCheck ? () => (rowCheck(), 1) : () => 1);
    // `_MATCHES` (src/store/regex.ts): RE2, linear in the text whatever the pattern. A pattern reaches here checked.
    db.function('inventory_matches', { deterministic: true }, (text: unknown, pattern: unknown) =>
      typeof text === 'string' && typeof pattern === 'string' ? (matchPattern(pattern).matches(text) ? 1 : 0) : null,
    );
  }

  /**
   * Opens the inventory file for `options.access` (create by default) and applies pending migrations. Nothing is
   * written before the file is known to be an inventory, or empty or new where it may be created; a file this user
   * cannot write is opened read-only for read access and refused for the others.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const access = options.access ?? 'create';
    const migrationsDir = options.migrationsDir ?? join(MIGRATIONS_DIR, 'sqlite');
    const staleRunMs = options.staleRunMs ?? STALE_RUN_MS;
    if (path === ':memory:') return new SqliteStore(openToWrite(path, migrationsDir), path, staleRunMs, 'read-write', undefined, options.assetTypes);
    const state = inspectInventoryFile(path);
    if (state !== 'inventory' && access !== 'create') throw noInventory(path);
    if (state === 'missing') createInventoryFile(path);
    if (!canWriteInventory(path)) {
      if (access !== 'read')
        throw new StoreAccessError(`${path}: this user cannot write it (read-only here); commands that only read it work, such as check --no-record`);
      const { db, kind } = readOnlyConnection(path);
      try {
        const pending = pendingMigrations(loadMigrations(migrationsDir), appliedMigrations(db));
        if (pending.length > 0) {
          throw new StoreConfigError(
            `${path} needs the migrations of this cloud-inventory (${pending.map((m) => m.version).join(', ')}), and this user cannot write it: ` +
              'run inventory migrate as a user who can',
          );
        }
      } catch (error) {
        db.close();
        throw error;
      }
      return new SqliteStore(db, path, staleRunMs, kind, undefined, options.assetTypes);
    }
    return new SqliteStore(openToWrite(path, migrationsDir), path, staleRunMs, 'read-write', undefined, options.assetTypes);
  }

  /**
   * Opens an inventory file that exists, read-only and without migrating it: a connection of the server's GraphQL
   * workers (src/server/graphql-worker.ts). In WAL mode it reads what the writer has committed, without waiting for it.
   */
  static openReader(path: string, options: SqliteReaderOptions = {}): SqliteStore {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      return new SqliteStore(db, path, options.staleRunMs ?? STALE_RUN_MS, 'read-only', options.rowCheck);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private prepared(cache: Map<string, Database.Statement>, sql: string, rows = false): Database.Statement {
    let statement = cache.get(sql);
    if (!statement) {
      // Filters make many distinct queries; keep the cache bounded.
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
      cache.set(sql, (statement = rows ? this.db.prepare(sql).raw(true) : this.db.prepare(sql)));
    }
    return statement;
  }

  protected async read<T>(operation: () => Operation<T>): Promise<T> {
    return driveSync(operation(), this.execute);
  }

  protected async write<T>(operation: () => Operation<T>): Promise<T> {
    return this.db.transaction(() => driveSync(operation(), this.execute)).immediate();
  }

  protected override get writable(): boolean {
    return this.connection === 'read-write';
  }

  protected override isDiskFailure(error: unknown): boolean {
    return DISK_FAILURE.test(String((error as { code?: unknown }).code));
  }

  /**
   * No election on one file: every process leads, and the claim of each period (sync_periods) keeps a period from being
   * synced twice; SQLite's one writer at a time orders the writes of two syncs (README, "Scheduled syncs").
   */
  syncLeadership(): SyncLeadership {
    return { lead: async () => true, release: async () => undefined };
  }

  async ping(): Promise<void> {
    this.prepared(this.statements, 'SELECT 1').get();
  }

  async checkIntegrity(options: { offThread?: boolean } = {}): Promise<IntegrityReport> {
    // An in-memory database has no file another connection could open; an in-memory copy is what the verdicts read, so it is checked.
    const elsewhere = options.offThread && this.path !== ':memory:' && this.connection !== 'in-memory copy' ? await checkIntegrityInWorker(this.path) : undefined;
    return elsewhere ?? checkIntegrityHere(this.db);
  }

  async changeStamp(): Promise<string> {
    return sqliteChangeStamp(this.db, this.path);
  }

  /**
   * For `inventory store copy` (src/store/copy.ts): runs `work` inside one read transaction, so that every table it
   * reads is of the same moment, whatever a sync in another process commits meanwhile. Nothing is written.
   */
  async readSnapshot<T>(work: (source: SqliteBulkSource) => Promise<T>): Promise<T> {
    this.db.exec('BEGIN DEFERRED');
    try {
      // The first read starts the snapshot; from here on, other connections' commits are not seen.
      this.db.prepare('SELECT count(*) FROM schema_migrations').get();
      return await work(new SqliteBulkSource(this.db));
    } finally {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** A read-write connection to an inventory (or a new or empty file), marked as an inventory and migrated. */
function openToWrite(path: string, migrationsDir: string): Database.Database {
  const db = new Database(path, { fileMustExist: path !== ':memory:' });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Only an inventory (or a new file) gets here: marked, so that no later open takes it for another application's.
    if (db.pragma('application_id', { simple: true }) !== INVENTORY_APPLICATION_ID) db.pragma(`application_id = ${INVENTORY_APPLICATION_ID}`);
    migrate(db, migrationsDir);
  } catch (error) {
    db.close();
    // A damaged file or one that cannot be opened stays openStore's to word; a full or read-only disk is said here.
    throw (DISK_FAILURE.test(String((error as { code?: unknown }).code)) && fileProblem(error, path)) || error;
  }
  return db;
}

/** SQLite errors of the disk or of access to the file, not of the SQL run. */
const DISK_FAILURE = /^SQLITE_(FULL|READONLY|IOERR|BUSY|PERM)/;

function appliedMigrations(db: Database.Database): AppliedMigration[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).get();
  return exists ? (db.prepare(`SELECT version, name, checksum FROM schema_migrations ORDER BY version`).all() as AppliedMigration[]) : [];
}

function migrate(db: Database.Database, dir: string): void {
  const pending = pendingMigrations(loadMigrations(dir), appliedMigrations(db));
  if (pending.length === 0) return; // an inventory up to date is not written to
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  for (const migration of pending) {
    const apply = db.transaction(() => {
      db.exec(migration.sql);
      db.prepare(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`).run(
        migration.version,
        migration.name,
        migration.checksum,
        now(),
      );
    });
    try {
      apply.immediate();
    } catch (error) {
      // The disk or the file failing is not the migration's fault: the caller says so in its own words.
      if (DISK_FAILURE.test(String((error as { code?: unknown }).code))) throw error;
      throw new MigrationError(`${migration.file}: ${(error as Error).message} (nothing of this migration was applied)`);
    }
  }
}
