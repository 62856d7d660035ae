// What the store reads of an asset type's definition (src/assets/definition.ts), in the SQL of one dialect: the
// columns of its table (the common asset columns and the type's fields), the columns a sync writes, what its history
// records, and its filter schema with tags, account and the relations of the definitions in both directions. A
// second type is a definition and a migration creating its table; nothing here names a type.
import type { AssetTypeDefinition } from '../assets/definition.js';
import { ASSET_TYPES } from '../assets/registry.js';
import type { CollectedAsset } from '../model/asset.js';
import { assetColumns, isComputed, isConstant, isWrittenFromRecord, type AssetColumn } from './asset-columns.js';
import { SQLITE_DIALECT, type Dialect } from './dialect.js';
import { accountColumns, tagsOf } from './filter-schemas.js';
import type { FilterRelation, FilterSchema } from './where.js';

export { isComputed, isConstant, type AssetColumn };

export interface AssetSchema {
  readonly type: AssetTypeDefinition;
  readonly table: string;
  readonly columns: readonly AssetColumn[];
  readonly byField: ReadonlyMap<string, AssetColumn>;
  /** The columns a sync writes from a record (everything but the constants, computed values and bookkeeping). */
  readonly content: readonly AssetColumn[];
  /** Every value a row maps from: all stored columns, and the computed ones under their aliases. */
  readonly allValues: string;
  /** The fields whose changes the history records (tags as one field, a list in key order). */
  readonly historyFields: readonly string[];
  /** `<Type>Where`. */
  readonly filter: FilterSchema;
  /** AssetWhere over this type's table: only what every asset has. */
  readonly assetFilter: FilterSchema;
}

/** The fields of `interface Asset` (schema/asset.graphql) that every asset type's table provides. */
export const ASSET_FIELDS: readonly string[] = ['id', 'arn', 'name', 'assetType', 'provider', 'accountId', 'region', 'firstSeenAt', 'lastSeenAt', 'deletedAt'];

/** The store's view of every type in `types`, relations resolved among them. */
export function assetSchemas(types: readonly AssetTypeDefinition[], d: Dialect): ReadonlyMap<string, AssetSchema> {
  const columnsOf = new Map(types.map((type) => [type.name, assetColumns(type, d)]));
  const relationsOf = new Map<string, [string, FilterRelation][]>(types.map((type) => [type.name, []]));
  for (const type of types) {
    for (const relation of type.relations) {
      const target = types.find((t) => t.name === relation.target);
      if (!target) continue; // a relation to a type this store does not hold filters nothing
      const fromColumn = columnsOf.get(type.name)!.find((c) => c.field === relation.from)!;
      const toColumn = columnsOf.get(target.name)!.find((c) => c.field === relation.to)!;
      // Forward (`kmsKey: {...}` on Trail): the live target rows whose `to` equals this row's `from`.
      const forwardAlias = `${relation.field}_of_${type.table}`;
      const forwardRows = (predicate: string): string => `FROM ${target.table} ${forwardAlias} WHERE ${forwardAlias}.deleted_at IS NULL
          AND ${qualifiedColumn(toColumn, target.table, forwardAlias)} = ${qualifiedColumn(fromColumn, type.table, type.table)} AND ${predicate}`;
      relationsOf.get(type.name)!.push([
        relation.field,
        {
          field: relation.field,
          cardinality: relation.cardinality,
          target: relatedFilter(target, columnsOf.get(target.name)!, forwardAlias),
          matches: (predicate) => `EXISTS (SELECT 1 ${forwardRows(predicate)})`,
          rows: forwardRows,
        },
      ]);
      if (!relation.inverse) continue;
      // Inverse (`trails_SOME: {...}` on KmsKey): the live rows of this type pointing at the target row.
      const inverseAlias = `${relation.inverse.field}_of_${target.table}`;
      const inverseRows = (predicate: string): string => `FROM ${type.table} ${inverseAlias} WHERE ${inverseAlias}.deleted_at IS NULL
          AND ${qualifiedColumn(fromColumn, type.table, inverseAlias)} = ${qualifiedColumn(toColumn, target.table, target.table)} AND ${predicate}`;
      relationsOf.get(target.name)!.push([
        relation.inverse.field,
        {
          field: relation.inverse.field,
          cardinality: relation.inverse.cardinality,
          target: relatedFilter(type, columnsOf.get(type.name)!, inverseAlias),
          matches: (predicate) => `EXISTS (SELECT 1 ${inverseRows(predicate)})`,
          rows: inverseRows,
        },
      ]);
    }
  }
  return new Map(
    types.map((type) => {
      const columns = columnsOf.get(type.name)!;
      const byField = new Map(columns.map((c) => [c.field, c]));
      const t = type.table;
      const schema: AssetSchema = {
        type,
        table: t,
        columns,
        byField,
        content: columns.filter(isWrittenFromRecord),
        allValues: [`${t}.*`, ...columns.filter(isComputed).map((c) => `${c.sql} AS ${c.name}`)].join(', '),
        historyFields: ['arn', 'name', 'accountId', 'region', ...type.fields.filter((f) => f.history && !f.computed).map((f) => f.field), 'tags'],
        filter: {
          columns: byField,
          relations: new Map<string, FilterRelation>([
            ['tags', tagsOf(`${t}.arn`)],
            // An asset's account is its owner (from its ARN): always there, so its filter is a predicate over the row itself.
            ['account', { field: 'account', cardinality: 'one', target: accountFilterOver(types, columnsOf, `${t}.account_id`), matches: (predicate) => predicate }],
            ...relationsOf.get(type.name)!,
          ]),
        },
        assetFilter: {
          columns: new Map(ASSET_FIELDS.map((field) => [field, byField.get(field)!])),
          relations: new Map([['tags', tagsOf(`${t}.arn`)]]),
        },
      };
      return [type.name, schema];
    }),
  );
}

/** Each type's columns, as assetSchemas reads them. */
type ColumnsOf = ReadonlyMap<string, readonly AssetColumn[]>;

/**
 * AccountWhere over an SQL expression giving the account's id: its own values and, unless `withLists` is false, for
 * every type `<plural>_SOME` / `<plural>_NONE` over the assets that apply to the account (those a sync of it listed).
 */
export function accountFilterOver(types: readonly AssetTypeDefinition[], columnsOf: ColumnsOf, accountIdSql: string, withLists = true): FilterSchema {
  return {
    columns: accountColumns(accountIdSql),
    relations: withLists ? new Map(types.map((type) => [type.plural, assetsOfAccount(type, types, columnsOf, accountIdSql)])) : new Map(),
  };
}

/** AccountWhere for the types given, over the accounts list of the store (`accounts.account_id`). */
export function accountFilterSchema(types: readonly AssetTypeDefinition[], d: Dialect, accountIdSql = 'accounts.account_id'): FilterSchema {
  return accountFilterOver(types, new Map(types.map((type) => [type.name, assetColumns(type, d)])), accountIdSql);
}

/** The assets of a type that apply to an account: live, and listed by one of its scopes (the sightings' key starts with the account). */
function assetsOfAccount(type: AssetTypeDefinition, types: readonly AssetTypeDefinition[], columnsOf: ColumnsOf, accountIdSql: string): FilterRelation {
  // Read through an alias of its own (`account_trail`), so that the account's id may itself be a column of an enclosing
  // query of the same table; a filter inside cannot follow `account` again.
  const alias = `account_${type.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`;
  const target: FilterSchema = {
    columns: new Map(columnsOf.get(type.name)!.map((c) => [c.field, { ...c, sql: qualifiedColumn(c, type.table, alias) }])),
    relations: new Map<string, FilterRelation>([
      ['tags', tagsOf(`${alias}.arn`)],
      ['account', { field: 'account', cardinality: 'one', target: accountFilterOver(types, columnsOf, `${alias}.account_id`, false), matches: (predicate) => predicate }],
    ]),
  };
  return {
    field: type.plural,
    cardinality: 'many',
    target,
    // Uncorrelated, so the engine finds the matching accounts once per statement: correlated with each asset of an
    // enclosing query, it read every asset of the asset's account again (77 s of CPU at 100,000 trails, README
    // "Request limits"). The filter never names the enclosing row, and both ids are never NULL, so IN is two-valued.
    matches: (predicate) =>
      `${accountIdSql} IN (SELECT sighting.account_id FROM asset_sightings sighting WHERE sighting.asset_id IN (
         SELECT ${alias}.arn FROM ${type.table} ${alias} WHERE ${alias}.deleted_at IS NULL AND ${predicate}))`,
    // Exactly one is a count per account, so correlated: only `_SINGLE` pays for it.
    rows: (predicate) => `FROM ${type.table} ${alias} WHERE ${alias}.deleted_at IS NULL AND ${predicate}
         AND ${alias}.arn IN (SELECT sighting.asset_id FROM asset_sightings sighting WHERE sighting.account_id = ${accountIdSql})`,
  };
}

/** The registry's filter schema of a type in SQLite's SQL (what tests and benchmarks compile filters against). */
export function registeredFilter(type: string): FilterSchema {
  return assetSchemas(ASSET_TYPES, SQLITE_DIALECT).get(type)!.filter;
}

/** A column's SQL read through `alias` instead of the type's table name. */
export function qualifiedColumn(column: AssetColumn, table: string, alias: string): string {
  if (isConstant(column)) return column.sql;
  if (isComputed(column)) return column.sql.replace(new RegExp(`\\b${table}\\.`, 'g'), `${alias}.`);
  return `${alias}.${column.sql}`;
}

/** The related type's filter inside a relation's subquery, its rows read as `alias`: its fields and its tags. */
function relatedFilter(type: AssetTypeDefinition, columns: readonly AssetColumn[], alias: string): FilterSchema {
  return {
    columns: new Map(columns.map((c) => [c.field, { ...c, sql: qualifiedColumn(c, type.table, alias) }])),
    relations: new Map([['tags', tagsOf(`${alias}.arn`)]]),
  };
}

/** A field's value as the history stores it: tags sorted by key, anything missing as null. */
export function historyValue(record: CollectedAsset, field: string): unknown {
  const value = (record as unknown as Record<string, unknown>)[field];
  if (value === undefined || value === null) return null;
  if (field === 'tags') {
    return [...(value as { key: string; value: string }[])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((t) => ({ key: t.key, value: t.value }));
  }
  return value;
}
