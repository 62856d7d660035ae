// What a command may do with the inventory's location, and the errors the user meets as one line naming it (README,
// The inventory file).

/**
 * create: the inventory may be created (sync, migrate, demo, token create, the target of store copy); write: an
 * existing inventory is written; read: an existing inventory is read, on a read-only connection where this user
 * cannot write it. Only create makes files or folders.
 */
export type StoreAccess = 'create' | 'write' | 'read';

/** What a command that must find an inventory says when there is none: a missing or empty file, a schema without one. */
export function noInventory(location: string): StoreConfigError {
  return new StoreConfigError(`no inventory at ${redact(location)}; run inventory sync first`);
}

/** Database URLs may carry passwords; error messages never show them. */
export function redact(location: string): string {
  return location.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** The location is not an inventory this command may use: a foreign file, none at all, a bad URL. Exit code 2. */
export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

/**
 * The inventory is there but this user or this disk cannot do what the command needs: write a read-only file, write
 * on a full disk, read a file without permission. Exit code 3, like any operational error.
 */
export class StoreAccessError extends Error {
  override name = 'StoreAccessError';
}

/** What SQLite's result codes mean for the file, in the user's words; the first that matches the code wins. */
const FILE_PROBLEMS: readonly [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the disk is full'],
  [/^SQLITE_READONLY/, 'it cannot be written (read-only for this user, or on a read-only disk)'],
  [/^SQLITE_(CANTOPEN|PERM|AUTH)/, 'it cannot be opened (permissions, or a folder that is gone)'],
  [/^SQLITE_IOERR/, 'the disk failed to read or write it'],
  [/^SQLITE_BUSY/, 'another process keeps it locked'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the file is damaged'],
];

/** What a SQLite error of the file itself (full disk, read-only, I/O) means, with SQLite's words; undefined for others. */
export function fileProblemReason(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return undefined;
  const problem = FILE_PROBLEMS.find(([pattern]) => pattern.test(code));
  return problem && `${problem[1]} (${code}: ${String(message)})`;
}

/** That error as a StoreAccessError naming `location`; undefined for any other error, which stays as it is. */
export function fileProblem(error: unknown, location: string): StoreAccessError | undefined {
  const reason = fileProblemReason(error);
  return reason === undefined ? undefined : new StoreAccessError(`${location}: ${reason}`);
}
