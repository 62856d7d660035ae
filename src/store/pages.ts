// Keyset pagination (Relay cursor connections, README Querying): a cursor holds the sort key values of the last row
// a page returned, and the next page is the rows after it in the sort order, found by a predicate in SQL, never by
// OFFSET. A row inserted or removed elsewhere therefore never shifts or repeats what a cursor points at.
import { FilterError, orderTerm, type FilterColumn, type SortTerm, type SqlDialect } from './where.js';

/** Cursor format version: a cursor of another format is refused rather than misread. */
const CURSOR_VERSION = 1;

/** How a sort reads in a cursor and in messages: `name: ASC, id: ASC`. */
export function sortSignature(terms: readonly SortTerm[]): string {
  return [...terms.map((t) => `${t.column.field}: ${t.direction}`), 'id: ASC'].join(', ');
}

/** `ORDER BY` for the terms, then the id: nulls last when ascending, first when descending (as compileOrderBy). */
export function orderByTerms(terms: readonly SortTerm[], idColumn: string): string {
  return [...terms.map(orderTerm), `${idColumn} ASC`].join(', ');
}

export type KeyValue = string | number | null;

export interface Cursor {
  /** The sort key values of the row, in the order of the terms (as SQL gives them: booleans as 0 and 1). */
  keys: KeyValue[];
  id: string;
}

export function encodeCursor(terms: readonly SortTerm[], cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, sort: sortSignature(terms), keys: cursor.keys, id: cursor.id })).toString('base64url');
}

/** Reads a cursor made by encodeCursor for the same sort; anything else is a FilterError that says why. */
export function decodeCursor(text: string, terms: readonly SortTerm[], path = 'after'): Cursor {
  const malformed = () =>
    new FilterError('not a cursor this API gave out (it was altered or truncated); use a cursor from a page, or leave after out to start at the beginning', path);
  let parsed: unknown;
  try {
    const json = Buffer.from(text, 'base64url').toString('utf8');
    if (Buffer.from(json, 'utf8').toString('base64url') !== text.replace(/=+$/, '')) throw malformed();
    parsed = JSON.parse(json);
  } catch {
    throw malformed();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed();
  const { v, sort, keys, id } = parsed as Record<string, unknown>;
  if (v !== CURSOR_VERSION || typeof sort !== 'string' || !Array.isArray(keys) || typeof id !== 'string') throw malformed();
  const expected = sortSignature(terms);
  if (sort !== expected) {
    throw new FilterError(
      `the cursor comes from a page sorted by [${sort}], not by [${expected}]; ask with the sort it came from, or leave after out to start again`,
      path,
    );
  }
  if (keys.length !== terms.length) throw malformed();
  terms.forEach((term, i) => {
    if (!validKey(keys[i], term.column)) throw malformed();
  });
  return { keys: keys as KeyValue[], id };
}

function validKey(value: unknown, column: FilterColumn): boolean {
  if (value === null) return column.nullable;
  switch (column.kind) {
    case 'boolean':
      return value === 0 || value === 1;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
    case 'enum':
    case 'datetime':
      return typeof value === 'string';
    case 'json':
    case 'stringList':
      return false;
  }
}

/**
 * The rows strictly after `cursor` in the order of `terms` then id: for some term k, every earlier term equals the
 * cursor's value and term k comes after it (nulls last when ascending, first when descending). Values are parameters.
 */
export function afterCursor(terms: readonly SortTerm[], cursor: Cursor, idColumn: string, dialect: SqlDialect): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  // Cursors keep booleans as 0 and 1 (as SQLite gives them); each dialect binds them its own way.
  const key = (column: FilterColumn, value: KeyValue): string => param(column.kind === 'boolean' ? dialect.booleanParam(value === 1) : value);
  const same = (column: FilterColumn, value: KeyValue): string => (value === null ? `${column.sql} IS NULL` : `${column.sql} = ${key(column, value)}`);
  const after = (term: SortTerm, value: KeyValue): string | undefined => {
    const c = term.column.sql;
    if (term.direction === 'ASC') {
      if (value === null) return undefined; // nulls come last: nothing sorts after a null but by a later term
      return term.column.nullable ? `(${c} > ${key(term.column, value)} OR ${c} IS NULL)` : `${c} > ${key(term.column, value)}`;
    }
    return value === null ? `${c} IS NOT NULL` : `${c} < ${key(term.column, value)}`;
  };
  const disjuncts: string[] = [];
  const keys = [...terms.map((term, i) => ({ term, value: cursor.keys[i]! })), { term: undefined, value: cursor.id }];
  keys.forEach(({ term, value }, k) => {
    const equalBefore = keys.slice(0, k).map((earlier) => same(earlier.term!.column, earlier.value));
    const beyond = term ? after(term, value) : `${idColumn} > ${param(value)}`;
    if (beyond === undefined) {
      // Parameters bound for this disjunct's equalities are never referenced: undo them to keep numbering exact.
      params.length -= equalBefore.filter((s) => !s.endsWith('IS NULL')).length;
      return;
    }
    disjuncts.push(equalBefore.length === 0 ? beyond : `(${[...equalBefore, beyond].join(' AND ')})`);
  });
  return { sql: disjuncts.length === 0 ? dialect.falseLiteral : `(${disjuncts.join(' OR ')})`, params };
}
