// How the dashboard page's cost grows with the inventory on PostgreSQL: the page of bench/dashboard-page.ts (same query
// text, same checks) under the same autocannon load (50 connections, req/s, in a worker thread), served by our server
// on a PostgresStore over a large inventory (ours: 10 × --trails, 1,000,000 by default) and over a small one (the
// reference: --trails / 10, 10,000 by default). ratio = large / small in req/s: 1 would mean the page costs the same
// at any size; below 1, the large inventory's page is that much slower (its totalCount counts 100 × the rows and its
// ORDER BY region sorts them). The large inventory is the small one written through the sync path and copied in SQL
// (bench/lib/postgres-inventory.ts); both live in schemas of their own, dropped after. Skipped, saying so, without
// PostgreSQL.
import { createInventoryApi } from '../src/graphql/execute.js';
import { silentLogger } from '../src/log.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { checkDashboardPage, CONNECTIONS, DASHBOARD_PAGE, DASHBOARD_PAGE_QUERY, DEFAULT_DURATION_SECONDS, post } from './dashboard-page.js';
import { runLoad, type LoadTarget } from './lib/load.js';
import { measurement, type Benchmark, type BenchOptions, type Measurement } from './lib/measure.js';
import { openPostgresBenchInventory, postgresUnavailable, type OrganizationSize, type PostgresBenchInventory } from './lib/postgres-inventory.js';

export interface ScaleSizes {
  large: number;
  small: number;
}

/** The sizes for --trails n: 10 n against n / 10 (1,000,000 against 10,000 at the default 100,000). */
export const sizesFor = (trails: number): ScaleSizes => ({ large: trails * 10, small: Math.max(1, Math.round(trails / 10)) });

interface Side {
  inventory: PostgresBenchInventory;
  server: RunningServer;
  target: LoadTarget;
  expected: string;
  totalCount: number;
}

async function openSide(
  label: string,
  trails: number,
  syncTrails: number,
  organization: OrganizationSize | undefined,
  body: string,
  log: (line: string) => void,
  closers: (() => Promise<void>)[],
): Promise<Side> {
  log(`${label}: ${trails} trails`);
  const inventory = await openPostgresBenchInventory(trails, log, { syncTrails, organization });
  closers.unshift(() => inventory.close());
  const server = await startServer({ store: inventory.store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
  closers.unshift(() => server.close());
  const answer = await post(server.graphqlUrl, body);
  if (answer.status !== 200) throw new Error(`the ${label} server answered the dashboard page with HTTP ${answer.status}: ${answer.text.slice(0, 500)}`);
  const page = checkDashboardPage(answer.text, `the ${label} server`);
  // Beyond the page's shape: its total is the inventory's own count, and its edges come in region order.
  const [counted] = await inventory.query<{ n: string }>(`SELECT count(*) AS n FROM trails WHERE deleted_at IS NULL AND kms_key_id = '' AND is_logging`);
  const { totalCount, edges } = page.data.trailsConnection;
  if (Number(counted!.n) !== totalCount) throw new Error(`the ${label} page counts ${totalCount} trails, the inventory has ${counted!.n}`);
  const regions = edges.map((edge) => edge.node.region);
  if (regions.some((region, i) => i > 0 && region < regions[i - 1]!)) throw new Error(`the ${label} page is not in region order`);
  log(`the ${label} server answers the page: ${edges.length} of ${totalCount} trails, ${answer.text.length} bytes`);
  return {
    inventory,
    server,
    expected: answer.text,
    totalCount,
    target: { label: `${label} (${trails} trails)`, url: server.graphqlUrl, settle: async () => void (await post(server.graphqlUrl, body)) },
  };
}

/**
 * The benchmark at given sizes and organization (the registered one takes the sizes from --trails, over 100 accounts ×
 * 17 regions; the test passes tiny ones).
 */
export function dashboardPagePostgresScaleAt(sizes?: ScaleSizes, organization?: OrganizationSize): Benchmark {
  return {
    name: 'dashboard-page-postgres-scale',
    description: 'the dashboard page under load (50 connections, req/s) on PostgreSQL at 10 × --trails (1,000,000) vs --trails / 10 (10,000)',
    async run(options: BenchOptions): Promise<Measurement[]> {
      const unavailable = await postgresUnavailable();
      if (unavailable) {
        options.log(`dashboard-page-postgres-scale skipped: ${unavailable}`);
        return [];
      }
      const { large, small } = sizes ?? sizesFor(options.trails);
      const body = JSON.stringify({ query: DASHBOARD_PAGE_QUERY, operationName: 'DashboardPage' });
      const closers: (() => Promise<void>)[] = [];
      try {
        const smallSide = await openSide('small', small, small, organization, body, options.log, closers);
        const largeSide = await openSide('large', large, small, organization, body, options.log, closers);
        const durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
        const load = { body, connections: CONNECTIONS, durationSeconds };
        // As throughputBoth, but each side is checked against its own page: a warm-up of each, then alternate runs.
        const sides = [
          ['ours', largeSide],
          ['reference', smallSide],
        ] as const;
        for (const [, side] of sides) {
          await runLoad(side.target, { ...load, durationSeconds: Math.min(2, durationSeconds / 2), expectBody: side.expected }, true);
          await side.target.settle();
        }
        const samples = { ours: [] as number[], reference: [] as number[] };
        for (let i = 0; i < options.runs; i++) {
          for (const [key, side] of sides) {
            const result = await runLoad(side.target, { ...load, expectBody: side.expected });
            await side.target.settle();
            samples[key].push(result.requestsPerSecond);
            options.log(
              `  run ${i + 1}/${options.runs} ${side.target.label}: ${result.requestsPerSecond.toFixed(1)} req/s (${result.responses} responses in ${result.seconds} s, ` +
                `latency p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms)`,
            );
          }
        }
        return [
          measurement(
            'dashboard-page-postgres-scale',
            'req/s',
            samples.ours,
            samples.reference,
            `higher is better, ratio = ${large} trails / ${small} trails (page of ${DASHBOARD_PAGE.first} of ${largeSide.totalCount} vs ${smallSide.totalCount}); ` +
              `${CONNECTIONS} connections × ${durationSeconds} s per run; the large inventory is the small one copied in SQL`,
          ),
        ];
      } finally {
        for (const close of closers) await close();
      }
    },
  };
}

export const dashboardPagePostgresScale: Benchmark = dashboardPagePostgresScaleAt();
