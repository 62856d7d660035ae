// What each `where` input may name, per type: its columns (from the column catalogs) and the relations a filter can
// follow (`tags_SOME`, `tags_NONE`, `account`). The GraphQL layer generates TagWhere, AccountWhere, TrailWhere and
// AssetWhere from the SDL and checks them against these schemas; the where compiler compiles against them.
import { COLLECTOR_BY_ASSET_TYPE } from '../model/asset-types.js';
import { TRAIL_COLUMNS_BY_FIELD } from './trail-columns.js';
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

/** An account's filterable values, as SQL over an expression that gives its id (a trail's account_id, or the accounts list's). */
export function accountFilter(accountIdSql: string): FilterSchema {
  return {
    columns: byField([
      { field: 'id', sql: accountIdSql, kind: 'string', nullable: false },
      { field: 'accountId', sql: accountIdSql, kind: 'string', nullable: false },
      { field: 'lastSyncedAt', sql: accountLastSyncedAtSql(accountIdSql), kind: 'datetime', nullable: true },
    ]),
    relations: NO_RELATIONS,
  };
}

/** The accounts list of the store selects each account's id as `accounts.account_id`. */
export const ACCOUNT_FILTER: FilterSchema = accountFilter('accounts.account_id');

const tagsOf = (assetIdSql: string): FilterRelation => ({
  field: 'tags',
  cardinality: 'many',
  target: TAG_FILTER,
  // The primary key (asset_id, key) makes this one index search per asset.
  matches: (predicate) => `EXISTS (SELECT 1 FROM asset_tags tag WHERE tag.asset_id = ${assetIdSql} AND ${predicate})`,
});

/** A trail's account is the owner account (from its ARN): always there, so its filter is a predicate over the trail's own row. */
const trailAccount: FilterRelation = {
  field: 'account',
  cardinality: 'one',
  target: accountFilter('trails.account_id'),
  matches: (predicate) => predicate,
};

export const TRAIL_FILTER: FilterSchema = {
  columns: TRAIL_COLUMNS_BY_FIELD,
  relations: new Map([
    ['tags', tagsOf('trails.arn')],
    ['account', trailAccount],
  ]),
};

/** The fields of `interface Asset` (schema/asset.graphql) that every asset type's table provides. */
export const ASSET_FIELDS: readonly string[] = [
  'id', 'arn', 'name', 'assetType', 'provider', 'accountId', 'region', 'firstSeenAt', 'lastSeenAt', 'deletedAt',
];

/** AssetWhere over the trails table: only what every asset has, so a filter never names a trail-only field. */
export const TRAIL_ASSET_FILTER: FilterSchema = {
  columns: new Map(ASSET_FIELDS.map((field) => [field, TRAIL_COLUMNS_BY_FIELD.get(field)!])),
  relations: new Map([['tags', tagsOf('trails.arn')]]),
};
