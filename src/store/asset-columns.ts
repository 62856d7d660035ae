// The columns of an asset type's table, from its definition (src/assets/definition.ts), in the SQL of one dialect: the
// common asset columns (arn, name, account_id, region, first_seen_at, last_seen_at, deleted_at, ..., raw) and the
// type's fields. The where compiler, the row mapper and the writer all read this one list.
import type { AssetField, AssetTypeDefinition, JsonShape } from '../assets/definition.js';
import type { Dialect } from './dialect.js';
import { accountNameSql } from './filter-schemas.js';
import type { ColumnKind } from './where.js';

export interface AssetColumn {
  /** The API field (camelCase, as in the type's SDL). */
  field: string;
  /** The SQL column, constant, or expression over the type's table: what filters and sorts compare. */
  sql: string;
  /** The name of the value in a result row: the column itself, or the alias a computed expression is selected as. */
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  /** For a JSON field that declares it: what it holds, which makes it filterable inside (src/store/where.ts). */
  shape?: JsonShape;
  /** A constant's value, as the row mapper gives it to every asset of the type. */
  constant?: string;
  /** Another name of a column some other field already reads (`identifier` is the ARN): never written on its own. */
  alias?: boolean;
}

/** A constant such as 'Trail': never read from a row. */
export const isConstant = (c: AssetColumn): boolean => c.sql.startsWith("'");

/** A value computed in SQL (selected under an alias), not a stored column. */
export const isComputed = (c: AssetColumn): boolean => !isConstant(c) && c.sql !== c.name;

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** Fields the store keeps itself rather than a sync writing them from a record. */
const BOOKKEEPING = new Set(['id', 'firstSeenAt', 'lastSeenAt', 'deletedAt', 'tagsKnown', 'contentHash']);

/** Whether a sync writes the column from a collected record: not a constant, a computed value, an alias, or bookkeeping. */
export const isWrittenFromRecord = (c: AssetColumn): boolean => !isConstant(c) && !isComputed(c) && !c.alias && !BOOKKEEPING.has(c.field);

/**
 * The fields of `interface IAsset` (schema/asset.graphql, Cyscale's asset fields) that every asset type's table provides
 * beside its own: the registry test proves each type's SDL declares them.
 */
export const IASSET_FIELDS: readonly string[] = [
  'identifier',
  'accountID',
  'cloudAccountID',
  'cloudAccountName',
  'cloudProvider',
  'idFromProvider',
  'internalAssetType',
  'internalName',
  'internalRegion',
  'assetCategory',
  'contentHash',
];

const kindOf = (field: AssetField): ColumnKind => (field.kind === 'enum' ? 'enum' : field.kind) as ColumnKind;

/** The type's columns: the common ones, its fields in the order of its SDL, then tagsKnown, collectionErrors, raw. */
export function assetColumns(type: AssetTypeDefinition, d: Dialect): AssetColumn[] {
  const t = type.table;
  const column = (field: string, sql: string, kind: ColumnKind, nullable = false): AssetColumn => ({ field, sql, name: sql, kind, nullable });
  /**
   * A live asset was last seen by the latest successful sync of any scope that lists it (a region since disabled, and
   * so skipped, lists nothing). Unchanged assets are not rewritten, so this is read from the scopes rather than
   * stored; a deleted asset keeps the time stored when it was deleted, and one no scope lists now the time it was
   * written. CROSS JOIN keeps SQLite's join order: from the asset's few sightings to their scopes, never the reverse.
   */
  const lastSeenAt = `(CASE WHEN ${t}.deleted_at IS NULL THEN coalesce(
    (SELECT max(CASE WHEN state.last_status = 'skipped' THEN NULL ELSE state.last_success_at END)
       FROM asset_sightings sighting CROSS JOIN sync_scope_state state
      WHERE sighting.asset_id = ${t}.arn
        AND state.collector = ${quote(type.collector)} AND state.account_id = sighting.account_id AND state.region = sighting.region),
    ${t}.last_seen_at) ELSE ${t}.last_seen_at END)`;
  const constant = (field: string, value: string): AssetColumn => ({ ...column(field, d.textConstant(value), 'string'), constant: value });
  const alias = (field: string, sql: string): AssetColumn => ({ ...column(field, sql, 'string'), alias: true });
  return [
    column('id', 'arn', 'string'),
    column('arn', 'arn', 'string'),
    column('name', 'name', 'string'),
    constant('assetType', type.name),
    constant('provider', 'aws'),
    column('accountId', 'account_id', 'string'),
    column('region', 'region', 'string'),
    column('firstSeenAt', 'first_seen_at', 'datetime'),
    { field: 'lastSeenAt', sql: lastSeenAt, name: 'last_seen', kind: 'datetime', nullable: false },
    column('deletedAt', 'deleted_at', 'datetime', true),
    ...type.fields.map(
      (f): AssetColumn =>
        f.computed
          ? { field: f.field, sql: `(${f.computed(d)})`, name: f.column, kind: kindOf(f), nullable: f.nullable, ...(f.shape === undefined ? {} : { shape: f.shape }) }
          : { ...column(f.field, f.column, kindOf(f), f.nullable), ...(f.shape === undefined ? {} : { shape: f.shape }) },
    ),
    column('tagsKnown', 'tags_known', 'boolean'),
    column('collectionErrors', 'collection_errors', 'json'),
    column('raw', 'raw', 'json'),
    // Cyscale's asset fields (IASSET_FIELDS): other names of the common columns, the owner account's name, the type's
    // constants, and the hash of the collected record the store core writes with every change of it.
    alias('identifier', 'arn'),
    alias('accountID', 'account_id'),
    alias('cloudAccountID', 'account_id'),
    { field: 'cloudAccountName', sql: accountNameSql(`${t}.account_id`), name: 'cloud_account_name', kind: 'string', nullable: true },
    constant('cloudProvider', 'aws'),
    alias('idFromProvider', 'arn'),
    constant('internalAssetType', type.internalAssetType),
    alias('internalName', 'name'),
    alias('internalRegion', 'region'),
    constant('assetCategory', type.assetCategory),
    column('contentHash', 'content_hash', 'string'),
  ];
}
