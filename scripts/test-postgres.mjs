// npm run test:postgres: the contract suite (the store, GraphQL, controls and server tests) against PostgreSQL, each
// test in a schema of its own in the database INVENTORY_TEST_POSTGRES_URL names. Without that variable it says it
// skipped, in one line, and succeeds: the SQLite suite (npm test) is the one every machine runs.
import { spawnSync } from 'node:child_process';

const url = process.env.INVENTORY_TEST_POSTGRES_URL;
if (!url) {
  console.log('PostgreSQL suite skipped: INVENTORY_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(0);
}
// And Cyscale's library end to end: its stored checks are the field's, and they must mean the same on both stores.
const folders = ['test/store', 'test/graphql', 'test/controls', 'test/server', 'test/e2e/cyscale-library.test.ts'];
const result = spawnSync('npx', ['vitest', 'run', ...folders, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, INVENTORY_TEST_DB: 'postgres' },
});
process.exit(result.status ?? 1);
