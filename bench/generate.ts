// npm run bench:generate -- --db <file> [--accounts n] [--regions n] [--trails n] [--unencrypted share]: writes a
// synthetic organization into an inventory through the sync path, to query, serve or check at any size, e.g.
//   npm run bench:generate -- --db ./data/big.db --trails 1000000 && npx inventory serve --db ./data/big.db
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { DEFAULT_REGIONS } from '../src/simulator/scenario.js';
import { DEFAULT_SHAPE, unencryptedCount, writeOrganization, type OrganizationShape } from './lib/synthetic.js';

const usage = 'usage: npm run bench:generate -- --db <file> [--accounts 100] [--regions 17] [--trails 100000] [--unencrypted 0.1]\n';

function parse(argv: string[]): { db: string; shape: OrganizationShape } {
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, accounts: { type: 'string' }, regions: { type: 'string' }, trails: { type: 'string' }, unencrypted: { type: 'string' } },
  });
  if (!values.db) throw new Error('--db is required');
  const count = (name: 'accounts' | 'regions' | 'trails', max = Number.MAX_SAFE_INTEGER): number => {
    const value = values[name] === undefined ? DEFAULT_SHAPE[name] : Number(values[name]);
    if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} takes an integer from 1 to ${max}, not ${values[name]}`);
    return value;
  };
  const share = values.unencrypted === undefined ? DEFAULT_SHAPE.unencryptedShare : Number(values.unencrypted);
  if (!(share >= 0 && share <= 1)) throw new Error(`--unencrypted takes a share from 0 to 1, not ${values.unencrypted}`);
  return { db: values.db, shape: { accounts: count('accounts'), regions: count('regions', DEFAULT_REGIONS.length), trails: count('trails'), unencryptedShare: share } };
}

let options: ReturnType<typeof parse>;
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench:generate: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (existsSync(options.db)) {
  process.stderr.write(`bench:generate: ${options.db} exists; give a new file, so that no inventory is mixed with synthetic data\n`);
  process.exit(2);
}
const started = performance.now();
const store = SqliteStore.open(options.db);
try {
  await writeOrganization(store, options.shape);
} finally {
  await store.close();
}
const { accounts, regions, trails } = options.shape;
process.stdout.write(
  `${options.db}: ${trails} trails in ${accounts} accounts × ${regions} regions, ${unencryptedCount(options.shape)} without a KMS key, ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
