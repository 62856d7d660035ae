// Compiles a GraphQL `where` filter (README, Querying: filter conventions) into one parameterised SQL predicate.
// Values only ever travel as parameters; column SQL comes from the store's own column catalog.
import { parseTime } from '../model/time.js';

/** `enum`: text holding one of a GraphQL enum's values (the store's lower-case value, as the API's resolvers map it). */
export type ColumnKind = 'string' | 'enum' | 'boolean' | 'datetime' | 'integer' | 'json';

export interface FilterColumn {
  field: string;
  sql: string;
  kind: ColumnKind;
  nullable: boolean;
}

/** What differs between SQL engines in the predicates this compiler writes. */
export interface SqlDialect {
  /** The placeholder for the n-th parameter (1-based). */
  placeholder(n: number): string;
  /** How a boolean travels as a parameter (SQLite has no boolean type). */
  booleanParam(value: boolean): unknown;
  readonly trueLiteral: string;
  readonly falseLiteral: string;
  // The string predicates below are case-sensitive. `bind()` returns a fresh placeholder for the same value each
  // time it is called, so a dialect may use the value more than once.
  contains(text: string, bind: () => string): string;
  startsWith(text: string, bind: () => string): string;
  endsWith(text: string, bind: () => string): string;
  /**
   * `text IN (values)` with the whole list bound as one parameter (`bind(list)` returns its placeholder), so a long
   * list never meets the engine's limit on parameters, and the statement text is the same whatever its length.
   */
  inList(text: string, values: readonly unknown[], kind: ColumnKind, bind: (list: unknown) => string): string;
}

/**
 * What any `where` may hold, whoever sends it: the server's own limits (README, "Request limits") are lower and
 * checked before a request runs; these keep the compiler and the SQL engines within their means (stack, expression
 * depth, statement size) for every caller, the in-process control engine included.
 */
export const FILTER_MAXIMA = {
  /** Comparisons (and empty filters `{}`) in one `where`. */
  terms: 10_000,
  /** Levels of filter objects: the `where` itself is level 1; each AND/OR item, NOT and relation filter one more. */
  depth: 32,
  /** Values in one `_IN` or `_NOT_IN` list. */
  inValues: 100_000,
} as const;

/** Bad filter input: the message says what was wrong, `path` says where (e.g. `where.AND[1].kmsKeyID_IN`). */
export class FilterError extends Error {
  constructor(message: string, readonly path: string) {
    super(`${path}: ${message}`);
    this.name = 'FilterError';
  }
}

/**
 * A relation a filter can follow: `tags_SOME: {...}` / `tags_NONE: {...}` for a list ('many'), `account: {...}` for a
 * single related row ('one'). `target` is the related type's own filter schema; `matches` turns a predicate over the
 * related row into a two-valued predicate over this row (an EXISTS subquery, or the predicate itself when the related
 * values are expressions over this row).
 */
export interface FilterRelation {
  field: string;
  cardinality: 'many' | 'one';
  target: FilterSchema;
  matches(predicate: string): string;
}

/** What a `where` may name: the fields (columns) of a type, and the relations it can be filtered through. */
export interface FilterSchema {
  columns: ReadonlyMap<string, FilterColumn>;
  relations: ReadonlyMap<string, FilterRelation>;
}

/** The operators of a relation: `field_SOME` and `field_NONE` for a list, the bare field for a single row. */
export const RELATION_OPERATORS: Readonly<Record<FilterRelation['cardinality'], readonly RelationOperator[]>> = {
  many: ['SOME', 'NONE'],
  one: ['EQ'],
};

export type RelationOperator = 'EQ' | 'SOME' | 'NONE';

const NO_RELATIONS: ReadonlyMap<string, FilterRelation> = new Map();

const isFilterSchema = (value: ReadonlyMap<string, FilterColumn> | FilterSchema): value is FilterSchema =>
  !(value instanceof Map) && 'columns' in value;

export interface CompiledPredicate {
  sql: string;
  params: unknown[];
}

export type FilterOperator =
  | 'EQ' | 'NOT' | 'IN' | 'NOT_IN' | 'CONTAINS' | 'NOT_CONTAINS' | 'STARTS_WITH' | 'ENDS_WITH' | 'LT' | 'LTE' | 'GT' | 'GTE';

/** The operators each kind of field allows; `EQ` is the bare field name. */
export const OPERATORS_BY_KIND: Readonly<Record<ColumnKind, readonly FilterOperator[]>> = {
  string: ['EQ', 'NOT', 'IN', 'NOT_IN', 'CONTAINS', 'NOT_CONTAINS', 'STARTS_WITH', 'ENDS_WITH', 'LT', 'LTE', 'GT', 'GTE'],
  enum: ['EQ', 'NOT', 'IN', 'NOT_IN'],
  datetime: ['EQ', 'NOT', 'IN', 'NOT_IN', 'LT', 'LTE', 'GT', 'GTE'],
  integer: ['EQ', 'NOT', 'IN', 'NOT_IN', 'LT', 'LTE', 'GT', 'GTE'],
  boolean: ['EQ', 'NOT'],
  json: [],
};

const LOGICAL_KEYS = new Set(['AND', 'OR', 'NOT']);

/** The filter key for a field and operator: `kmsKeyID`, `kmsKeyID_NOT_IN`, ... */
export function filterKey(field: string, op: FilterOperator): string {
  return op === 'EQ' ? field : `${field}_${op}`;
}

/**
 * Compiles `where` against `columns`. Every predicate is two-valued (never SQL NULL), so `NOT` is an exact
 * complement: a trail whose `isLogging` is unknown matches `isLogging_NOT: true` and `NOT: {isLogging: true}`.
 */
export function compileWhere(
  where: unknown,
  schema: ReadonlyMap<string, FilterColumn> | FilterSchema,
  dialect: SqlDialect,
  path = 'where',
): CompiledPredicate {
  const root: FilterSchema = isFilterSchema(schema) ? schema : { columns: schema, relations: NO_RELATIONS };
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  let terms = 0;
  const countTerm = (at: string): void => {
    terms += 1;
    if (terms > FILTER_MAXIMA.terms) {
      throw new FilterError(`the filter has more than ${FILTER_MAXIMA.terms} terms (comparisons and empty filters), the most any filter may have`, at);
    }
  };

  const compileObject = (node: unknown, at: string, schema: FilterSchema, depth: number): string => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw new FilterError('expected an object of filter fields', at);
    }
    // Checked before going deeper, so no filter can exhaust the stack here or the SQL engine's expression depth.
    if (depth > FILTER_MAXIMA.depth) {
      throw new FilterError(`the filter nests more than ${FILTER_MAXIMA.depth} levels deep (AND, OR, NOT and relation filters), the most any filter may`, at);
    }
    const clauses: string[] = [];
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (value === undefined) continue;
      const keyPath = `${at}.${key}`;
      if (LOGICAL_KEYS.has(key)) clauses.push(compileLogical(key, value, keyPath, schema, depth));
      else {
        const relation = resolveRelation(key, schema, keyPath);
        clauses.push(
          relation ? compileRelation(relation.relation, relation.op, key, value, keyPath, depth) : compileField(key, value, keyPath, schema.columns),
        );
      }
    }
    if (clauses.length === 0) {
      countTerm(at);
      return dialect.trueLiteral;
    }
    return balanced(clauses, ' AND ');
  };

  const compileLogical = (key: string, value: unknown, at: string, schema: FilterSchema, depth: number): string => {
    if (value === null) throw new FilterError(`null is not a filter; use {} for no constraint`, at);
    if (key === 'NOT') return `(NOT ${compileObject(value, at, schema, depth + 1)})`;
    if (!Array.isArray(value)) throw new FilterError(`${key} takes a list of filters`, at);
    if (value.length === 0) return key === 'AND' ? dialect.trueLiteral : dialect.falseLiteral;
    return compileList(key as 'AND' | 'OR', value.map((item, i) => ({ value: item, at: `${at}[${i}]` })), schema, depth + 1);
  };

  // Items of an AND/OR that consist of one relation filter alone are merged, so that a row needs one subquery however
  // many items name the relation: an OR of `tags_SOME` is one `tags_SOME` of their OR, an AND of `tags_NONE` one
  // `tags_NONE` of their OR, and the single related row of `account` is filtered by their OR or AND (in which the
  // same merging goes on: an OR of `account: {trails_SOME: ...}` is one search of the account's trails).
  const compileList = (op: 'AND' | 'OR', items: readonly { value: unknown; at: string }[], schema: FilterSchema, depth: number): string => {
    type Group = { relation: FilterRelation; operator: RelationOperator; filters: { value: unknown; at: string }[] };
    const slots: (Group | { value: unknown; at: string })[] = [];
    const groups = new Map<string, Group>();
    for (const item of items) {
      const sole = depth <= FILTER_MAXIMA.depth ? soleRelationFilter(item.value, schema, op) : undefined;
      if (!sole) {
        slots.push(item);
        continue;
      }
      let group = groups.get(sole.key);
      if (!group) {
        group = { relation: sole.relation, operator: sole.operator, filters: [] };
        groups.set(sole.key, group);
        slots.push(group);
      }
      group.filters.push({ value: sole.value, at: `${item.at}.${sole.key}` });
    }
    // Compiled in the order of the SQL text, so that positional parameters (SQLite's ?) follow it.
    const parts = slots.map((slot) => {
      if (!('relation' in slot)) return compileObject(slot.value, slot.at, schema, depth);
      const { relation, operator, filters } = slot;
      if (filters.length === 1) return compileRelation(relation, operator, relationKey(relation.field, operator), filters[0]!.value, filters[0]!.at, depth);
      const inner = relation.matches(compileList(operator === 'EQ' ? op : 'OR', filters, relation.target, depth + 1));
      return operator === 'NONE' ? `(NOT ${inner})` : inner;
    });
    return balanced(parts, op === 'AND' ? ' AND ' : ' OR ');
  };

  // The related filter compiles to a two-valued predicate over the related row, and `matches` keeps it two-valued
  // over this row (EXISTS or IN over non-null keys is never NULL), so NOT around a relation filter stays an exact complement.
  const compileRelation = (relation: FilterRelation, op: RelationOperator, key: string, value: unknown, at: string, depth: number): string => {
    if (value === null) throw new FilterError(`null is not a filter; use {} for no constraint, or leave ${key} out`, at);
    const inner = relation.matches(compileObject(value, at, relation.target, depth + 1));
    return op === 'NONE' ? `(NOT ${inner})` : inner;
  };

  const compileField = (key: string, value: unknown, at: string, columns: ReadonlyMap<string, FilterColumn>): string => {
    countTerm(at);
    const { column, op } = resolveKey(key, columns, at);
    if (value === null) {
      throw new FilterError(
        `null is not a value to compare with; use "" for an empty string, or leave ${key} out for no constraint`,
        at,
      );
    }
    const toParam = (v: unknown, itemPath: string): unknown => {
      if (v === null || v === undefined) throw new FilterError('null is not a value to compare with', itemPath);
      return encodeValue(v, column, itemPath, dialect);
    };
    const bindOnce = (v: unknown): (() => string) => {
      const encoded = toParam(v, at);
      return () => param(encoded);
    };
    const list = (): unknown[] => {
      if (!Array.isArray(value)) throw new FilterError(`${key} takes a list`, at);
      if (value.length > FILTER_MAXIMA.inValues) {
        throw new FilterError(`${key} lists ${value.length} values; the most any list may hold is ${FILTER_MAXIMA.inValues}`, at);
      }
      return value.map((v, i) => toParam(v, `${at}[${i}]`));
    };
    const c = column.sql;
    // A nullable column makes comparisons three-valued; COALESCE folds "unknown" to false so NOT stays a complement.
    const twoValued = (predicate: string): string =>
      column.nullable ? `COALESCE(${predicate}, ${dialect.falseLiteral})` : predicate;
    const negate = (predicate: string): string => `(NOT ${twoValued(predicate)})`;

    switch (op) {
      case 'EQ': return twoValued(`${c} = ${param(toParam(value, at))}`);
      case 'NOT': return negate(`${c} = ${param(toParam(value, at))}`);
      case 'IN': {
        const items = list();
        return items.length === 0 ? dialect.falseLiteral : twoValued(dialect.inList(c, items, column.kind, param));
      }
      case 'NOT_IN': {
        const items = list();
        return items.length === 0 ? dialect.trueLiteral : negate(dialect.inList(c, items, column.kind, param));
      }
      case 'CONTAINS': return twoValued(dialect.contains(c, bindOnce(value)));
      case 'NOT_CONTAINS': return negate(dialect.contains(c, bindOnce(value)));
      case 'STARTS_WITH': return twoValued(dialect.startsWith(c, bindOnce(value)));
      case 'ENDS_WITH': return twoValued(dialect.endsWith(c, bindOnce(value)));
      case 'LT': return twoValued(`${c} < ${param(toParam(value, at))}`);
      case 'LTE': return twoValued(`${c} <= ${param(toParam(value, at))}`);
      case 'GT': return twoValued(`${c} > ${param(toParam(value, at))}`);
      case 'GTE': return twoValued(`${c} >= ${param(toParam(value, at))}`);
    }
  };

  if (where === null) throw new FilterError('null is not a filter; use {} for no constraint', path);
  const sql = where === undefined ? dialect.trueLiteral : compileObject(where, path, root, 1);
  return { sql, params };
}

/**
 * `parts` joined by `operator` as a balanced tree of parentheses: an OR of 5,000 items is 13 levels deep, not 5,000,
 * which SQLite would refuse ("Expression tree is too large").
 */
function balanced(parts: readonly string[], operator: ' AND ' | ' OR '): string {
  if (parts.length === 1) return parts[0]!;
  if (parts.length <= 8) return `(${parts.join(operator)})`;
  const middle = Math.ceil(parts.length / 2);
  return `(${balanced(parts.slice(0, middle), operator)}${operator}${balanced(parts.slice(middle), operator)})`;
}

/**
 * The relation filter an item of AND/OR consists of alone (`{tags_SOME: {...}}`), when items of `op` can merge on it:
 * SOME under OR, NONE under AND, and a single related row (`account`) under either.
 */
function soleRelationFilter(
  item: unknown,
  schema: FilterSchema,
  op: 'AND' | 'OR',
): { key: string; relation: FilterRelation; operator: RelationOperator; value: object } | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const keys = Object.keys(item).filter((key) => (item as Record<string, unknown>)[key] !== undefined);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  const value = (item as Record<string, unknown>)[key];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const underscore = key.indexOf('_');
  const relation = schema.relations.get(underscore === -1 ? key : key.slice(0, underscore));
  if (!relation) return undefined;
  const operator: RelationOperator = relation.cardinality === 'one' ? 'EQ' : op === 'OR' ? 'SOME' : 'NONE';
  return key === relationKey(relation.field, operator) ? { key, relation, operator, value } : undefined;
}

/** The relation a key names (`tags_SOME`, `account`), or undefined when the key names a field. */
function resolveRelation(key: string, schema: FilterSchema, at: string): { relation: FilterRelation; op: RelationOperator } | undefined {
  const underscore = key.indexOf('_');
  const field = underscore === -1 ? key : key.slice(0, underscore);
  const relation = schema.relations.get(field);
  if (!relation) return undefined;
  const op = (underscore === -1 ? 'EQ' : key.slice(underscore + 1)) as RelationOperator;
  if (!RELATION_OPERATORS[relation.cardinality].includes(op)) {
    const allowed = RELATION_OPERATORS[relation.cardinality].map((o) => relationKey(field, o)).join(', ');
    throw new FilterError(`"${key}" is not a filter: ${field} is filtered as ${allowed}`, at);
  }
  return { relation, op };
}

/** The filter key for a relation and operator: `account`, `tags_SOME`, `tags_NONE`. */
export function relationKey(field: string, op: RelationOperator): string {
  return op === 'EQ' ? field : `${field}_${op}`;
}

function resolveKey(
  key: string,
  columns: ReadonlyMap<string, FilterColumn>,
  at: string,
): { column: FilterColumn; op: FilterOperator } {
  // Field names are camelCase, so the first underscore starts the operator suffix.
  const underscore = key.indexOf('_');
  const field = underscore === -1 ? key : key.slice(0, underscore);
  const op = (underscore === -1 ? 'EQ' : key.slice(underscore + 1)) as FilterOperator;
  const column = columns.get(field);
  if (!column) throw new FilterError(`unknown filter field "${field}"`, at);
  if (!OPERATORS_BY_KIND[column.kind].includes(op)) {
    throw new FilterError(`"${key}" is not a filter: ${field} (${column.kind}) has no ${op} operator`, at);
  }
  return { column, op };
}

function encodeValue(value: unknown, column: FilterColumn, at: string, dialect: SqlDialect): unknown {
  switch (column.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw new FilterError(`${column.field} takes true or false`, at);
      return dialect.booleanParam(value);
    case 'integer':
      if (!Number.isInteger(value)) throw new FilterError(`${column.field} takes an integer`, at);
      return value;
    case 'datetime': {
      // Stored times are toISOString() text, so comparing canonical text compares instants.
      const parsed = parseTime(value);
      if ('time' in parsed) return parsed.time.toISOString();
      throw new FilterError(`${column.field} takes an ISO-8601 date-time${parsed.malformed ? '' : `, not ${JSON.stringify(value)}: ${parsed.reason}`}`, at);
    }
    case 'string':
    case 'enum':
      if (typeof value !== 'string') throw new FilterError(`${column.field} takes a string`, at);
      return value;
    case 'json':
      throw new FilterError(`${column.field} cannot be filtered on`, at);
  }
}

export interface SortSpec {
  [field: string]: 'ASC' | 'DESC';
}

export interface SortTerm {
  column: FilterColumn;
  direction: 'ASC' | 'DESC';
}

/** The sort terms of `sort`, validated (the id is the implied last term): what ORDER BY and cursor pages are built from. */
export function sortTerms(sort: readonly SortSpec[] | undefined | null, columns: ReadonlyMap<string, FilterColumn>, path = 'sort'): SortTerm[] {
  return (sort ?? []).map((spec, i) => {
    const entries = Object.entries(spec ?? {}).filter(([, dir]) => dir !== undefined && dir !== null);
    if (entries.length !== 1) throw new FilterError('each sort entry names exactly one field, e.g. {name: ASC}', `${path}[${i}]`);
    const [field, direction] = entries[0]!;
    const column = columns.get(field);
    if (!column || column.kind === 'json') throw new FilterError(`cannot sort by "${field}"`, `${path}[${i}]`);
    if (direction !== 'ASC' && direction !== 'DESC') throw new FilterError('direction is ASC or DESC', `${path}[${i}].${field}`);
    return { column, direction };
  });
}

/** `ORDER BY` for `options.sort`, always ending with the id so the order is stable. */
export function compileOrderBy(
  sort: readonly SortSpec[] | undefined | null,
  columns: ReadonlyMap<string, FilterColumn>,
  idColumn: string,
  path = 'options.sort',
): string {
  const terms = sortTerms(sort, columns, path).map(({ column, direction }) => `${column.sql} ${direction} ${direction === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST'}`);
  terms.push(`${idColumn} ASC`);
  return terms.join(', ');
}
