// The SQL that differs between the two engines, in one place: the where compiler's predicates (SqlDialect) and the
// fragments each asset type's columns and filters (asset-columns.ts, asset-schema.ts) are built from. The catalogs are functions of a
// Dialect, so SQLite and PostgreSQL read the same list of fields, each in its own SQL.
import type { JsonPath, SqlExpressions } from '../assets/definition.js';
import type { SqlDialect } from './where.js';

export type { JsonPath };

/** The SQL fragments asset definitions write computed fields with (SqlExpressions), and what the store adds. */
export interface Dialect extends SqlDialect, SqlExpressions {
  readonly name: 'sqlite' | 'postgres';
  // What the store core (src/store/core/) binds and reads differently on each engine. Its SQL marks every parameter
  // `?`; the PostgreSQL executor numbers them.
  /** `expr` is one of a list bound as one parameter (listParam): one statement for a batch of any size. */
  anyOf(expr: string, kind?: 'text' | 'integer'): string;
  /** A list as the one parameter of anyOf and listTable. */
  listParam(values: readonly unknown[]): unknown;
  /** A FROM item over a bound list: `${alias}.value` each element, `${alias}.key` its position. */
  listTable(alias: string, kind?: 'text' | 'integer'): string;
  /** Several lists of one length zipped into a FROM item of the named columns (one parameter per list). */
  zipTable(alias: string, columns: readonly (readonly [name: string, kind: 'text' | 'integer'])[]): string;
  /** A placeholder for a JSON value bound as its text (JSON.stringify). */
  readonly jsonPlaceholder: string;
  /** LIMIT's value meaning "no limit". */
  readonly noLimit: number | null;
  /** A boolean column's value as read (SQLite's 0/1, PostgreSQL's boolean). */
  readBoolean(value: unknown): boolean | null;
  /** A JSON column's value as read (SQLite's text, PostgreSQL's parsed jsonb). */
  readJson(value: unknown): unknown;
}

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** `$.a[0].b`: SQLite's JSON path syntax. */
const sqlitePath = (path: JsonPath): string => quote(`$${path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('')}`);

/** `{a,0,b}`: PostgreSQL's text[] path for #> and #>>. */
const postgresPath = (path: JsonPath): string => quote(`{${path.map(String).join(',')}}`);

export const SQLITE_DIALECT: Dialect = {
  name: 'sqlite',
  placeholder: () => '?',
  booleanParam: (value) => (value ? 1 : 0),
  trueLiteral: '1',
  falseLiteral: '0',
  contains: (text, bind) => `instr(${text}, ${bind()}) > 0`,
  startsWith: (text, bind) => `instr(${text}, ${bind()}) = 1`,
  // substr from (length - suffix length + 1) is '' for an empty suffix and never equal when the suffix is longer.
  endsWith: (text, bind) => `substr(${text}, length(${text}) - length(${bind()}) + 1) = ${bind()}`,
  // inventory_matches is RE2 (re2js), registered on every connection (src/store/sqlite/sqlite-store.ts).
  matches: (text, pattern, bind) => `inventory_matches(${text}, ${bind(pattern.source)})`,
  // The planner still searches an index on `text` once per value of the list.
  inList: (text, values, _kind, bind) => `${text} IN (SELECT value FROM json_each(${bind(JSON.stringify(values))}))`,
  textConstant: quote,
  jsonElements: (json, alias) => `json_each(${json}) ${alias}`,
  emptyJsonArray: "'[]'",
  jsonValue: (json, path) => `json_extract(${json}, ${sqlitePath(path)})`,
  jsonText: (json, path) => `json_extract(${json}, ${sqlitePath(path)})`,
  jsonIsTrue: (json, path) => `json_extract(${json}, ${sqlitePath(path)}) = 1`,
  jsonArrayLength: (json, path) => `json_array_length(${json}, ${sqlitePath(path)})`,
  jsonStringArray: (values) => `json_array(${values.map(quote).join(', ')})`,
  jsonObject: (entries) => `json_object(${entries.map(([key, value]) => `${quote(key)}, ${value}`).join(', ')})`,
  jsonBoolean: (predicate) => `json(CASE WHEN ${predicate} THEN 'true' ELSE 'false' END)`,
  // json_group_array gives '[]' over no rows; ordered by a subquery, as SQLite's aggregate takes no ORDER BY before 3.44.
  jsonArrayOf: (value, rows, order) => `(SELECT json_group_array(json(item)) FROM (SELECT ${value} AS item ${rows} ORDER BY ${order}) items)`,
  // json_each walks an object's members or a scalar itself: only an array is walked.
  jsonArrayElements: (json, path, alias) => `json_each(CASE json_type(${json}, ${sqlitePath(path)}) WHEN 'array' THEN ${json} END, ${sqlitePath(path)}) ${alias}`,
  jsonElementText: (alias) => `(CASE ${alias}.type WHEN 'text' THEN ${alias}.value END)`,
  // Typed as the shape says, a value of another type unknown (SQLite would compare text with numbers); booleans as
  // 1/0, as booleanParam binds them.
  jsonScalar: (json, path, kind) => {
    const type = `json_type(${json}, ${sqlitePath(path)})`;
    if (kind === 'boolean') return `(CASE ${type} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)`;
    // A number (a JSON double such as a metric's default value) is stored as an integer or a real, as it was written.
    if (kind === 'number')
      return `(CASE ${type} WHEN 'integer' THEN json_extract(${json}, ${sqlitePath(path)}) WHEN 'real' THEN json_extract(${json}, ${sqlitePath(path)}) END)`;
    return `(CASE ${type} WHEN ${kind === 'string' ? "'text'" : "'integer'"} THEN json_extract(${json}, ${sqlitePath(path)}) END)`;
  },
  anyOf: (expr) => `${expr} IN (SELECT value FROM json_each(?))`,
  listParam: (values) => JSON.stringify(values),
  listTable: (alias) => `json_each(?) ${alias}`,
  zipTable: (alias, columns) => {
    const [first, ...rest] = columns.map(([name], i) => ({ name, from: `z${i}` }));
    const joins = rest.map((c) => ` JOIN json_each(?) ${c.from} ON ${c.from}.key = ${first!.from}.key`).join('');
    return `(SELECT ${[first!, ...rest].map((c) => `${c.from}.value AS ${c.name}`).join(', ')} FROM json_each(?) ${first!.from}${joins}) ${alias}`;
  },
  jsonPlaceholder: '?',
  noLimit: -1,
  readBoolean: (value) => (value === null || value === undefined ? null : value === 1),
  readJson: (value) => (value === null || value === undefined ? null : JSON.parse(value as string)),
};

/**
 * PostgreSQL: numbered placeholders, real booleans, jsonb. Text columns are declared COLLATE "C" by the migrations, so
 * comparisons and ORDER BY follow byte order exactly as SQLite's BINARY collation does.
 */
export const POSTGRES_DIALECT: Dialect = {
  name: 'postgres',
  placeholder: (n) => `$${n}`,
  booleanParam: (value) => value,
  trueLiteral: 'TRUE',
  falseLiteral: 'FALSE',
  contains: (text, bind) => `strpos(${text}, ${bind()}::text) > 0`,
  startsWith: (text, bind) => `strpos(${text}, ${bind()}::text) = 1`,
  // right(text, n) is '' for an empty suffix, and the whole (shorter) text, never equal, when the suffix is longer.
  endsWith: (text, bind) => `right(${text}, length(${bind()}::text)) = ${bind()}::text`,
  // The pattern translated for PostgreSQL (src/store/regex.ts): the same meaning, run without backtracking.
  matches: (text, { postgres }, bind) =>
    postgres.avoids ? `(strpos(${text}, chr(10)) = 0 AND NOT (${text} ~ ${bind(postgres.pattern)}::text))` : `(${text} ~ ${bind(postgres.pattern)}::text)`,
  inList: (text, values, kind, bind) => `${text} = ANY(${bind(values)}::${kind === 'integer' ? 'bigint' : kind === 'number' ? 'numeric' : 'text'}[])`,
  // A bare literal is "unknown" to PostgreSQL, and refused in ORDER BY: typed, it is an expression like any other.
  textConstant: (value) => `${quote(value)}::text`,
  jsonElements: (json, alias) => `jsonb_array_elements(${json}) ${alias}(value)`,
  emptyJsonArray: "'[]'::jsonb",
  jsonValue: (json, path) => `(${json} #> ${postgresPath(path)})`,
  jsonText: (json, path) => `(${json} #>> ${postgresPath(path)})`,
  jsonIsTrue: (json, path) => `(${json} #> ${postgresPath(path)}) = 'true'::jsonb`,
  // jsonb_array_length fails on a non-array; SQLite's json_array_length gives 0 for a scalar and NULL when absent.
  jsonArrayLength: (json, path) => {
    const value = `${json} #> ${postgresPath(path)}`;
    return `(CASE WHEN ${value} IS NULL THEN NULL WHEN jsonb_typeof(${value}) = 'array' THEN jsonb_array_length(${value}) ELSE 0 END)`;
  },
  jsonStringArray: (values) => `${quote(JSON.stringify(values))}::jsonb`,
  jsonObject: (entries) => `jsonb_build_object(${entries.map(([key, value]) => `${quote(key)}::text, ${value}`).join(', ')})`,
  jsonBoolean: (predicate) => `to_jsonb(coalesce(${predicate}, FALSE))`,
  jsonArrayOf: (value, rows, order) => `(SELECT coalesce(jsonb_agg(${value} ORDER BY ${order}), '[]'::jsonb) ${rows})`,
  // jsonb_array_elements fails on anything but an array: whatever else is there has no elements.
  jsonArrayElements: (json, path, alias) => {
    const value = `${json} #> ${postgresPath(path)}`;
    return `jsonb_array_elements(CASE WHEN jsonb_typeof(${value}) = 'array' THEN ${value} END) ${alias}(value)`;
  },
  jsonElementText: (alias) => `(CASE WHEN jsonb_typeof(${alias}.value) = 'string' THEN ${alias}.value #>> '{}' END)`,
  // Typed as the shape says (a cast fails on a value of another type): a value of another type is unknown.
  jsonScalar: (json, path, kind) => {
    const value = `${json} #> ${postgresPath(path)}`;
    if (kind === 'string') return `(CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${json} #>> ${postgresPath(path)} END)`;
    return kind === 'boolean'
      ? `(CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (${value})::boolean END)`
      : `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END)`;
  },
  anyOf: (expr, kind = 'text') => `${expr} = ANY(?::${arrayType(kind)})`,
  listParam: (values) => values,
  listTable: (alias, kind = 'text') => `unnest(?::${arrayType(kind)}) WITH ORDINALITY AS ${alias}(value, key)`,
  zipTable: (alias, columns) => `unnest(${columns.map(([, kind]) => `?::${arrayType(kind)}`).join(', ')}) AS ${alias}(${columns.map(([name]) => name).join(', ')})`,
  jsonPlaceholder: '?::jsonb',
  noLimit: null,
  readBoolean: (value) => (value === undefined ? null : (value as boolean | null)),
  readJson: (value) => (value === undefined ? null : value),
};

function arrayType(kind: 'text' | 'integer'): string {
  return kind === 'integer' ? 'bigint[]' : 'text[]';
}
