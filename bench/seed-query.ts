// Measurement 1: the seed query over HTTP (`trails(where:{kmsKeyID:""}){...AssetFragment}`, 10% of the trails), against
// the same rows from one raw better-sqlite3 prepared statement and JSON.stringify: what the GraphQL layer, its worker
// thread and HTTP cost over the storage limit.
import { createInventoryApi } from '../src/graphql/execute.js';
import { silentLogger } from '../src/log.js';
import { defaultWorkerCount } from '../src/server/graphql-pool.js';
import { startServer } from '../src/server/server.js';
import { openBenchInventory } from './lib/inventory.js';
import { measurement, timeBoth, type Benchmark } from './lib/measure.js';
import { seedReferenceSql } from './lib/seed-reference.js';

export const SEED_QUERY = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';

export const seedQuery: Benchmark = {
  name: 'seed-query',
  description: 'the seed query over HTTP vs the same rows from a raw prepared statement and JSON.stringify',
  async run({ trails, runs, log }) {
    const inventory = await openBenchInventory(trails, log);
    // As `inventory serve` runs by default: the query in a GraphQL worker thread (README, "No request stops the server").
    const server = await startServer({ store: inventory.store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger, workers: defaultWorkerCount() });
    try {
      // /healthz answers once the start-up integrity check has run (README, Operations): it takes a core for seconds.
      await (await fetch(`${server.url}/healthz`)).text();
      const raw = inventory.store.db.prepare(seedReferenceSql());
      const times = await timeBoth(
        runs,
        async () => {
          const response = await fetch(server.graphqlUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: SEED_QUERY }),
          });
          const body = (await response.json()) as { data?: { trails: unknown[] }; errors?: unknown };
          if (!body.data) throw new Error(`the seed query failed: ${JSON.stringify(body.errors)}`);
          return body.data.trails.length;
        },
        () => {
          const rows = raw.all() as { tags: string }[];
          const json = JSON.stringify({ data: { trails: rows.map((row) => ({ ...row, tags: JSON.parse(row.tags) })) } });
          return (JSON.parse(json) as { data: { trails: unknown[] } }).data.trails.length;
        },
      );
      if (times.count !== inventory.unencrypted)
        throw new Error(`the seed query returned ${times.count} trails, the inventory has ${inventory.unencrypted} without a key`);
      return [measurement('seed-query', 'ms', times.ours, times.reference, `${times.count} of ${trails} trails: GraphQL over HTTP vs raw statement + JSON`)];
    } finally {
      await server.close();
      await inventory.close();
    }
  },
};
