// Measurements 2 and 3: a dashboard page under concurrent load (autocannon, 50 connections, req/s).
//   dashboard-page:       our server vs a minimal node:http handler answering the same JSON from prepared statements.
//   dashboard-page-naive: our server vs a naive Apollo server (bench/naive/): no DataLoader, no filter push-down.
// The page is what the CIS KMS dashboard asks for: the first 50 unencrypted trails that are logging, by region, with
// each trail's account freshness and tags (a relation each, so a server without batching shows its N+1), the total and
// the next cursor. All three servers run on this process's main thread over the same better-sqlite3 connection, one
// at a time (never two under load together); autocannon runs in a worker thread (bench/lib/load.ts). In-process is
// fair here: the servers share the process and the database exactly as they would share a machine, and a child
// process would only add the cost of a second database connection and page cache to one side.
import { deepStrictEqual } from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Database from 'better-sqlite3';
import { createInventoryApi } from '../src/graphql/execute.js';
import { silentLogger } from '../src/log.js';
import { defaultWorkerCount } from '../src/server/graphql-pool.js';
import { startServer } from '../src/server/server.js';
import { registeredFilter } from '../src/store/asset-schema.js';
import { accountLastSyncedAtSql } from '../src/store/filter-schemas.js';
import { encodeCursor, orderByTerms, type KeyValue } from '../src/store/pages.js';
import { SQLITE_DIALECT } from '../src/store/sqlite/sqlite-store.js';
import { TRAIL_COLUMNS_BY_FIELD } from '../src/store/trail-columns.js';
import { compileWhere, sortTerms, type SortSpec } from '../src/store/where.js';
import { openBenchInventory } from './lib/inventory.js';
import { throughputBoth, type LoadOptions, type LoadTarget } from './lib/load.js';
import { measurement, statementsAlone, throughputMeasurement, type Benchmark, type BenchOptions, type Measurement, type StatementsAlone } from './lib/measure.js';
import { startNaiveServer } from './naive/server.js';

/** The page's arguments, as the reference compiles them; DASHBOARD_PAGE_QUERY spells the same in GraphQL. */
export const DASHBOARD_PAGE = {
  first: 50,
  where: { kmsKeyID: '', isLogging: true },
  sort: [{ region: 'ASC' }] as SortSpec[],
};

export const DASHBOARD_PAGE_QUERY = `query DashboardPage {
  trailsConnection(first: 50, where: {kmsKeyID: "", isLogging: true}, sort: [{region: ASC}]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node { id name accountId region isMultiRegionTrail kmsKeyID isLogging account { lastSyncedAt } tags { key value } }
    }
  }
}`;

export interface DashboardPageAnswer {
  data: { trailsConnection: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: { region: string } }[] } };
}

/** Parses a server's answer to the page and checks that it is a full page of a non-empty result, without errors. */
export function checkDashboardPage(text: string, server: string): DashboardPageAnswer {
  const page = JSON.parse(text) as Partial<DashboardPageAnswer> & { errors?: unknown };
  if (!page.data || page.errors) throw new Error(`${server} failed the dashboard page: ${text.slice(0, 500)}`);
  const { totalCount, edges } = page.data.trailsConnection;
  if (totalCount < 1 || edges.length !== Math.min(DASHBOARD_PAGE.first, totalCount)) {
    throw new Error(`the dashboard page of ${server} has ${edges.length} edges of ${totalCount}: not a full page of a non-empty result`);
  }
  return page as DashboardPageAnswer;
}

/** Load runs last this long unless the options say otherwise. */
export const DEFAULT_DURATION_SECONDS = 10;
export const CONNECTIONS = 50;

export interface ReferenceServer {
  url: string;
  inFlight(): number;
  /** The page's two statements alone, as the server runs them for a request: what no server of the page can beat. */
  statements(): unknown;
  close(): Promise<void>;
}

/**
 * Measurement 2's reference: a minimal node:http handler that reads the request body, runs two prepared statements
 * (the page's rows with their tags and account lastSyncedAt in one, the count in the other) and answers the JSON our
 * server answers, byte for byte (Apollo writes JSON.stringify and a newline). The WHERE and ORDER BY are the
 * inventory's own, compiled by src/store from the page's arguments, and its cursors are encoded by src/store/pages.ts:
 * the difference between the two sides is GraphQL, Express and the store's per-request work, not SQL.
 */
export async function startReferenceServer(db: Database.Database): Promise<ReferenceServer> {
  const predicate = compileWhere(DASHBOARD_PAGE.where, registeredFilter('Trail'), SQLITE_DIALECT);
  const terms = sortTerms(DASHBOARD_PAGE.sort, TRAIL_COLUMNS_BY_FIELD);
  const keys = terms.map((term, i) => `${term.column.sql} AS page_key_${i}`);
  const pageRows = db.prepare(
    `SELECT arn, name, account_id, region, is_multi_region_trail, kms_key_id, is_logging,
            ${accountLastSyncedAtSql('trails.account_id')} AS last_synced_at,
            (SELECT json_group_array(json_object('key', tag.key, 'value', tag.value))
               FROM (SELECT key, value FROM asset_tags WHERE asset_id = trails.arn ORDER BY key) tag) AS tags,
            ${keys.join(', ')}
       FROM trails WHERE deleted_at IS NULL AND ${predicate.sql}
      ORDER BY ${orderByTerms(terms, 'arn')} LIMIT ?`,
  );
  const count = db.prepare(`SELECT count(*) AS n FROM trails WHERE deleted_at IS NULL AND ${predicate.sql}`);
  const { first } = DASHBOARD_PAGE;
  const answer = (): string => {
    const rows = pageRows.all(...predicate.params, first + 1) as Record<string, unknown>[];
    const shown = rows.slice(0, first);
    const edges = shown.map((row) => ({
      cursor: encodeCursor(terms, { keys: terms.map((_, i) => row[`page_key_${i}`] as KeyValue), id: row.arn as string }),
      node: {
        id: row.arn,
        name: row.name,
        accountId: row.account_id,
        region: row.region,
        isMultiRegionTrail: row.is_multi_region_trail === 1,
        kmsKeyID: row.kms_key_id,
        isLogging: row.is_logging === null ? null : row.is_logging === 1,
        account: { lastSyncedAt: row.last_synced_at },
        tags: JSON.parse(row.tags as string) as unknown,
      },
    }));
    const totalCount = (count.get(...predicate.params) as { n: number }).n;
    const data = { trailsConnection: { totalCount, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, edges } };
    return `${JSON.stringify({ data })}\n`;
  };
  return startPageServer(answer, () => {
    pageRows.all(...predicate.params, first + 1);
    count.get(...predicate.params);
  });
}

/**
 * A minimal node:http server of the page: reads each POST /graphql body, parses it, and answers `answer()` (the page's
 * JSON, as our server writes it). `statements` runs the statements behind one answer alone, for the raw limit.
 */
export async function startPageServer(answer: () => string | Promise<string>, statements: () => unknown): Promise<ReferenceServer> {
  let inFlight = 0;
  const httpServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    // In flight until answered, though its client left meanwhile: an asynchronous answer holds the database till then.
    inFlight += 1;
    let counted = true;
    let answering = false;
    const finish = () => {
      if (counted) {
        counted = false;
        inFlight -= 1;
      }
    };
    // A client that leaves before its body has arrived leaves nothing to answer.
    res.once('close', () => {
      if (!answering) finish();
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/graphql') {
        res.writeHead(404).end();
        finish();
        return;
      }
      answering = true;
      // Parsed as any server must, though this one answers one page whatever it is asked.
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      void Promise.resolve(answer())
        .then(
          (body) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body),
          (error: unknown) => res.writeHead(500).end(String(error)),
        )
        .finally(finish);
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    inFlight: () => inFlight,
    statements,
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve, reject) => httpServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

export async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, text: await response.text() };
}

/** Resolves once a server that counts its requests has none left in flight. */
export async function noneInFlight(inFlight: () => number): Promise<void> {
  while (inFlight() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
}

interface Dashboard {
  body: string;
  /** The verified page: every server's every response must be exactly this. */
  expected: string;
  ours: LoadTarget;
  reference: LoadTarget;
  naive: LoadTarget;
  /** The reference's statements alone (ReferenceServer.statements). */
  statements(): unknown;
}

/**
 * Builds the inventory, starts the three servers, checks once that they answer the page with identical JSON (parsed
 * and deep-equal, then byte for byte, cursors included), runs `measure`, and closes everything.
 */
async function withDashboard<T>(trails: number, log: (line: string) => void, measure: (dashboard: Dashboard) => Promise<T>): Promise<T> {
  const inventory = await openBenchInventory(trails, log);
  const closers: (() => Promise<void>)[] = [() => inventory.close()];
  try {
    // As `inventory serve` runs by default: the page in a GraphQL worker thread (README, "No request stops the server").
    const ours = await startServer({ store: inventory.store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger, workers: defaultWorkerCount() });
    closers.unshift(() => ours.close());
    const reference = await startReferenceServer(inventory.store.db);
    closers.unshift(() => reference.close());
    const naive = await startNaiveServer(inventory.store.db);
    closers.unshift(() => naive.close());

    const body = JSON.stringify({ query: DASHBOARD_PAGE_QUERY, operationName: 'DashboardPage' });
    const answers = {
      ours: await post(ours.graphqlUrl, body),
      reference: await post(reference.url, body),
      naive: await post(naive.url, body),
    };
    for (const [side, answer] of Object.entries(answers)) {
      if (answer.status !== 200) throw new Error(`the ${side} server answered the dashboard page with HTTP ${answer.status}: ${answer.text.slice(0, 500)}`);
    }
    const page = checkDashboardPage(answers.ours.text, 'our server');
    const { totalCount, edges } = page.data.trailsConnection;
    for (const side of ['reference', 'naive'] as const) {
      deepStrictEqual(JSON.parse(answers[side].text), page, `the ${side} server's page differs from ours`);
      if (answers[side].text !== answers.ours.text) throw new Error(`the ${side} server's page equals ours as JSON but not byte for byte`);
    }
    log(`the three servers answer the same page: ${edges.length} of ${totalCount} trails, ${answers.ours.text.length} bytes`);

    return await measure({
      body,
      expected: answers.ours.text,
      // Our server does not expose its request count: a request sent after a run is answered after the run's backlog.
      ours: { label: 'ours', url: ours.graphqlUrl, settle: async () => void (await post(ours.graphqlUrl, body)) },
      reference: { label: 'node:http reference', url: reference.url, settle: () => noneInFlight(reference.inFlight) },
      naive: { label: 'naive Apollo', url: naive.url, settle: () => noneInFlight(naive.inFlight) },
      statements: reference.statements,
    });
  } finally {
    for (const close of closers) await close();
  }
}

function loadOptions(dashboard: Dashboard, options: BenchOptions): LoadOptions {
  return { body: dashboard.body, expectBody: dashboard.expected, connections: CONNECTIONS, durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS };
}

export const dashboardPage: Benchmark = {
  name: 'dashboard-page',
  description: 'a 50-trail dashboard page under load (50 connections, req/s) vs a minimal node:http handler over the same statements',
  run: (options) =>
    withDashboard(options.trails, options.log, async (dashboard): Promise<Measurement[]> => {
      const load = loadOptions(dashboard, options);
      const samples = await throughputBoth(options.runs, dashboard.ours, dashboard.reference, load, options.log);
      const raw: StatementsAlone[] = [];
      for (let i = 0; i < options.runs; i++) {
        raw.push(await statementsAlone(load.durationSeconds, dashboard.statements));
        options.log(
          `  run ${i + 1}/${options.runs} the statements alone: ${raw[i]!.perSecond.toFixed(1)} req/s (${raw[i]!.runs} in ${load.durationSeconds} s, p99 ${raw[i]!.p99Ms.toFixed(2)} ms)`,
        );
      }
      return [
        throughputMeasurement(
          'dashboard-page',
          samples,
          raw,
          `higher is better, ratio = ours / reference; ${CONNECTIONS} connections × ${load.durationSeconds} s per run; reference: node:http + 2 prepared statements; ` +
            'raw: those 2 statements back to back on one connection, no HTTP',
        ),
      ];
    }),
};

export const dashboardPageNaive: Benchmark = {
  name: 'dashboard-page-naive',
  description: 'the same dashboard page under load (50 connections, req/s) vs a naive Apollo server (no DataLoader, filtering in JS)',
  run: (options) =>
    withDashboard(options.trails, options.log, async (dashboard): Promise<Measurement[]> => {
      const load = loadOptions(dashboard, options);
      const samples = await throughputBoth(options.runs, dashboard.ours, dashboard.naive, load, options.log);
      return [
        measurement(
          'dashboard-page-naive',
          'req/s',
          samples.ours,
          samples.reference,
          `higher is better, ratio = ours / naive; ${CONNECTIONS} connections × ${load.durationSeconds} s per run; naive: SELECT * + JS filter/sort, N+1 account and tags`,
        ),
      ];
    }),
};
