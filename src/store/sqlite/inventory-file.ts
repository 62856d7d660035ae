// What a SQLite path holds before the store touches it (README, The inventory file): nothing yet, an inventory (marked
// with PRAGMA application_id, or made before the mark), or some other application's database, which is never
// changed. Everything here only reads: no connection that could write, no -wal or -shm file created beside a
// database this user cannot write or that is not ours.
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreAccessError, StoreConfigError } from '../location.js';

/** "CINV": the application_id of every inventory file. */
export const INVENTORY_APPLICATION_ID = 0x43494e56;

/** A new inventory file and the folders made for it are the owner's alone. */
export const INVENTORY_FILE_MODE = 0o600;
export const INVENTORY_FOLDER_MODE = 0o700;

export type InventoryFileState = 'missing' | 'empty' | 'inventory';

/** The columns of the inventory's own migrations table (another tool's schema_migrations has others). */
const MIGRATIONS_COLUMNS = 'version,name,checksum,applied_at';

/** The database header: 100 bytes, the application_id at offset 68, the WAL flags at 18 and 19 (SQLite file format). */
const HEADER_SIZE = 100;
const SQLITE_MAGIC = 'SQLite format 3\0';

function header(path: string): Buffer | undefined {
  let fd: number;
  try {
    if (statSync(path).isDirectory()) throw new StoreConfigError(`${path}: is a folder; give the inventory's file path`);
    fd = openSync(path, 'r');
  } catch (error) {
    if (error instanceof StoreConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new StoreConfigError(`${path}: a part of this path is a file, not a folder`);
    throw new StoreAccessError(`${path}: this user cannot read it (${code})`);
  }
  try {
    const bytes = Buffer.alloc(HEADER_SIZE);
    return bytes.subarray(0, readSync(fd, bytes, 0, HEADER_SIZE, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Says what `path` holds, reading only. A file with tables but neither the inventory's mark nor its migrations table,
 * or with another application's mark, is refused as a StoreConfigError that says what it is.
 */
export function inspectInventoryFile(path: string): InventoryFileState {
  const bytes = header(path);
  if (bytes === undefined) return 'missing';
  if (bytes.length === 0) return 'empty';
  if (bytes.length < HEADER_SIZE || bytes.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new StoreConfigError(`${path}: cannot use this file as the inventory database (file is not a database)`);
  }
  // The mark in the file is enough; one still in the WAL (a new inventory, not yet checkpointed) is read below.
  if (bytes.readUInt32BE(68) === INVENTORY_APPLICATION_ID) return 'inventory';
  let db: Database.Database;
  try {
    db = readOnlyConnection(path).db;
  } catch (error) {
    if (error instanceof StoreAccessError) throw error;
    throw new StoreConfigError(`${path}: cannot use this file as the inventory database (${(error as Error).message})`);
  }
  try {
    const applicationId = (db.pragma('application_id', { simple: true }) as number) >>> 0;
    if (applicationId === INVENTORY_APPLICATION_ID) return 'inventory';
    const tables = (
      db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`).all() as { name: string }[]
    ).map((row) => row.name);
    if (applicationId === 0 && tables.length === 0) return 'empty';
    // An inventory made before the mark: it has the inventory's migrations table (it gets the mark when next opened to write).
    const columns = tables.includes('schema_migrations')
      ? (db.prepare(`SELECT name FROM pragma_table_info('schema_migrations') ORDER BY cid`).all() as { name: string }[]).map((c) => c.name).join(',')
      : '';
    if (applicationId === 0 && columns === MIGRATIONS_COLUMNS) return 'inventory';
    const listed = tables.length > 10 ? `${tables.slice(0, 10).join(', ')}, ... (${tables.length})` : tables.join(', ') || 'none';
    throw new StoreConfigError(
      `${path} is not an inventory database (SQLite application_id 0x${applicationId.toString(16).padStart(8, '0')}, tables: ${listed}); refusing to change it`,
    );
  } finally {
    db.close();
  }
}

/** Whether this user may write the file and the WAL beside it (its folder, or the -wal and -shm files themselves). */
export function canWriteInventory(path: string): boolean {
  const writable = (name: string) => {
    try {
      accessSync(name, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  return writable(path) && (writable(dirname(path)) || (writable(`${path}-wal`) && writable(`${path}-shm`)));
}

/** Creates the folders (0700, existing ones left as they are) and an empty file (0600) for a new inventory. */
export function createInventoryFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: INVENTORY_FOLDER_MODE });
    // SQLite gives the -wal and -shm files the mode of the database file.
    closeSync(openSync(path, 'wx', INVENTORY_FILE_MODE));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') return; // another process created it meanwhile: it is inspected like any existing file
    if (code === 'ENOTDIR' || code === 'EISDIR') throw new StoreConfigError(`${path}: cannot create the inventory there (${message})`);
    throw new StoreAccessError(`${path}: cannot create the inventory (${message})`);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

const fileStamp = (path: string) => {
  try {
    const stat = statSync(path);
    return `${stat.size}@${stat.mtimeMs}@${stat.ino}`;
  } catch {
    return '-';
  }
};

/** SQLite errors that mean a read-only connection cannot share the WAL here (no -shm it may open or create). */
const CANNOT_SHARE = /^SQLITE_(CANTOPEN|READONLY|IOERR_SHM|PERM)/;

/** How a read-only connection reads the file: through SQLite's shared WAL, or from a copy in memory. */
export type ReadOnlyKind = 'read-only' | 'in-memory copy';

/**
 * A connection that cannot write. Through SQLite when that creates no file (the database is not in WAL mode, or its
 * -shm exists), else from a copy of the file in memory: a user who cannot write the inventory never leaves a -shm
 * behind that its owner's next sync could not use, and a read-only folder needs none. The copy costs memory the size
 * of the file and sees the inventory as it was when opened.
 */
export function readOnlyConnection(path: string): { db: Database.Database; kind: ReadOnlyKind } {
  const wal = header(path)?.[18] === 2;
  if (!wal || sizeOf(`${path}-shm`) > 0) {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
      return { db, kind: 'read-only' };
    } catch (error) {
      db?.close();
      if (!wal || !CANNOT_SHARE.test(String((error as { code?: unknown }).code))) throw error;
    }
  }
  return { db: inMemoryCopy(path), kind: 'in-memory copy' };
}

/** Attempts at a copy that no writer changed while it was read. */
const COPY_ATTEMPTS = 3;

function inMemoryCopy(path: string): Database.Database {
  for (let attempt = 1; attempt <= COPY_ATTEMPTS; attempt++) {
    if (sizeOf(`${path}-wal`) > 0) {
      throw new StoreAccessError(
        `${path}: cannot be read by this user: its write-ahead log ${path}-wal holds changes not yet in the file, and this user cannot ` +
          `open ${path}-shm to read them; any inventory command run by the file's owner folds them in`,
      );
    }
    const before = fileStamp(path);
    const image = readFileSync(path);
    if (fileStamp(path) !== before || sizeOf(`${path}-wal`) > 0) continue;
    // SQLite opens an image in memory only as a rollback-journal database; bytes 18 and 19 say WAL (2) in the file.
    image[18] = 1;
    image[19] = 1;
    return new Database(image, { readonly: true });
  }
  throw new StoreAccessError(`${path}: changed each time it was read (a sync writing it); try again`);
}
