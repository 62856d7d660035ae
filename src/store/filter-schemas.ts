// What each `where` input may name that is the same for every asset type: a tag (`tags_SOME`, `tags_NONE`) and an
// account's own values. The registry's types, their relations and the account's lists of them are added by
// src/store/asset-schema.ts; the GraphQL layer generates the Where inputs from the SDL and checks them against both.
import { ACCOUNT_ASSET_CATEGORY, ACCOUNT_INTERNAL_ASSET_TYPE, ACCOUNT_REGION } from '../assets/account.js';
import { COLLECTOR_BY_ASSET_TYPE } from '../assets/registry.js';
import type { FilterColumn, FilterRelation, FilterSchema } from './where.js';

const NO_RELATIONS: ReadonlyMap<string, FilterRelation> = new Map();

const byField = (columns: readonly FilterColumn[]): ReadonlyMap<string, FilterColumn> => new Map(columns.map((c) => [c.field, c]));

/** A tag row of asset_tags, as the alias `tag` inside the EXISTS subquery of `tags_SOME` / `tags_NONE`. */
export const TAG_FILTER: FilterSchema = {
  columns: byField([
    { field: 'key', sql: 'tag.key', kind: 'string', nullable: false },
    { field: 'value', sql: 'tag.value', kind: 'string', nullable: false },
  ]),
  relations: NO_RELATIONS,
};

/** The collectors whose sync state an account's freshness is read from (every asset type's). */
export const ACCOUNT_COLLECTORS: readonly string[] = [...new Set(Object.values(COLLECTOR_BY_ASSET_TYPE))];
const COLLECTOR_LIST = ACCOUNT_COLLECTORS.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ');

/**
 * The latest successful sync (ok, or skipped as a region the account has not enabled) of any of the account's scopes.
 * Read from sync_scope_state by its key (collector, account_id), so filtering many trails on it stays an index lookup each.
 */
export const accountLastSyncedAtSql = (accountIdSql: string): string =>
  `(SELECT max(state.last_success_at) FROM sync_scope_state state WHERE state.collector IN (${COLLECTOR_LIST}) AND state.account_id = ${accountIdSql})`;

/** The run that retired the account of `alias` (a sync_accounts row), or 0: attempts up to it no longer count. */
export const RETIRED_BEFORE = (alias: string): string =>
  `coalesce((SELECT r.run_id FROM retired_accounts r WHERE r.collector = ${alias}.collector AND r.account_id = ${alias}.account_id), 0)`;

/**
 * The attempts at the account (sync_accounts rows as `alias`) since it was last retired, if ever. A join, not
 * RETIRED_BEFORE: PostgreSQL would check the subquery on every attempt of every account before the account's id.
 */
export const attemptsSinceRetired = (alias: string, accountIdSql: string): string =>
  `sync_accounts ${alias} LEFT JOIN retired_accounts ${alias}_r ON ${alias}_r.collector = ${alias}.collector AND ${alias}_r.account_id = ${alias}.account_id
    WHERE ${alias}.collector IN (${COLLECTOR_LIST}) AND ${alias}.account_id = ${accountIdSql} AND ${alias}.run_id > coalesce(${alias}_r.run_id, 0)`;

/** The status of the account's latest sync attempt ('ok' or 'failed'), NULL when no sync attempted it since it was retired. */
export const accountStatusSql = (accountIdSql: string): string =>
  `(SELECT a.status FROM ${attemptsSinceRetired('a', accountIdSql)}
     ORDER BY a.run_id DESC LIMIT 1)`;

/** The latest name a sync gave the account (the accounts file's, else AWS Organizations'), NULL when none did. */
export const accountNameSql = (accountIdSql: string): string =>
  `(SELECT n.account_name FROM sync_accounts n WHERE n.collector IN (${COLLECTOR_LIST}) AND n.account_id = ${accountIdSql} AND n.account_name IS NOT NULL
     ORDER BY n.run_id DESC LIMIT 1)`;

/**
 * An account's own filterable values, as SQL over an expression that gives its id (an asset's account_id, or the
 * accounts list's). The lists of assets that apply to it (`<plural>_SOME`, `<plural>_NONE`) come from the registry
 * (src/store/asset-schema.ts, accountFilterOver).
 */
export function accountColumns(accountIdSql: string): ReadonlyMap<string, FilterColumn> {
  return byField([
    { field: 'id', sql: accountIdSql, kind: 'string', nullable: false },
    { field: 'accountId', sql: accountIdSql, kind: 'string', nullable: false },
    { field: 'lastSyncedAt', sql: accountLastSyncedAtSql(accountIdSql), kind: 'datetime', nullable: true },
    { field: 'status', sql: accountStatusSql(accountIdSql), kind: 'enum', nullable: true },
    { field: 'name', sql: accountNameSql(accountIdSql), kind: 'string', nullable: true },
    // Cyscale's asset fields of an account (schema/account.graphql, Account implements IAsset): the same values the
    // resolvers give. CAST keeps the constants typed on PostgreSQL; an account has no content hash of its own.
    { field: 'identifier', sql: accountIdSql, kind: 'string', nullable: false },
    { field: 'accountID', sql: accountIdSql, kind: 'string', nullable: false },
    { field: 'cloudAccountID', sql: accountIdSql, kind: 'string', nullable: false },
    { field: 'cloudAccountName', sql: accountNameSql(accountIdSql), kind: 'string', nullable: true },
    { field: 'cloudProvider', sql: textConstant('aws'), kind: 'string', nullable: false },
    { field: 'idFromProvider', sql: accountIdSql, kind: 'string', nullable: false },
    { field: 'internalAssetType', sql: textConstant(ACCOUNT_INTERNAL_ASSET_TYPE), kind: 'string', nullable: false },
    { field: 'internalName', sql: accountNameSql(accountIdSql), kind: 'string', nullable: true },
    { field: 'internalRegion', sql: textConstant(ACCOUNT_REGION), kind: 'string', nullable: false },
    { field: 'assetCategory', sql: textConstant(ACCOUNT_ASSET_CATEGORY), kind: 'string', nullable: false },
    { field: 'contentHash', sql: 'CAST(NULL AS TEXT)', kind: 'string', nullable: true },
  ]);
}

/** A text constant both engines type as text. */
const textConstant = (value: string): string => `CAST('${value.replaceAll("'", "''")}' AS TEXT)`;

export function tagsOf(assetIdSql: string): FilterRelation {
  return {
    field: 'tags',
    cardinality: 'many',
    target: TAG_FILTER,
    // The primary key (asset_id, key) makes this one index search per asset.
    matches: (predicate) => `EXISTS (SELECT 1 FROM asset_tags tag WHERE tag.asset_id = ${assetIdSql} AND ${predicate})`,
    rows: (predicate) => `FROM asset_tags tag WHERE tag.asset_id = ${assetIdSql} AND ${predicate}`,
  };
}
