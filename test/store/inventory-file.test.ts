// The inventory file (README, The inventory file): marked as an inventory, another application's SQLite file never
// changed, nothing created for a command that only reads or writes an existing inventory, new files for the owner
// alone, reads that need no write, and writes that fail in one line naming the file.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreAccessError, StoreConfigError, withStore } from '../../src/store/open.js';
import { INVENTORY_APPLICATION_ID, inspectInventoryFile, readOnlyConnection } from '../../src/store/sqlite/inventory-file.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { StoreAccess } from '../../src/store/location.js';
import { COLLECTOR, syncScope, trailRecord } from '../support/records.js';
import { createInventory, tempDir } from '../support/store.js';

const ACCESSES: StoreAccess[] = ['create', 'write', 'read'];
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const mode = (path: string) => statSync(path).mode & 0o777;
/** The application_id in the file's header (offset 68), as another program would read it. */
const headerMark = (path: string) => readFileSync(path).readUInt32BE(68);

let opened: SqliteStore[] = [];
afterEach(async () => {
  for (const store of opened) await store.close();
  opened = [];
});
const open = (path: string, access?: StoreAccess) => {
  const store = SqliteStore.open(path, access ? { access } : {});
  opened.push(store);
  return store;
};

describe("another application's SQLite file", () => {
  it('is refused for every access, saying what it is, and left byte for byte as it was with nothing beside it', () => {
    const dir = tempDir();
    const users = join(dir, 'other.db');
    const app = new Database(users);
    app.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')`);
    app.close();
    // One in WAL mode with an application_id of its own: opening it read-only through SQLite would leave a -shm behind.
    const marked = join(dir, 'marked.db');
    const other = new Database(marked);
    other.pragma('journal_mode = WAL');
    other.pragma('application_id = 42');
    other.exec('CREATE TABLE a (x); CREATE TABLE b (y)');
    other.close();
    const before = { files: readdirSync(dir), users: sha256(users), marked: sha256(marked) };

    for (const access of ACCESSES) {
      expect(() => open(users, access)).toThrow(StoreConfigError);
      expect(() => open(users, access)).toThrow(`${users} is not an inventory database (SQLite application_id 0x00000000, tables: users); refusing to change it`);
      expect(() => open(marked, access)).toThrow(`${marked} is not an inventory database (SQLite application_id 0x0000002a, tables: a, b); refusing to change it`);
    }
    expect({ files: readdirSync(dir), users: sha256(users), marked: sha256(marked) }).toEqual(before);
  });

  it("is refused even when it has a table named schema_migrations that is not the inventory's", () => {
    const path = join(tempDir(), 'rails.db');
    const app = new Database(path);
    app.exec('CREATE TABLE schema_migrations (version TEXT PRIMARY KEY); CREATE TABLE posts (id INTEGER PRIMARY KEY)');
    app.close();
    const before = sha256(path);
    expect(() => open(path)).toThrow(/rails\.db is not an inventory database \(SQLite application_id 0x00000000, tables: posts, schema_migrations\)/);
    expect(sha256(path)).toBe(before);
  });
});

describe('a new inventory', () => {
  it('may be made from an empty file or a SQLite file without tables, and is marked as an inventory', () => {
    const dir = tempDir();
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const blank = join(dir, 'blank.db');
    const db = new Database(blank);
    db.pragma('user_version = 7'); // a page, no table
    db.close();
    for (const path of [empty, blank]) {
      expect(() => open(path, 'read')).toThrow(`no inventory at ${path}; run inventory sync first`);
      expect(() => open(path, 'write')).toThrow(`no inventory at ${path}; run inventory sync first`);
      const store = open(path, 'create');
      expect(store.db.pragma('application_id', { simple: true })).toBe(INVENTORY_APPLICATION_ID);
      expect(store.db.prepare(`SELECT count(*) AS n FROM schema_migrations`).get()).toMatchObject({ n: expect.any(Number) });
    }
  });

  it('is never made for read or write access: no file and no folder, and one line saying so', () => {
    const dir = tempDir();
    const path = join(dir, 'missing', 'dir', 'x.db');
    for (const access of ['read', 'write'] as const) {
      expect(() => open(path, access)).toThrow(StoreConfigError);
      expect(() => open(path, access)).toThrow(`no inventory at ${path}; run inventory sync first`);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("is created 0600, its WAL files too, in folders of 0700 it makes, leaving an existing folder's mode alone", () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const path = join(dir, 'a', 'b', 'inventory.db');
    const store = open(path, 'create');
    store.db.prepare('SELECT count(*) FROM trails').get();
    expect({
      dir: mode(dir),
      a: mode(join(dir, 'a')),
      b: mode(join(dir, 'a', 'b')),
      file: mode(path),
      wal: mode(`${path}-wal`),
      shm: mode(`${path}-shm`),
    }).toEqual({ dir: 0o755, a: 0o700, b: 0o700, file: 0o600, wal: 0o600, shm: 0o600 });
  });
});

describe('an inventory made before the mark', () => {
  it('is recognised by its migrations table without a write, and gets the mark when next opened to write', async () => {
    const path = createInventory(join(tempDir(), 'old.db'));
    const old = new Database(path);
    old.pragma('application_id = 0');
    old.close();
    expect(headerMark(path)).toBe(0);
    const before = sha256(path);
    expect(inspectInventoryFile(path)).toBe('inventory');
    expect(sha256(path)).toBe(before);

    await open(path, 'write').close();
    expect(headerMark(path)).toBe(INVENTORY_APPLICATION_ID);
  });
});

describe('reading a file this user cannot write', () => {
  it('reads a WAL inventory from a copy in memory where no -shm can be shared, creating nothing beside it; the copy takes no write', async () => {
    const dir = tempDir();
    const path = join(dir, 'inventory.db');
    const store = open(path);
    await syncScope(store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('kept')] });
    await store.close();
    const before = { files: readdirSync(dir), sha: sha256(path) };

    const { db, kind } = readOnlyConnection(path);
    try {
      expect(kind).toBe('in-memory copy');
      expect(db.prepare('SELECT name FROM trails').all()).toEqual([{ name: 'kept' }]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(() => db.prepare(`UPDATE trails SET name = 'changed'`).run()).toThrow(/readonly database/);
    } finally {
      db.close();
    }
    expect({ files: readdirSync(dir), sha: sha256(path) }).toEqual(before);
  });

  it("shares the WAL read-only while its -shm exists (a writer's changes not yet in the file are seen), and refuses a log it cannot read", async () => {
    const dir = tempDir();
    const path = join(dir, 'inventory.db');
    const writer = open(path);
    await syncScope(writer, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('in-the-log')] });
    const shared = readOnlyConnection(path);
    try {
      expect(shared.kind).toBe('read-only');
      expect(shared.db.prepare('SELECT name FROM trails').all()).toEqual([{ name: 'in-the-log' }]);
    } finally {
      shared.db.close();
    }
    // The file and its log without the -shm: the file alone is not the inventory, and a copy of it would be wrong.
    const orphan = join(dir, 'orphan.db');
    copyFileSync(path, orphan);
    copyFileSync(`${path}-wal`, `${orphan}-wal`);
    expect(statSync(`${orphan}-wal`).size).toBeGreaterThan(0);
    expect(() => readOnlyConnection(orphan)).toThrow(StoreAccessError);
    expect(() => readOnlyConnection(orphan)).toThrow(`${orphan}: cannot be read by this user: its write-ahead log ${orphan}-wal holds changes not yet in the file`);
    expect(existsSync(`${orphan}-shm`)).toBe(false);
  });
});

describe('a full disk', () => {
  it('lets every read through, and a write fails as one line naming the file and the reason', async () => {
    const path = createInventory(join(tempDir(), 'inventory.db'));
    const setup = open(path);
    await syncScope(setup, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('kept')] });
    // A sync whose process is gone: reading the runs would mark it interrupted, a write the full disk refuses.
    const gone = await setup.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    setup.db.prepare(`UPDATE sync_runs SET pid = ?, heartbeat_at = '2000-01-01T00:00:00.000Z' WHERE id = ?`).run(2 ** 31 - 1, gone.id);
    await setup.close();

    const failure = withStore(path, 'read', async (store) => {
      // SQLite answers SQLITE_FULL as on a full disk once the file may grow no more: it is at its size now.
      (store as SqliteStore).db.pragma('max_page_count = 1');
      expect((await store.findTrails({})).map((t) => t.name)).toEqual(['kept']);
      expect((await store.checkIntegrity()).ok).toBe(true);
      expect((await store.syncRun(gone.id))?.status).toBe('interrupted');
      expect(await store.listApiTokens()).toEqual([]);
      const run = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
      await store.writeTrailScope(run.id, COLLECTOR, {
        accountId: '111122223333',
        region: 'eu-west-1',
        status: 'ok',
        trails: Array.from({ length: 200 }, (_, i) => trailRecord(`new-${i}`, { region: 'eu-west-1' })),
      });
    });
    await expect(failure).rejects.toThrow(StoreAccessError);
    await expect(failure).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the disk is full \\(SQLITE_FULL: database or disk is full\\)$`));
    const reopened = open(path, 'read');
    expect((await reopened.findTrails({})).map((t) => t.name)).toEqual(['kept']);
  });
});
