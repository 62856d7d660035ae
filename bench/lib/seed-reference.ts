// The reference side of the seed query (measurements 1 and 6): the rows `{ trails(where:{kmsKeyID:""}){...AssetFragment} }`
// returns, from one raw statement. Light on imports, so a process that only runs it loads no GraphQL or server code.
import { TRAIL_COLUMNS_BY_FIELD } from '../../src/store/trail-columns.js';

/**
 * The API's columns, tags as JSON. lastSeenAt is read from the scopes that see a trail (unchanged trails are not
 * rewritten): the same SQL as the API's.
 */
export function seedReferenceSql(): string {
  const lastSeenAt = TRAIL_COLUMNS_BY_FIELD.get('lastSeenAt')!.sql;
  return `SELECT trails.arn AS id, trails.arn, trails.name, 'Trail' AS assetType, 'aws' AS provider, trails.account_id AS accountId, trails.region,
                 trails.first_seen_at AS firstSeenAt, ${lastSeenAt} AS lastSeenAt,
                 (SELECT json_group_array(json_object('key', key, 'value', value)) FROM asset_tags WHERE asset_id = trails.arn ORDER BY key) AS tags
            FROM trails WHERE trails.kms_key_id = '' AND trails.deleted_at IS NULL ORDER BY trails.arn`;
}
