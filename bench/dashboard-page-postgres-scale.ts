// How the dashboard page's cost grows with the inventory on PostgreSQL: the page of bench/dashboard-page.ts (same query
// text, same checks) under the same autocannon load (50 connections, req/s, in a worker thread), served by our server
// on a PostgresStore over a large inventory (ours: 10 × --trails, 1,000,000 by default) and over a small one (the
// reference: --trails / 10, 10,000 by default). ratio = large / small in req/s: 1 would mean the page costs the same
// at any size; below 1, the large inventory's page is that much slower (its totalCount counts 100 × the rows and its
// ORDER BY region sorts them). The large inventory is the small one written through the sync path and copied in SQL
// (bench/lib/postgres-inventory.ts); both live in schemas of their own, dropped after. Skipped, saying so, without
// PostgreSQL.
import { createInventoryApi } from '../src/graphql/execute.js';
import { registeredFilter } from '../src/store/asset-schema.js';
import { POSTGRES_DIALECT } from '../src/store/dialect.js';
import { accountLastSyncedAtSql } from '../src/store/filter-schemas.js';
import { encodeCursor, orderByTerms, type KeyValue } from '../src/store/pages.js';
import { TRAIL_COLUMNS_BY_FIELD } from '../src/store/trail-columns.js';
import { compileWhere, sortTerms } from '../src/store/where.js';
import { silentLogger } from '../src/log.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import {
  checkDashboardPage,
  CONNECTIONS,
  DASHBOARD_PAGE,
  DASHBOARD_PAGE_QUERY,
  DEFAULT_DURATION_SECONDS,
  noneInFlight,
  post,
  startPageServer,
  type ReferenceServer,
} from './dashboard-page.js';
import { runLoad, type LoadResult, type LoadTarget } from './lib/load.js';
import { measurement, statementsAlone, throughputMeasurement, type Benchmark, type BenchOptions, type Measurement, type StatementsAlone } from './lib/measure.js';
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
 * The reference on PostgreSQL, as bench/dashboard-page.ts's on SQLite: a minimal node:http handler answering the page
 * from two statements on the inventory's pool (the page's rows with their tags and account lastSyncedAt in one, the
 * count in the other), with the WHERE and ORDER BY src/store compiles and its cursors, byte for byte our answer.
 */
export async function startPostgresReference(inventory: PostgresBenchInventory): Promise<ReferenceServer> {
  const predicate = compileWhere(DASHBOARD_PAGE.where, registeredFilter('Trail'), POSTGRES_DIALECT);
  const terms = sortTerms(DASHBOARD_PAGE.sort, TRAIL_COLUMNS_BY_FIELD);
  const keys = terms.map((term, i) => `${term.column.sql} AS page_key_${i}`);
  const pageSql = `SELECT arn, name, account_id, region, is_multi_region_trail, kms_key_id, is_logging,
            ${accountLastSyncedAtSql('trails.account_id')} AS last_synced_at,
            (SELECT coalesce(json_agg(json_build_object('key', tag.key, 'value', tag.value) ORDER BY tag.key), '[]'::json)::text
               FROM asset_tags tag WHERE tag.asset_id = trails.arn) AS tags,
            ${keys.join(', ')}
       FROM trails WHERE deleted_at IS NULL AND ${predicate.sql}
      ORDER BY ${orderByTerms(terms, 'arn')} LIMIT $${predicate.params.length + 1}`;
  const countSql = `SELECT count(*) AS n FROM trails WHERE deleted_at IS NULL AND ${predicate.sql}`;
  const { first } = DASHBOARD_PAGE;
  const { pool } = inventory.store;
  const statements = () =>
    Promise.all([pool.query<Record<string, unknown>>(pageSql, [...predicate.params, first + 1]), pool.query<{ n: number }>(countSql, predicate.params)]);
  const answer = async (): Promise<string> => {
    const [{ rows }, counted] = await statements();
    const edges = rows.slice(0, first).map((row) => ({
      cursor: encodeCursor(terms, { keys: terms.map((_, i) => row[`page_key_${i}`] as KeyValue), id: row.arn as string }),
      node: {
        id: row.arn,
        name: row.name,
        accountId: row.account_id,
        region: row.region,
        isMultiRegionTrail: row.is_multi_region_trail,
        kmsKeyID: row.kms_key_id,
        isLogging: row.is_logging,
        account: { lastSyncedAt: row.last_synced_at },
        tags: JSON.parse(row.tags as string) as unknown,
      },
    }));
    const totalCount = Number(counted.rows[0]!.n);
    const data = { trailsConnection: { totalCount, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, edges } };
    return `${JSON.stringify({ data })}\n`;
  };
  return startPageServer(answer, statements);
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
        const reference = await startPostgresReference(largeSide.inventory);
        closers.unshift(() => reference.close());
        const referenceAnswer = await post(reference.url, body);
        if (referenceAnswer.text !== largeSide.expected) {
          throw new Error(`the PostgreSQL reference's page differs from ours: ${referenceAnswer.text.slice(0, 300)} against ${largeSide.expected.slice(0, 300)}`);
        }
        options.log(`the node:http reference answers the large page byte for byte as ours`);
        const referenceTarget: LoadTarget = { label: `node:http reference (${large} trails)`, url: reference.url, settle: () => noneInFlight(reference.inFlight) };
        const durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
        const load = { body, connections: CONNECTIONS, durationSeconds };
        // As throughputBoth, but each side is checked against its own page: a warm-up of each, then alternate runs.
        const sides = [
          ['ours', largeSide.target, largeSide.expected],
          ['small', smallSide.target, smallSide.expected],
          ['reference', referenceTarget, largeSide.expected],
        ] as const;
        for (const [, target, expected] of sides) {
          await runLoad(target, { ...load, durationSeconds: Math.min(2, durationSeconds / 2), expectBody: expected }, true);
          await target.settle();
        }
        const results = { ours: [] as LoadResult[], small: [] as LoadResult[], reference: [] as LoadResult[] };
        const raw: StatementsAlone[] = [];
        for (let i = 0; i < options.runs; i++) {
          for (const [key, target, expected] of sides) {
            const result = await runLoad(target, { ...load, expectBody: expected });
            await target.settle();
            results[key].push(result);
            options.log(
              `  run ${i + 1}/${options.runs} ${target.label}: ${result.requestsPerSecond.toFixed(1)} req/s (${result.responses} responses in ${result.seconds} s, ` +
                `latency p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms)`,
            );
          }
          raw.push(await statementsAlone(durationSeconds, reference.statements, largeSide.inventory.store.pool.options.max ?? 10));
          options.log(
            `  run ${i + 1}/${options.runs} the statements alone (${large} trails): ${raw[i]!.perSecond.toFixed(1)} req/s (${raw[i]!.runs} in ${durationSeconds} s, p99 ${raw[i]!.p99Ms.toFixed(2)} ms)`,
          );
        }
        const perSecond = (side: LoadResult[]) => side.map((r) => r.requestsPerSecond);
        const p99 = (side: LoadResult[]) => side.map((r) => r.latencyP99Ms);
        const samples = { ours: perSecond(results.ours), reference: perSecond(results.small) };
        return [
          throughputMeasurement(
            'dashboard-page-postgres',
            { ours: perSecond(results.ours), reference: perSecond(results.reference), oursP99: p99(results.ours), referenceP99: p99(results.reference) },
            raw,
            `higher is better, ratio = ours / reference at ${large} trails; ${CONNECTIONS} connections × ${durationSeconds} s per run; ` +
              'reference: node:http + the same 2 statements on the pool; raw: those 2 statements alone, as many requests at a time as the pool has connections',
          ),
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
