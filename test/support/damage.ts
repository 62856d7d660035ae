// Damages a SQLite inventory file the ways a disk, a crash or an outside writer can: an index that lost rows, and
// pages overwritten with noise. The store must be closed (or never opened) while they run.
import { openSync, writeSync, closeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { mulberry32 } from '../../src/simulator/faults.js';

/**
 * Leaves the index trails_by_kms_key_id without the trails that have no KMS key, while its schema still says it holds
 * every live trail: SQLite then answers `kms_key_id = ''` from the index with nothing, and PRAGMA integrity_check
 * reports "row N missing from index trails_by_kms_key_id".
 */
export function dropUnencryptedFromKmsIndex(path: string): void {
  const db = new Database(path);
  try {
    const { sql } = db.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'trails_by_kms_key_id'`).get() as { sql: string };
    db.exec(`DROP INDEX trails_by_kms_key_id`);
    // The same columns, without the trails that have no key.
    db.exec(sql.replace('WHERE deleted_at IS NULL', "WHERE deleted_at IS NULL AND kms_key_id <> ''"));
    // better-sqlite3 opens connections in SQLite's defensive mode, which forbids writable_schema; unsafe mode lifts it.
    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
    db.prepare(`UPDATE sqlite_schema SET sql = ? WHERE name = 'trails_by_kms_key_id'`).run(sql);
    db.pragma('writable_schema = OFF');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Overwrites every page of the named tables and their indexes with seeded noise; returns how many pages. */
export function overwritePagesOf(path: string, tables: readonly string[], seed = 7): number {
  const db = new Database(path);
  let pages: { pageno: number }[];
  let pageSize: number;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    pageSize = db.pragma('page_size', { simple: true }) as number;
    const names = db.prepare(`SELECT name FROM sqlite_schema WHERE tbl_name IN (${tables.map(() => '?').join(', ')}) AND type IN ('table', 'index')`).all(...tables) as {
      name: string;
    }[];
    pages = db.prepare(`SELECT pageno FROM dbstat WHERE name IN (${names.map(() => '?').join(', ')})`).all(...names.map((n) => n.name)) as { pageno: number }[];
  } finally {
    db.close();
  }
  const random = mulberry32(seed);
  const fd = openSync(path, 'r+');
  try {
    for (const { pageno } of pages) {
      const noise = Buffer.alloc(pageSize);
      for (let i = 0; i < pageSize; i++) noise[i] = Math.floor(random() * 256);
      writeSync(fd, noise, 0, pageSize, (pageno - 1) * pageSize);
    }
  } finally {
    closeSync(fd);
  }
  return pages.length;
}
