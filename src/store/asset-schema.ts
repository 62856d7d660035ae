// What the store reads of an asset type's definition (src/assets/definition.ts), in the SQL of one dialect: the
// columns of its table (the common asset columns and the type's fields), the columns a sync writes, what its history
// records, and its filter schema with tags, account and the relations of the definitions in both directions. A
// second type is a definition and a migration creating its table; nothing here names a type.
import type { AssetTypeDefinition } from '../assets/definition.js';
import type { CollectedAsset } from '../model/asset.js';
import { assetColumns, isComputed, isConstant, type AssetColumn } from './asset-columns.js';
import type { Dialect } from './dialect.js';
import { accountFilterOf, tagsOf } from './filter-schemas.js';
import { trailCatalog } from './trail-columns.js';
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
export const ASSET_FIELDS: readonly string[] = [
  'id', 'arn', 'name', 'assetType', 'provider', 'accountId', 'region', 'firstSeenAt', 'lastSeenAt', 'deletedAt',
];

/** The store's view of every type in `types`, relations resolved among them. */
export function assetSchemas(types: readonly AssetTypeDefinition[], d: Dialect): ReadonlyMap<string, AssetSchema> {
  const trailColumns = trailCatalog(d).byField;
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
      relationsOf.get(type.name)!.push([relation.field, {
        field: relation.field,
        cardinality: relation.cardinality,
        target: relatedFilter(target, columnsOf.get(target.name)!, forwardAlias),
        matches: (predicate) => `EXISTS (SELECT 1 FROM ${target.table} ${forwardAlias} WHERE ${forwardAlias}.deleted_at IS NULL
          AND ${qualifiedColumn(toColumn, target.table, forwardAlias)} = ${qualifiedColumn(fromColumn, type.table, type.table)} AND ${predicate})`,
      }]);
      if (!relation.inverse) continue;
      // Inverse (`trails_SOME: {...}` on KmsKey): the live rows of this type pointing at the target row.
      const inverseAlias = `${relation.inverse.field}_of_${target.table}`;
      relationsOf.get(target.name)!.push([relation.inverse.field, {
        field: relation.inverse.field,
        cardinality: relation.inverse.cardinality,
        target: relatedFilter(type, columnsOf.get(type.name)!, inverseAlias),
        matches: (predicate) => `EXISTS (SELECT 1 FROM ${type.table} ${inverseAlias} WHERE ${inverseAlias}.deleted_at IS NULL
          AND ${qualifiedColumn(fromColumn, type.table, inverseAlias)} = ${qualifiedColumn(toColumn, target.table, target.table)} AND ${predicate})`,
      }]);
    }
  }
  return new Map(types.map((type) => {
    const columns = columnsOf.get(type.name)!;
    const byField = new Map(columns.map((c) => [c.field, c]));
    const t = type.table;
    const schema: AssetSchema = {
      type,
      table: t,
      columns,
      byField,
      content: columns.filter((c) => !isConstant(c) && !isComputed(c) && !['id', 'firstSeenAt', 'lastSeenAt', 'deletedAt', 'tagsKnown'].includes(c.field)),
      allValues: [`${t}.*`, ...columns.filter(isComputed).map((c) => `${c.sql} AS ${c.name}`)].join(', '),
      historyFields: ['arn', 'name', 'accountId', 'region', ...type.fields.filter((f) => f.history && !f.computed).map((f) => f.field), 'tags'],
      filter: {
        columns: byField,
        relations: new Map<string, FilterRelation>([
          ['tags', tagsOf(`${t}.arn`)],
          ['account', { field: 'account', cardinality: 'one', target: accountFilterOf(trailColumns, `${t}.account_id`), matches: (predicate) => predicate }],
          ...relationsOf.get(type.name)!,
        ]),
      },
      assetFilter: {
        columns: new Map(ASSET_FIELDS.map((field) => [field, byField.get(field)!])),
        relations: new Map([['tags', tagsOf(`${t}.arn`)]]),
      },
    };
    return [type.name, schema];
  }));
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
