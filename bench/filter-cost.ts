// npx tsx bench/filter-cost.ts --db <inventory> [--terms 20,200] [--shape name]...: times hostile filters (README,
// "Request limits") through the in-process GraphQL API (`trailsAggregate(where: ...) { count }`), each once, wall and
// CPU time, on an inventory such as `npm run bench:generate -- --db /tmp/f.db --trails 100000` makes. The server's
// filter limits are not applied here: what one such filter costs is what those limits bound.
import { parseArgs } from 'node:util';
import { createInventoryApi, runQuery } from '../src/graphql/execute.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

/** Each shape: a `where` of n terms, as GraphQL text. */
const SHAPES: Readonly<Record<string, (n: number) => string>> = {
  // The issue's request: an OR of tag filters over the same relation.
  'or-tags': (n) =>
    `{OR: [${range(n)
      .map((i) => `{tags_SOME: {value_CONTAINS: "zz${i}"}}`)
      .join(', ')}]}`,
  // An OR of substring tests on the trail's own columns: one scan, n tests a row.
  'or-name': (n) =>
    `{OR: [${range(n)
      .map((i) => `{name_CONTAINS: "zz${i}"}`)
      .join(', ')}]}`,
  // Tag filters that cannot be merged: each beside a test of the trail's own.
  'or-tags-and-name': (n) =>
    `{OR: [${range(n / 2)
      .map((i) => `{tags_SOME: {value_CONTAINS: "zz${i}"}, name_CONTAINS: "trail"}`)
      .join(', ')}]}`,
  // The account's other trails: each trail's account's trails, through their sightings.
  'or-account-trails': (n) =>
    `{OR: [${range(n)
      .map((i) => `{account: {trails_SOME: {name_CONTAINS: "zz${i}"}}}`)
      .join(', ')}]}`,
  // The same, each beside a test of the trail's own, so that none can be merged.
  'or-account-trails-and-name': (n) =>
    `{OR: [${range(n / 2)
      .map((i) => `{account: {trails_SOME: {name_CONTAINS: "zz${i}"}}, name_CONTAINS: "trail"}`)
      .join(', ')}]}`,
  // A value computed per trail (from its sightings and their scopes), compared n times.
  'or-last-seen': (n) =>
    `{OR: [${range(n)
      .map((i) => `{lastSeenAt_LT: "2000-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z"}`)
      .join(', ')}]}`,
  // The owner account's status, computed per trail, compared n times.
  'or-account-status': (n) =>
    `{OR: [${range(n)
      .map((i) => `{account: {status: FAILED}, name_CONTAINS: "zz${i}"}`)
      .join(', ')}]}`,
  // A name_IN list of n values.
  'name-in': (n) =>
    `{name_IN: [${range(n)
      .map((i) => `"zz${i}"`)
      .join(', ')}]}`,
};

const range = (n: number): number[] => Array.from({ length: Math.max(1, Math.floor(n)) }, (_, i) => i);

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { db: { type: 'string' }, terms: { type: 'string', default: '20,200' }, shape: { type: 'string', multiple: true } },
});
if (!values.db) {
  process.stderr.write(`usage: npx tsx bench/filter-cost.ts --db <inventory> [--terms 20,200] [--shape ${Object.keys(SHAPES).join('|')}]...\n`);
  process.exit(2);
}
const store = SqliteStore.open(values.db);
const api = createInventoryApi();
try {
  for (const shape of values.shape ?? Object.keys(SHAPES)) {
    const where = SHAPES[shape];
    if (!where) throw new Error(`no shape "${shape}"`);
    for (const n of values.terms.split(',').map(Number)) {
      const query = `{ trailsAggregate(where: ${where(n)}) { count } }`;
      const started = performance.now();
      const cpu = process.cpuUsage();
      const result = await runQuery(api, store, query);
      const seconds = (performance.now() - started) / 1000;
      // CPU time as well: on a shared machine the wall time says more about the neighbours than about the filter.
      const { user, system } = process.cpuUsage(cpu);
      const outcome = result.errors
        ? `error: ${result.errors[0]?.message.slice(0, 120)}`
        : `count ${(result.data as { trailsAggregate: { count: number } }).trailsAggregate.count}`;
      process.stdout.write(
        `${shape.padEnd(26)} ${String(n).padStart(5)} terms  ${(query.length / 1024).toFixed(1).padStart(6)} KB  ${seconds.toFixed(2).padStart(8)} s  ${((user + system) / 1e6).toFixed(2).padStart(8)} s CPU  ${outcome}\n`,
      );
    }
  }
} finally {
  await store.close();
}
