// SQLite's integrity check of the whole inventory file (PRAGMA integrity_check, not quick_check: only the full check
// compares every index with its table, so an index that lost rows, which makes a control's query miss failing assets,
// is found). On the store's own connection for the CLI, or in a worker thread on a read-only connection of its own for
// the server, so that a check of a large inventory (README, Performance) never holds up other requests.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { IntegrityReport } from '../store.js';

export const SQLITE_INTEGRITY_METHOD = 'SQLite PRAGMA integrity_check of the whole database';

/** SQLite stops after this many problems: enough to say what is wrong, not a page per damaged row. */
const MAX_PROBLEMS = 10;

const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

/** The check as SQLite reports it: 'ok', or one line per problem. */
function report(lines: readonly string[]): IntegrityReport {
  const problems = lines.filter((line) => line !== 'ok');
  return { ok: problems.length === 0, problems, method: SQLITE_INTEGRITY_METHOD };
}

/** A check that could not even read the file is a failed check: its error is the problem. */
function unreadable(error: unknown): IntegrityReport {
  const { code, message } = error as { code?: string; message?: string };
  return { ok: false, problems: [`${code ? `${code}: ` : ''}${message ?? String(error)}`], method: SQLITE_INTEGRITY_METHOD };
}

export function checkIntegrityHere(db: Database.Database): IntegrityReport {
  try {
    return report((db.pragma(`integrity_check(${MAX_PROBLEMS})`) as { integrity_check: string }[]).map((row) => row.integrity_check));
  } catch (error) {
    return unreadable(error);
  }
}

// CommonJS, evaluated in the worker: it opens the file read-only, runs the same pragma, and posts the lines back.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let result;
try {
  const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    result = { lines: db.pragma('integrity_check(' + workerData.maxProblems + ')').map((row) => row.integrity_check) };
  } finally {
    db.close();
  }
} catch (error) {
  result = { error: { code: error && error.code, message: String((error && error.message) || error), opening: !!(error && /SQLITE_CANTOPEN|SQLITE_READONLY/.test(String(error.code))) } };
}
parentPort.postMessage(result);
`;

type WorkerResult = { lines: string[] } | { error: { code?: string; message: string; opening: boolean } };

/**
 * The check in a worker thread on a read-only connection of its own. Undefined when that connection cannot be opened
 * (e.g. a read-only folder without the WAL's shared-memory file): the caller then checks on its own connection.
 */
export function checkIntegrityInWorker(path: string): Promise<IntegrityReport | undefined> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: DRIVER, path, maxProblems: MAX_PROBLEMS } });
    let settled = false;
    const done = (value: IntegrityReport | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    worker.once('message', (result: WorkerResult) => {
      if ('lines' in result) done(report(result.lines));
      else done(result.error.opening ? undefined : unreadable(result.error));
    });
    worker.once('error', () => done(undefined));
    worker.once('exit', () => done(undefined));
  });
}

/**
 * What changes when the file may have changed: another connection committed (data_version), or the file or its WAL was
 * written. The same stamp means an earlier check still holds.
 */
export function sqliteChangeStamp(db: Database.Database, path: string): string {
  const file = (name: string) => {
    try {
      const stat = statSync(name);
      return `${stat.size}@${stat.mtimeMs}`;
    } catch {
      return '-';
    }
  };
  const version = db.pragma('data_version', { simple: true }) as number;
  return path === ':memory:' ? `${version}` : `${version}:${file(path)}:${file(`${path}-wal`)}`;
}
