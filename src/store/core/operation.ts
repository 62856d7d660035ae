// The store core's operations are written once, as generators that yield the statements they need and receive each
// statement's result ("sans-IO"). An engine's executor runs them: SQLite synchronously inside one better-sqlite3
// transaction, PostgreSQL with await on one pooled connection inside BEGIN/COMMIT (docs/architecture.md, "Store").
// SQL text marks every parameter `?`; the dialect (src/store/dialect.ts) writes what differs between the engines.

export type Row = Record<string, unknown>;

/** Rows as arrays of the selected values in order, with the columns' names: read without an object per row. */
export interface RawRows {
  columns: readonly string[];
  rows: unknown[][];
}

export type Statement =
  /** Every row, as objects. */
  | { kind: 'all'; sql: string; params: readonly unknown[] }
  /** Every row, as arrays (RawRows). */
  | { kind: 'raw'; sql: string; params: readonly unknown[] }
  /** A statement whose rows are not read; its result is the number of rows it changed. */
  | { kind: 'run'; sql: string; params: readonly unknown[] }
  /** `${sql} (?, ...)${suffix}` once per row: an engine may send them in batches. */
  | { kind: 'insertMany'; sql: string; rows: readonly (readonly unknown[])[]; suffix: string }
  /**
   * Exclusive (or shared) transaction locks on named things, taken in one order by every writer so that no two wait on
   * each other. PostgreSQL takes advisory locks; SQLite has one writer at a time and needs none.
   */
  | { kind: 'lock'; names: readonly string[]; shared: boolean };

export type Operation<T> = Generator<Statement, T, unknown>;

export function* all<R = Row>(sql: string, params: readonly unknown[] = []): Operation<R[]> {
  return (yield { kind: 'all', sql, params }) as R[];
}

export function* get<R = Row>(sql: string, params: readonly unknown[] = []): Operation<R | undefined> {
  return ((yield { kind: 'all', sql, params }) as R[])[0];
}

export function* raw(sql: string, params: readonly unknown[] = []): Operation<RawRows> {
  return (yield { kind: 'raw', sql, params }) as RawRows;
}

export function* run(sql: string, params: readonly unknown[] = []): Operation<number> {
  return (yield { kind: 'run', sql, params }) as number;
}

export function* insertMany(sql: string, rows: readonly (readonly unknown[])[], suffix = ''): Operation<void> {
  if (rows.length > 0) yield { kind: 'insertMany', sql, rows, suffix };
}

export function* lock(names: Iterable<string>, shared = false): Operation<void> {
  const list = [...names];
  if (list.length > 0) yield { kind: 'lock', names: list, shared };
}

/** Runs an operation whose statements are answered synchronously (SQLite). */
export function driveSync<T>(operation: Operation<T>, execute: (statement: Statement) => unknown): T {
  let step = operation.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = execute(step.value);
    } catch (error) {
      step = operation.throw(error);
      continue;
    }
    step = operation.next(result);
  }
  return step.value;
}

/** Runs an operation whose statements are answered asynchronously (PostgreSQL). */
export async function driveAsync<T>(operation: Operation<T>, execute: (statement: Statement) => Promise<unknown>): Promise<T> {
  let step = operation.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await execute(step.value);
    } catch (error) {
      step = operation.throw(error);
      continue;
    }
    step = operation.next(result);
  }
  return step.value;
}
