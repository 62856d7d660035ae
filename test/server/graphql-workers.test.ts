// GraphQL reads in worker threads (README, "No request stops the server"): the same answers as in-process, a deadline
// that answers 504 and stops the statement, a client that leaves stops its statement, and /healthz and cheap reads
// answered while a worker is busy; a worker that dies is replaced. A long statement is made deterministic by the pool's
// test setting rowDelayMs: every row a filtered statement considers waits that long, unless its request is stopped. The
// workers run the built code (npm test builds first).
import type { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { QUEUE_PER_WORKER } from '../../src/server/graphql-pool.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreBusyError } from '../../src/store/store.js';
import { COLLECTOR, syncScope, trailRecord } from '../support/records.js';
import { openTempSqliteStore, type TempSqliteStore } from '../support/store.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/plain`;
/** A statement that reads rows through rowCheck(): with rowDelayMs it runs until stopped. */
const LONG_QUERY = '{ trailsAggregate(where: {name_CONTAINS: "zz"}) { count } }';
/** A cheap read (no filter, one trail by id): the cheap lane, and no filtered statement. */
const CHEAP_QUERY = `{ trail(id: "${ARN}") { name } }`;

const api = createInventoryApi();

async function seed(store: SqliteStore): Promise<void> {
  await syncScope(store, {
    accountId: ACCOUNT,
    region: 'us-east-1',
    trails: [
      trailRecord('plain', { tags: [{ key: 'Owner', value: 'alice' }] }),
      trailRecord('encrypted', { trail: { KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k` }, tags: [{ key: 'Owner', value: 'bob' }] }),
    ],
  });
  await syncScope(store, { accountId: OTHER, region: 'eu-west-1', trails: [trailRecord('far', { account: OTHER, region: 'eu-west-1' })] });
}

async function post(url: string, query: string, init: { variables?: Record<string, unknown>; signal?: AbortSignal } = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, ...(init.variables ? { variables: init.variables } : {}) }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
}

/** Polls until `done()` holds (the pool's state changes on another thread). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const servers: RunningServer[] = [];
async function serve(temp: TempSqliteStore, options: Partial<ServerOptions>): Promise<RunningServer> {
  const server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger, ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('GraphQL reads in worker threads', () => {
  let temp: TempSqliteStore;
  beforeAll(async () => {
    temp = openTempSqliteStore();
    await seed(temp.store);
  });
  afterAll(() => temp.cleanup());

  it('answers every query exactly as in-process: data, errors and their codes, filter and cost limits, statuses', async () => {
    // A run left running by a process that is gone: a reader cannot record it, yet shows it interrupted.
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    temp.store.db
      .prepare(`UPDATE sync_runs SET pid = 999999999, heartbeat_at = '2000-01-01T00:00:00.000Z', started_at = '2000-01-01T00:00:00.000Z' WHERE id = ?`)
      .run(run.id);
    const pooled = await serve(temp, { workers: 2 });
    const inProcess = await serve(temp, { workers: 0 });
    const requests: { query: string; variables?: Record<string, unknown> }[] = [
      { query: '{ trails(where:{kmsKeyID:""}){...AssetFragment} }' },
      { query: '{ syncRuns { id status totals { scopesOk new } } }' },
      { query: '{ apiVersion trail(id: "nope") { id } }' },
      { query: `{ trails(options: {limit: 2, sort: [{name: DESC}]}) { id name tags { key value } account { accountId status } visibleIn { region } } }` },
      {
        query:
          '{ trailsAggregate(where: {OR: [{tags_SOME: {value_CONTAINS: "ali"}}, {tags_SOME: {value: "bob"}}]}) { count countBy(field: accountId) { value count } } }',
      },
      { query: '{ accounts(limit: 10) { id status trails { name } } coverage(assetType: "Trail") { accountId region } }' },
      { query: '{ trailsConnection(first: 1, sort: [{region: ASC}]) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }' },
      { query: 'query Q($k: String!) { trails(where: {kmsKeyID: $k}) { name } }', variables: { k: '' } },
      { query: '{ controls { id verdict } exceptions { id } controlRuns { id } }' },
      // Errors: cost limit, filter limit, a bad argument, validation, syntax, a variable of the wrong type.
      { query: '{ accounts { id trails { id } } }' },
      { query: `{ trails(where: {OR: [${Array.from({ length: 21 }, (_, i) => `{name: "t${i}"}`).join(', ')}]}) { id } }` },
      { query: '{ trails(options: {limit: 20000}) { id } }' },
      { query: '{ trails { nope } }' },
      { query: '{ trails { id ' },
      { query: 'query Q($k: String!) { trails(where: {kmsKeyID: $k}) { name } }', variables: { k: 5 } },
      { query: '{ trails(where: {lastSeenAt_GT: "2026-02-30T00:00:00Z"}) { id } }' },
      // Refused before it reaches either: nested deeper than the nesting limit.
      { query: `{ trails(where: ${'{NOT: '.repeat(130)}{name: "a"}${'}'.repeat(130)}) { id } }` },
    ];
    for (const { query, variables } of requests) {
      const viaWorkers = await post(pooled.graphqlUrl, query, variables ? { variables } : {});
      const here = await post(inProcess.graphqlUrl, query, variables ? { variables } : {});
      expect({ query, status: viaWorkers.status, type: viaWorkers.headers.get('content-type'), body: viaWorkers.body }).toEqual({
        query,
        status: here.status,
        type: here.headers.get('content-type'),
        body: here.body,
      });
    }
    const ran = pooled.pool!.stats().ran;
    // Those that parse and name a query ran in the workers; the syntax error was answered in the server's thread, and
    // the nesting before either.
    expect(ran).toBe(requests.length - 2);
    // GET, as browsers and caches send queries.
    const get = async (url: string) => {
      const response = await fetch(`${url}?query=${encodeURIComponent('{ trails(options: {limit: 1}) { name } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
      return { status: response.status, body: await response.text() };
    };
    expect(await get(pooled.graphqlUrl)).toEqual(await get(inProcess.graphqlUrl));
    expect(pooled.pool!.stats().ran).toBe(ran + 1);
    const runs = (await post(pooled.graphqlUrl, '{ syncRuns { id status } }')).body.data as { syncRuns: { id: number; status: string }[] };
    expect(runs.syncRuns.find((r) => r.id === run.id)?.status).toBe('INTERRUPTED');
  });

  it('runs mutations on the writer connection, and reads in the workers see them at once', async () => {
    const server = await serve(temp, { workers: 1, exceptionRules: { controlIds: ['cloudtrail-kms'], maxDays: 90 } });
    const added = await post(
      server.graphqlUrl,
      `mutation { addException(input: {control: "cloudtrail-kms", asset: "${ARN}", owner: "o", reason: "r", approver: "a", expires: "${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}"}) { id } }`,
    );
    expect(added.status).toBe(200);
    expect(added.body.errors).toBeUndefined();
    const ranBefore = server.pool!.stats().ran;
    const listed = await post(server.graphqlUrl, '{ exceptions { id asset } }');
    expect(listed.body.data).toEqual({ exceptions: [{ id: (added.body.data as { addException: { id: string } }).addException.id, asset: ARN }] });
    expect(server.pool!.stats().ran).toBe(ranBefore + 1);
  });

  it('answers a request past --request-timeout with 504 REQUEST_TIMEOUT, stops its work, and the worker serves the next', async () => {
    const server = await serve(temp, { workers: 1, requestTimeoutMs: 200, workerRowDelayMs: 60_000 });
    const late = await post(server.graphqlUrl, LONG_QUERY);
    expect(late.status).toBe(504);
    expect(late.body).toEqual({ errors: [{ message: expect.stringContaining('longer than 200 ms'), extensions: { code: 'REQUEST_TIMEOUT' } }] });
    // Its work was cut short (mid-statement, or before its statement when the worker had not reached it yet).
    await until(() => server.pool!.stats().ran === 1);
    expect(server.pool!.stats()).toMatchObject({ busy: 0, stoppedRequests: 1 });
    const next = await post(server.graphqlUrl, CHEAP_QUERY);
    expect(next).toMatchObject({ status: 200, body: { data: { trail: { name: 'plain' } } } });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('inventory_graphql_requests_stopped_total{reason="timeout"} 1');
  });

  it('stops the statement of a client that disconnects', async () => {
    const server = await serve(temp, { workers: 1, workerRowDelayMs: 60_000 });
    const leaving = new AbortController();
    const request = post(server.graphqlUrl, LONG_QUERY, { signal: leaving.signal }).catch((error: Error) => error);
    // Its statement is reading rows (each waits a minute) when the client leaves.
    await until(() => server.pool!.stats().reading === 1);
    leaving.abort();
    expect(await request).toMatchObject({ name: 'AbortError' });
    await until(() => server.pool!.stats().ran === 1);
    expect(server.pool!.stats()).toMatchObject({ busy: 0, reading: 0, stoppedRequests: 1, interruptedStatements: 1 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('inventory_graphql_requests_stopped_total{reason="disconnect"} 1');
    expect(metrics).toContain('inventory_sql_statements_interrupted_total 1');
  });

  it('answers /healthz, /readyz and a cheap query while a worker is busy with a long statement', async () => {
    const server = await serve(temp, { workers: 2, workerRowDelayMs: 60_000 });
    const leaving = new AbortController();
    let longSettled = false;
    const long = post(server.graphqlUrl, LONG_QUERY, { signal: leaving.signal })
      .catch((error: Error) => error)
      .finally(() => (longSettled = true));
    await until(() => server.pool!.stats().reading === 1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(await post(server.graphqlUrl, CHEAP_QUERY)).toMatchObject({ status: 200, body: { data: { trail: { name: 'plain' } } } });
    // All of them answered while the long statement still runs.
    expect(longSettled).toBe(false);
    expect(server.pool!.stats()).toMatchObject({ busy: 1, reading: 1 });
    leaving.abort();
    await long;
  });

  it('replaces a worker that dies, failing only the request it was running', async () => {
    const server = await serve(temp, { workers: 1, workerRowDelayMs: 60_000 });
    const running = post(server.graphqlUrl, LONG_QUERY);
    await until(() => server.pool!.stats().reading === 1);
    // Ended from outside, as a crash or the out-of-memory killer of a thread would end it.
    const [slot] = (server.pool as unknown as { slots: { worker: Worker }[] }).slots;
    await slot!.worker.terminate();
    expect(await running).toMatchObject({ status: 500, body: { errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } });
    // The next request waits for the worker started in its place, and is answered there.
    expect(await post(server.graphqlUrl, CHEAP_QUERY)).toMatchObject({ status: 200, body: { data: { trail: { name: 'plain' } } } });
    const [replacement] = (server.pool as unknown as { slots: { worker: Worker }[] }).slots;
    expect(replacement!.worker).not.toBe(slot!.worker);
    expect(server.pool!.stats()).toMatchObject({ workers: 1, busy: 0 });
  });

  it("answers 503 SERVER_BUSY with Retry-After when a lane's queue is full", async () => {
    const server = await serve(temp, { workers: 1, workerRowDelayMs: 60_000 });
    const leaving = new AbortController();
    const waiting = [post(server.graphqlUrl, LONG_QUERY, { signal: leaving.signal }).catch(() => undefined)];
    await until(() => server.pool!.stats().busy === 1);
    for (let i = 0; i < QUEUE_PER_WORKER; i++) waiting.push(post(server.graphqlUrl, LONG_QUERY, { signal: leaving.signal }).catch(() => undefined));
    await until(() => server.pool!.stats().queued.costly === QUEUE_PER_WORKER);
    const refused = await post(server.graphqlUrl, LONG_QUERY);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'SERVER_BUSY' });
    leaving.abort();
    await Promise.all(waiting);
    await until(() => server.pool!.stats().queued.costly === 0 && server.pool!.stats().busy === 0);
  });
});

describe('the deadline and a busy store in-process', () => {
  let temp: TempSqliteStore;
  beforeAll(async () => {
    temp = openTempSqliteStore();
    await seed(temp.store);
  });
  afterAll(() => temp.cleanup());

  it('answers 504 REQUEST_TIMEOUT at the deadline while an asynchronous read has not come back', async () => {
    const server = await serve(temp, { workers: 0, requestTimeoutMs: 100 });
    vi.spyOn(temp.store, 'countAssets').mockReturnValue(new Promise<number>(() => undefined));
    const late = await post(server.graphqlUrl, LONG_QUERY);
    expect(late.status).toBe(504);
    expect(late.body.errors?.[0]?.extensions).toEqual({ code: 'REQUEST_TIMEOUT' });
  });

  it('answers 503 SERVER_BUSY with Retry-After when the store has no connection free', async () => {
    const server = await serve(temp, { workers: 0 });
    vi.spyOn(temp.store, 'findAssetsOfType').mockRejectedValue(new StoreBusyError('all 1 connections to PostgreSQL are in use (pool_size); try again shortly'));
    const busy = await post(server.graphqlUrl, '{ trails { id } }');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(busy.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('connections to PostgreSQL are in use'), extensions: { code: 'SERVER_BUSY' } });
  });
});
