// Compiles a GraphQL `where` filter (README, Querying: filter conventions) into one parameterised SQL predicate.
// Values only ever travel as parameters; column SQL comes from the store's own column catalog.
import type { JsonObjectShape, JsonPath, JsonScalarKind, JsonShape } from '../assets/definition.js';
import { parseTime } from '../model/time.js';
import { matchPattern, PatternError, type MatchPattern } from './regex.js';

/**
 * `enum`: text holding one of a GraphQL enum's values (the store's lower-case value, as the API's resolvers map it).
 * `stringList`: a list of strings inside a JSON value, filtered by `_INCLUDES` and `_NOT_INCLUDES`.
 */
export type ColumnKind = 'string' | 'enum' | 'boolean' | 'datetime' | 'integer' | 'number' | 'json' | 'stringList';

export interface FilterColumn {
  field: string;
  sql: string;
  kind: ColumnKind;
  nullable: boolean;
  /** For a 'json' column: what it holds (its definition's shape), which makes it filterable inside. */
  shape?: JsonShape;
  /** For a 'stringList': where the list is in the JSON value `sql`. */
  path?: JsonPath;
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
  /** A FROM item over the elements of the array at `path` in `json` (none when it is absent or not an array), each as `${alias}.value`. */
  jsonArrayElements(json: string, path: JsonPath, alias: string): string;
  /** An element of jsonArrayElements that is a string, as text. */
  jsonElementText(alias: string): string;
  /** The scalar at `path` in `json` as SQL of its kind, comparable with a parameter; NULL when absent. */
  jsonScalar(json: string, path: JsonPath, kind: JsonScalarKind): string;
  /** Whether the whole of `text` matches `pattern` (src/store/regex.ts), in time linear in the text; NULL when text is. */
  matches(text: string, pattern: MatchPattern, bind: (value: string) => string): string;
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
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'FilterError';
  }
}

/**
 * A relation a filter can follow: `tags_SOME: {...}`, `_NONE`, `_ALL`, `_SINGLE` for a list ('many'), `account: {...}`
 * for a single related row ('one'). `target` is the related type's own filter schema; `matches` turns a predicate over
 * the related row into a two-valued predicate over this row (an EXISTS subquery, or the predicate itself when the
 * related values are expressions over this row). A list also gives `rows`: the FROM and WHERE of its items that meet
 * the predicate, which `_SINGLE` counts.
 */
export interface FilterRelation {
  field: string;
  cardinality: 'many' | 'one';
  target: FilterSchema;
  matches(predicate: string): string;
  rows?(predicate: string): string;
}

/** What a `where` may name: the fields (columns) of a type, and the relations it can be filtered through. */
export interface FilterSchema {
  columns: ReadonlyMap<string, FilterColumn>;
  relations: ReadonlyMap<string, FilterRelation>;
}

/** The operators of a relation: `field_SOME`, `_NONE`, `_ALL` and `_SINGLE` for a list, the bare field for a single row. */
export const RELATION_OPERATORS: Readonly<Record<FilterRelation['cardinality'], readonly RelationOperator[]>> = {
  many: ['SOME', 'NONE', 'ALL', 'SINGLE'],
  one: ['EQ'],
};

export type RelationOperator = 'EQ' | 'SOME' | 'NONE' | 'ALL' | 'SINGLE';

/** `(SELECT 1 <rows>)` holds exactly one row: counted up to two, so a long list is not read to its end. */
export const exactlyOne = (rows: string): string => `((SELECT COUNT(*) FROM (SELECT 1 ${rows} LIMIT 2) one_of) = 1)`;

const NO_RELATIONS: ReadonlyMap<string, FilterRelation> = new Map();

const isFilterSchema = (value: ReadonlyMap<string, FilterColumn> | FilterSchema): value is FilterSchema => !(value instanceof Map) && 'columns' in value;

export interface CompiledPredicate {
  sql: string;
  params: unknown[];
}

export type FilterOperator =
  | 'EQ'
  | 'NOT'
  | 'IN'
  | 'NOT_IN'
  | 'CONTAINS'
  | 'NOT_CONTAINS'
  | 'STARTS_WITH'
  | 'ENDS_WITH'
  | 'LT'
  | 'LTE'
  | 'GT'
  | 'GTE'
  | 'MATCHES'
  | 'INCLUDES'
  | 'NOT_INCLUDES';

/** The operators each kind of field allows; `EQ` is the bare field name. */
export const OPERATORS_BY_KIND: Readonly<Record<ColumnKind, readonly FilterOperator[]>> = {
  string: ['EQ', 'NOT', 'IN', 'NOT_IN', 'CONTAINS', 'NOT_CONTAINS', 'STARTS_WITH', 'ENDS_WITH', 'LT', 'LTE', 'GT', 'GTE', 'MATCHES'],
  enum: ['EQ', 'NOT', 'IN', 'NOT_IN'],
  datetime: ['EQ', 'NOT', 'IN', 'NOT_IN', 'LT', 'LTE', 'GT', 'GTE'],
  integer: ['EQ', 'NOT', 'IN', 'NOT_IN', 'LT', 'LTE', 'GT', 'GTE'],
  number: ['EQ', 'NOT', 'IN', 'NOT_IN', 'LT', 'LTE', 'GT', 'GTE'],
  boolean: ['EQ', 'NOT'],
  // A JSON field is filtered inside, by its shape (jsonFilterSchema), never as a whole.
  json: [],
  stringList: ['INCLUDES', 'NOT_INCLUDES'],
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
export function compileWhere(where: unknown, schema: ReadonlyMap<string, FilterColumn> | FilterSchema, dialect: SqlDialect, path = 'where'): CompiledPredicate {
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

  const compileObject = (node: unknown, at: string, given: FilterSchema, depth: number): string => {
    const schema = withJsonFilters(given, dialect);
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
        clauses.push(relation ? compileRelation(relation.relation, relation.op, key, value, keyPath, depth) : compileField(key, value, keyPath, schema.columns));
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
    return compileList(
      key as 'AND' | 'OR',
      value.map((item, i) => ({ value: item, at: `${at}[${i}]` })),
      schema,
      depth + 1,
    );
  };

  // Items of an AND/OR that consist of one relation filter alone are merged, so that a row needs one subquery however
  // many items name the relation: an OR of `tags_SOME` is one `tags_SOME` of their OR, an AND of `tags_NONE` one
  // `tags_NONE` of their OR, and the single related row of `account` is filtered by their OR or AND (in which the
  // same merging goes on: an OR of `account: {trails_SOME: ...}` is one search of the account's trails).
  const compileList = (op: 'AND' | 'OR', items: readonly { value: unknown; at: string }[], given: FilterSchema, depth: number): string => {
    const schema = withJsonFilters(given, dialect);
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
    // `trails_SOME: null` reads "has none", as in the stored checks of the field; null anywhere else is refused.
    if (value === null && op === 'SOME') return `(NOT ${relation.matches(dialect.trueLiteral)})`;
    if (value === null) throw new FilterError(`null is not a filter; use {} for no constraint, or leave ${key} out`, at);
    const predicate = compileObject(value, at, relation.target, depth + 1);
    switch (op) {
      case 'EQ':
      case 'SOME':
        return relation.matches(predicate);
      case 'NONE':
        return `(NOT ${relation.matches(predicate)})`;
      // Every item matches: none fails to. The predicate is two-valued, so its NOT is exact.
      case 'ALL':
        return `(NOT ${relation.matches(`(NOT ${predicate})`)})`;
      case 'SINGLE':
        if (!relation.rows) throw new FilterError(`${key} is not supported on ${relation.field}`, at);
        return exactlyOne(relation.rows(predicate));
    }
  };

  const compileField = (key: string, value: unknown, at: string, columns: ReadonlyMap<string, FilterColumn>): string => {
    countTerm(at);
    const { column, op } = resolveKey(key, columns, at);
    if (value === null) {
      throw new FilterError(`null is not a value to compare with; use "" for an empty string, or leave ${key} out for no constraint`, at);
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
    // A nullable column makes comparisons three-valued; folding "unknown" to false keeps NOT a complement (values
    // compared with are never null, so a predicate is unknown only where the column is NULL). A bare column is
    // folded with `IS NOT NULL AND`, which leaves the comparison an AND term an index can serve (COALESCE hides it,
    // and a filter on an indexed nullable column then reads every row); an expression is folded by COALESCE, which
    // evaluates it once.
    const bareColumn = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(column.sql);
    const twoValued = (predicate: string): string =>
      !column.nullable ? predicate : bareColumn ? `(${column.sql} IS NOT NULL AND ${predicate})` : `COALESCE(${predicate}, ${dialect.falseLiteral})`;
    const negate = (predicate: string): string => `(NOT ${twoValued(predicate)})`;
    const includes = (list: FilterColumn, placeholder: string): string =>
      `EXISTS (SELECT 1 FROM ${dialect.jsonArrayElements(list.sql, list.path ?? [], 'json_item')} WHERE ${dialect.jsonElementText('json_item')} = ${placeholder})`;

    switch (op) {
      case 'EQ':
        return twoValued(`${c} = ${param(toParam(value, at))}`);
      case 'NOT':
        return negate(`${c} = ${param(toParam(value, at))}`);
      case 'IN': {
        const items = list();
        return items.length === 0 ? dialect.falseLiteral : twoValued(dialect.inList(c, items, column.kind, param));
      }
      case 'NOT_IN': {
        const items = list();
        return items.length === 0 ? dialect.trueLiteral : negate(dialect.inList(c, items, column.kind, param));
      }
      case 'CONTAINS':
        return twoValued(dialect.contains(c, bindOnce(value)));
      case 'NOT_CONTAINS':
        return negate(dialect.contains(c, bindOnce(value)));
      case 'STARTS_WITH':
        return twoValued(dialect.startsWith(c, bindOnce(value)));
      case 'ENDS_WITH':
        return twoValued(dialect.endsWith(c, bindOnce(value)));
      case 'LT':
        return twoValued(`${c} < ${param(toParam(value, at))}`);
      case 'LTE':
        return twoValued(`${c} <= ${param(toParam(value, at))}`);
      case 'GT':
        return twoValued(`${c} > ${param(toParam(value, at))}`);
      case 'GTE':
        return twoValued(`${c} >= ${param(toParam(value, at))}`);
      case 'MATCHES': {
        if (typeof value !== 'string') throw new FilterError(`${key} takes a regular expression as a string`, at);
        let pattern: MatchPattern;
        try {
          pattern = matchPattern(value);
        } catch (error) {
          if (error instanceof PatternError) throw new FilterError(error.message, at);
          throw error;
        }
        return twoValued(dialect.matches(c, pattern, param));
      }
      // EXISTS is never NULL: an unknown list includes nothing, so NOT_INCLUDES holds for it.
      case 'INCLUDES':
        return includes(column, param(toParam(value, at)));
      case 'NOT_INCLUDES':
        return `(NOT ${includes(column, param(toParam(value, at)))})`;
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

function resolveKey(key: string, columns: ReadonlyMap<string, FilterColumn>, at: string): { column: FilterColumn; op: FilterOperator } {
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
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new FilterError(`${column.field} takes a number`, at);
      return value;
    case 'datetime': {
      // Stored times are toISOString() text, so comparing canonical text compares instants.
      const parsed = parseTime(value);
      if ('time' in parsed) return parsed.time.toISOString();
      throw new FilterError(`${column.field} takes an ISO-8601 date-time${parsed.malformed ? '' : `, not ${JSON.stringify(value)}: ${parsed.reason}`}`, at);
    }
    case 'string':
    case 'enum':
    case 'stringList':
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
    if (!column || column.kind === 'json' || column.kind === 'stringList') throw new FilterError(`cannot sort by "${field}"`, `${path}[${i}]`);
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
  return [...sortTerms(sort, columns, path).map(orderTerm), `${idColumn} ASC`].join(', ');
}

/**
 * One term of an ORDER BY: nulls last when ascending, first when descending. A column that cannot be null says
 * nothing of nulls, so that an index on it can hand the rows in order (SQLite sorts instead for NULLS LAST).
 */
export function orderTerm({ column, direction }: SortTerm): string {
  if (!column.nullable) return `${column.sql} ${direction}`;
  return `${column.sql} ${direction} ${direction === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST'}`;
}

/** How a shape is filtered: a scalar compared, a list of strings searched, an object entered, a list of objects quantified. */
export type JsonForm =
  | { form: 'scalar'; kind: JsonScalarKind }
  | { form: 'strings' }
  | { form: 'object'; shape: JsonObjectShape }
  | { form: 'objects'; shape: JsonObjectShape };

/** The form of a shape; a list of anything but strings or objects cannot be filtered (a definition's mistake). */
export function jsonForm(shape: JsonShape, where: string): JsonForm {
  if (typeof shape === 'string') return { form: 'scalar', kind: shape };
  if (!Array.isArray(shape)) return { form: 'object', shape: shape as JsonObjectShape };
  const item = (shape as readonly [JsonShape])[0];
  if (item === 'string') return { form: 'strings' };
  if (typeof item === 'object' && !Array.isArray(item)) return { form: 'objects', shape: item as JsonObjectShape };
  throw new Error(`${where}: a JSON list is filterable as a list of strings or of objects, not of ${JSON.stringify(item)}`);
}

const jsonExpansions = new WeakMap<FilterSchema, Map<SqlDialect, FilterSchema>>();

/**
 * `schema` with the insides of its JSON columns that declare a shape: a list of strings becomes a `stringList` column,
 * an object a relation 'one' into it, a list of objects a relation 'many' over its elements (README, Querying:
 * "Filters into JSON"). Built once per schema and dialect.
 */
export function withJsonFilters(schema: FilterSchema, dialect: SqlDialect): FilterSchema {
  let byDialect = jsonExpansions.get(schema);
  if (!byDialect) jsonExpansions.set(schema, (byDialect = new Map()));
  let expanded = byDialect.get(dialect);
  if (expanded) return expanded;
  const shaped = [...schema.columns.values()].filter((column) => column.kind === 'json' && column.shape !== undefined);
  if (shaped.length === 0) expanded = schema;
  else {
    const columns = new Map(schema.columns);
    const relations = new Map(schema.relations);
    for (const column of shaped) {
      const inside = jsonMember(column.field, column.shape!, column.sql, [], 0, dialect);
      if ('matches' in inside) {
        columns.delete(column.field);
        relations.set(column.field, inside);
      } else columns.set(column.field, inside);
    }
    expanded = { columns, relations };
  }
  byDialect.set(dialect, expanded);
  return expanded;
}

/** The filter of an object inside a JSON value: `base` holds it at `path`. */
function jsonObjectSchema(shape: JsonObjectShape, base: string, path: JsonPath, level: number, dialect: SqlDialect): FilterSchema {
  const columns = new Map<string, FilterColumn>();
  const relations = new Map<string, FilterRelation>();
  for (const [key, member] of Object.entries(shape)) {
    const inside = jsonMember(key, member, base, [...path, key], level, dialect);
    if ('matches' in inside) relations.set(key, inside);
    else columns.set(key, inside);
  }
  return { columns, relations };
}

/**
 * One member of a JSON value, at `path` in `base`. Every comparison inside is two-valued as a nullable column's is
 * (an absent or unknown value is "not equal"), and the quantifiers are EXISTS, never NULL: so NOT stays a complement.
 */
function jsonMember(field: string, shape: JsonShape, base: string, path: JsonPath, level: number, dialect: SqlDialect): FilterColumn | FilterRelation {
  const form = jsonForm(shape, field);
  switch (form.form) {
    case 'scalar':
      return { field, sql: dialect.jsonScalar(base, path, form.kind), kind: form.kind, nullable: true };
    case 'strings':
      return { field, sql: base, path, kind: 'stringList', nullable: true };
    // An object is entered in place: its members are read through the same row.
    case 'object':
      return { field, cardinality: 'one', target: jsonObjectSchema(form.shape, base, path, level, dialect), matches: (predicate) => predicate };
    case 'objects': {
      // One alias per level, so a list inside a list's element still names its enclosing element.
      const alias = `json_${level}_${field}`;
      return {
        field,
        cardinality: 'many',
        target: jsonObjectSchema(form.shape, `${alias}.value`, [], level + 1, dialect),
        matches: (predicate) => `EXISTS (SELECT 1 FROM ${dialect.jsonArrayElements(base, path, alias)} WHERE ${predicate})`,
        rows: (predicate) => `FROM ${dialect.jsonArrayElements(base, path, alias)} WHERE ${predicate}`,
      };
    }
  }
}
