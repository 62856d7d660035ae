// Measurement 1 on PostgreSQL: the seed query over HTTP (`trails(where:{kmsKeyID:""}){...AssetFragment}`, 10% of the
// trails) against our server on the PostgresStore, vs the same rows from one raw `pg` query and JSON.stringify: what
// the GraphQL layer, the store and HTTP cost over the storage limit. Skipped, saying so, without PostgreSQL.
import { createInventoryApi } from '../src/graphql/execute.js';
import { silentLogger } from '../src/log.js';
import { startServer } from '../src/server/server.js';
import { POSTGRES_DIALECT } from '../src/store/dialect.js';
import { trailCatalog } from '../src/store/trail-columns.js';
import { measurement, timeBoth, type Benchmark } from './lib/measure.js';
import { openPostgresBenchInventory, postgresUnavailable, type OrganizationSize } from './lib/postgres-inventory.js';
import { SEED_QUERY } from './seed-query.js';

/**
 * The rows the seed query returns, from one PostgreSQL query: the API's columns, tags as JSON (json_agg keeps the
 * key order), lastSeenAt from the PostgreSQL dialect's own trail column SQL, as the store computes it.
 */
export function seedReferenceSqlPostgres(): string {
  const lastSeenAt = trailCatalog(POSTGRES_DIALECT).byField.get('lastSeenAt')!.sql;
  return `SELECT trails.arn AS "id", trails.arn AS "arn", trails.name AS "name", 'Trail' AS "assetType", 'aws' AS "provider",
                 trails.account_id AS "accountId", trails.region AS "region",
                 trails.first_seen_at AS "firstSeenAt", ${lastSeenAt} AS "lastSeenAt",
                 (SELECT coalesce(json_agg(json_build_object('key', tag.key, 'value', tag.value) ORDER BY tag.key), '[]'::json)
                    FROM asset_tags tag WHERE tag.asset_id = trails.arn) AS "tags"
            FROM trails WHERE trails.kms_key_id = '' AND trails.deleted_at IS NULL ORDER BY trails.arn`;
}

const FIELDS = ['id', 'arn', 'name', 'assetType', 'provider', 'accountId', 'region', 'tags', 'firstSeenAt', 'lastSeenAt'] as const;

/** The benchmark over an organization of the given size (the registered one: 100 accounts × 17 regions; tests: smaller). */
export const seedQueryPostgresIn = (organization?: OrganizationSize): Benchmark => ({
  name: 'seed-query-postgres',
  description: 'the seed query over HTTP on PostgreSQL vs the same rows from one raw pg query and JSON.stringify',
  async run({ trails, runs, log }) {
    const unavailable = await postgresUnavailable();
    if (unavailable) {
      log(`seed-query-postgres skipped: ${unavailable}`);
      return [];
    }
    const inventory = await openPostgresBenchInventory(trails, log, { organization });
    const server = await startServer({ store: inventory.store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
    try {
      const sql = seedReferenceSqlPostgres();
      const ours = async () => {
        const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SEED_QUERY }) });
        const body = (await response.json()) as { data?: { trails: Record<string, unknown>[] }; errors?: unknown };
        if (!body.data) throw new Error(`the seed query failed: ${JSON.stringify(body.errors)}`);
        return body.data.trails;
      };
      const reference = async () => {
        const rows = await inventory.query<Record<string, unknown>>(sql);
        const json = JSON.stringify({ data: { trails: rows } });
        return (JSON.parse(json) as { data: { trails: Record<string, unknown>[] } }).data.trails;
      };
      // Before timing: both sides return the same rows, in the same order, with the same values.
      const [a, b] = [await ours(), await reference()];
      if (a.length !== b.length || a.length !== inventory.unencrypted) {
        throw new Error(`the seed query returned ${a.length} trails, the raw query ${b.length}, the inventory has ${inventory.unencrypted} without a key`);
      }
      const project = (row: Record<string, unknown>) => JSON.stringify(FIELDS.map((field) => row[field]));
      const differing = a.findIndex((row, i) => project(row) !== project(b[i]!));
      if (differing >= 0) throw new Error(`row ${differing} differs: ours ${project(a[differing]!)}, raw ${project(b[differing]!)}`);
      log(`both sides return the same ${a.length} rows (ids, order and every field)`);
      const times = await timeBoth(
        runs,
        async () => (await ours()).length,
        async () => (await reference()).length,
      );
      return [
        measurement(
          'seed-query-postgres',
          'ms',
          times.ours,
          times.reference,
          `${times.count} of ${trails} trails on PostgreSQL: GraphQL over HTTP vs raw pg query + JSON`,
        ),
      ];
    } finally {
      await server.close();
      await inventory.close();
    }
  },
});

export const seedQueryPostgres: Benchmark = seedQueryPostgresIn();
