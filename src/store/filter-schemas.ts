// What each `where` input may name, per type: its columns (from the column catalogs) and the relations a filter can
// follow (`tags_SOME`, `tags_NONE`, `account`). The GraphQL layer generates TagWhere, AccountWhere, TrailWhere and
// AssetWhere from the SDL and checks them against these schemas; the where compiler compiles against them.
import { COLLECTOR_BY_ASSET_TYPE } from '../assets/registry.js';
import { SQLITE_DIALECT, type Dialect } from './dialect.js';
import { trailCatalog } from './trail-columns.js';
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

/** The status of the account's latest sync attempt ('ok' or 'failed'), NULL when no sync attempted it since it was retired. */
export const accountStatusSql = (accountIdSql: string): string =>
  `(SELECT a.status FROM sync_accounts a WHERE a.collector IN (${COLLECTOR_LIST}) AND a.account_id = ${accountIdSql} AND a.run_id > ${RETIRED_BEFORE('a')}
     ORDER BY a.run_id DESC LIMIT 1)`;

/** The latest name a sync gave the account (the accounts file's, else AWS Organizations'), NULL when none did. */
export const accountNameSql = (accountIdSql: string): string =>
  `(SELECT n.account_name FROM sync_accounts n WHERE n.collector IN (${COLLECTOR_LIST}) AND n.account_id = ${accountIdSql} AND n.account_name IS NOT NULL
     ORDER BY n.run_id DESC LIMIT 1)`;

/**
 * An account's filterable values, as SQL over an expression that gives its id (a trail's account_id, or the accounts
 * list's), and with `trails` the trails that apply to it: every live trail a sync of the account listed (its own, and
 * the organization trails it sees). Inside `trails_SOME` the trails table is read as `account_trail`, so that the
 * account's id may itself be a column of an enclosing trails query; a filter there cannot follow `account` again.
 */
export function accountFilterOf(trailColumnsByField: ReadonlyMap<string, FilterColumn>, accountIdSql: string, withTrails = true): FilterSchema {
  return {
    columns: byField([
      { field: 'id', sql: accountIdSql, kind: 'string', nullable: false },
      { field: 'accountId', sql: accountIdSql, kind: 'string', nullable: false },
      { field: 'lastSyncedAt', sql: accountLastSyncedAtSql(accountIdSql), kind: 'datetime', nullable: true },
      { field: 'status', sql: accountStatusSql(accountIdSql), kind: 'enum', nullable: true },
      { field: 'name', sql: accountNameSql(accountIdSql), kind: 'string', nullable: true },
    ]),
    relations: withTrails ? new Map([['trails', trailsOfAccount(trailColumnsByField, accountIdSql)]]) : NO_RELATIONS,
  };
}

export function tagsOf(assetIdSql: string): FilterRelation {
  return {
    field: 'tags',
    cardinality: 'many',
    target: TAG_FILTER,
    // The primary key (asset_id, key) makes this one index search per asset.
    matches: (predicate) => `EXISTS (SELECT 1 FROM asset_tags tag WHERE tag.asset_id = ${assetIdSql} AND ${predicate})`,
  };
}

/** A trail's account is the owner account (from its ARN): always there, so its filter is a predicate over the trail's own row. */
const trailAccount = (trailColumnsByField: ReadonlyMap<string, FilterColumn>): FilterRelation => ({
  field: 'account',
  cardinality: 'one',
  target: accountFilterOf(trailColumnsByField, 'trails.account_id'),
  matches: (predicate) => predicate,
});

/** The trails that apply to an account: live, and listed by one of its scopes (the sightings' key starts with the account). */
function trailsOfAccount(trailColumnsByField: ReadonlyMap<string, FilterColumn>, accountIdSql: string): FilterRelation {
  const alias = 'account_trail';
  // Column SQL is written over the table name `trails`; here the same columns are read through the alias.
  const aliased = (sql: string) => sql.replace(/\btrails\./g, `${alias}.`);
  const target: FilterSchema = {
    columns: new Map([...trailColumnsByField].map(([field, column]) => [field, { ...column, sql: aliased(column.sql) }])),
    relations: new Map([
      ['tags', tagsOf(`${alias}.arn`)],
      ['account', { field: 'account', cardinality: 'one', target: accountFilterOf(trailColumnsByField, `${alias}.account_id`, false), matches: (predicate) => predicate }],
    ]),
  };
  return {
    field: 'trails',
    cardinality: 'many',
    target,
    // Uncorrelated, so the engine finds the matching accounts once per statement: correlated with each trail of an
    // enclosing trails query, it read every trail of the trail's account again (77 s of CPU at 100,000 trails, README
    // "Request limits"). The filter never names the enclosing row, and both ids are never NULL, so IN is two-valued.
    matches: (predicate) =>
      `${accountIdSql} IN (SELECT sighting.account_id FROM asset_sightings sighting WHERE sighting.asset_id IN (
         SELECT ${alias}.arn FROM trails ${alias} WHERE ${alias}.deleted_at IS NULL AND ${predicate}))`,
  };
}

/** The fields of `interface Asset` (schema/asset.graphql) that every asset type's table provides. */
export const ASSET_FIELDS: readonly string[] = [
  'id', 'arn', 'name', 'assetType', 'provider', 'accountId', 'region', 'firstSeenAt', 'lastSeenAt', 'deletedAt',
];

/** What each `where` input may name, in the SQL of one dialect. */
export interface FilterSchemas {
  /** TrailWhere. */
  trail: FilterSchema;
  /** AccountWhere: the accounts list of the store selects each account's id as `accounts.account_id`. */
  account: FilterSchema;
  /** AssetWhere over the trails table: only what every asset has, so a filter never names a trail-only field. */
  trailAsset: FilterSchema;
  tag: FilterSchema;
  /** An account's filter over any SQL expression giving its id. */
  accountOf(accountIdSql: string, withTrails?: boolean): FilterSchema;
}

export function filterSchemas(d: Dialect): FilterSchemas {
  const columns = trailCatalog(d).byField;
  return {
    trail: {
      columns,
      relations: new Map([
        ['tags', tagsOf('trails.arn')],
        ['account', trailAccount(columns)],
      ]),
    },
    account: accountFilterOf(columns, 'accounts.account_id'),
    trailAsset: {
      columns: new Map(ASSET_FIELDS.map((field) => [field, columns.get(field)!])),
      relations: new Map([['tags', tagsOf('trails.arn')]]),
    },
    tag: TAG_FILTER,
    accountOf: (accountIdSql, withTrails) => accountFilterOf(columns, accountIdSql, withTrails),
  };
}

const SQLITE_FILTERS = filterSchemas(SQLITE_DIALECT);

/** An account's filter over an SQL expression giving its id (SQLite). */
export const accountFilter = (accountIdSql: string, withTrails = true): FilterSchema => SQLITE_FILTERS.accountOf(accountIdSql, withTrails);

export const ACCOUNT_FILTER: FilterSchema = SQLITE_FILTERS.account;

export const TRAIL_FILTER: FilterSchema = SQLITE_FILTERS.trail;

/** AssetWhere over the trails table: only what every asset has, so a filter never names a trail-only field. */
export const TRAIL_ASSET_FILTER: FilterSchema = SQLITE_FILTERS.trailAsset;
