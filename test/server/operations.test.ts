// Running the server: readiness, access logs, Prometheus metrics, and a shutdown that finishes requests in flight.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { apiTokenHash, newApiToken } from '../../src/server/auth.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { InventoryStore } from '../../src/store/store.js';
import { postGraphQL } from '../support/cli.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();

describe('a running server', () => {
  let temp: TempStore;
  let server: RunningServer;
  const logLines: string[] = [];
  const log = pino({ level: 'info', base: undefined }, { write: (line: string) => void logLines.push(line) });

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('kept'), trailRecord('gone')] });
    await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('kept')] });
    await syncScope(temp.store, { accountId: '444455556666', region: 'eu-west-1', trails: [trailRecord('other', { account: '444455556666', region: 'eu-west-1' })] });
    server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log });
  });
  afterAll(async () => {
    await server.close();
    await temp.cleanup();
  });

  it('is ready when the database answers a query, and says why not otherwise', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const broken: InventoryStore = Object.assign(Object.create(temp.store), {
      trailTotals: async () => {
        throw Object.assign(new Error('unable to open database file /secret/inventory.db'), { code: 'SQLITE_CANTOPEN' });
      },
    });
    const down = await startServer({ store: broken, api, host: '127.0.0.1', port: 0, log: silentLogger });
    try {
      const response = await fetch(`${down.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', reason: 'the inventory database does not answer a query (SQLITE_CANTOPEN)' });
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it('logs one JSON line per request: method, path, status, duration, operation name and bytes', async () => {
    logLines.length = 0;
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query LiveTrails { trails { name } }' }),
    });
    const body = await response.arrayBuffer();
    await fetch(`${server.url}/healthz`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['msg'] === 'request');
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      level: 30,
      time: expect.any(Number),
      msg: 'request',
      method: 'POST',
      path: '/graphql',
      status: 200,
      durationMs: expect.any(Number),
      operation: 'LiveTrails',
      bytes: body.byteLength,
    });
    expect(entries[1]).toMatchObject({ method: 'GET', path: '/healthz', status: 200, operation: null });
  });

  it('exposes Prometheus metrics: requests and latency by operation and status, trails live and deleted, last sync per scope', async () => {
    await postGraphQL(server.graphqlUrl, 'query Dashboard { trails { id } }');
    await postGraphQL(server.graphqlUrl, 'query Dashboard { trails { id } }');
    await postGraphQL(server.graphqlUrl, 'query Broken { trails { nope } }');
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE inventory_http_requests_total counter\n');
    expect(text).toContain('inventory_http_requests_total{route="/graphql",operation="Dashboard",status="200"} 2\n');
    expect(text).toContain('inventory_http_requests_total{route="/graphql",operation="",status="400"} 1\n');
    expect(text).toContain('# TYPE inventory_http_request_duration_seconds histogram\n');
    expect(text).toMatch(/inventory_http_request_duration_seconds_bucket\{route="\/graphql",operation="Dashboard",status="200",le="\+Inf"\} 2\n/);
    expect(text).toMatch(/inventory_http_request_duration_seconds_count\{route="\/graphql",operation="Dashboard",status="200"\} 2\n/);
    expect(text).toContain('inventory_trails{state="live"} 2\ninventory_trails{state="deleted"} 1\n');
    const [usEast] = await temp.store.scopeStates('aws.cloudtrail.trails');
    expect(text).toContain(
      `inventory_last_successful_sync_timestamp_seconds{asset_type="Trail",account="111122223333",region="us-east-1"} ${Date.parse(usEast!.lastSuccessAt!) / 1000}\n`,
    );
    expect(text).toMatch(/inventory_last_successful_sync_timestamp_seconds\{asset_type="Trail",account="444455556666",region="eu-west-1"\} \d+(\.\d+)?\n/);
    // Every sample line is name{labels} value, as the text exposition format has it.
    for (const line of text
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/);
  });

  it('asks for an admin token on /metrics once tokens exist', async () => {
    const read = newApiToken();
    const admin = newApiToken();
    const readToken = (await temp.store.createApiToken({ name: 'reader', scope: 'read', hash: apiTokenHash(read) }))!;
    const adminToken = (await temp.store.createApiToken({ name: 'ops', scope: 'admin', hash: apiTokenHash(admin) }))!;
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const forbidden = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${read}` } });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('www-authenticate')).toBe('Bearer realm="cloud-inventory", error="insufficient_scope", scope="admin"');
      expect(((await forbidden.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe('/metrics needs a token of scope admin; this token has scope read');
      expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await temp.store.revokeApiToken(String(readToken.id));
      await temp.store.revokeApiToken(String(adminToken.id));
    }
  });
});

describe('closing the server', () => {
  it('finishes a slow request in flight with its full answer, and accepts no new connection', async () => {
    const temp = await openTempStore();
    await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('slow')] });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow: InventoryStore = Object.assign(Object.create(temp.store), {
      findAssetsOfType: async (...args: Parameters<InventoryStore['findAssetsOfType']>) => {
        entered();
        await new Promise((resolve) => setTimeout(resolve, 500));
        return temp.store.findAssetsOfType(...args);
      },
    });
    const server = await startServer({ store: slow, api, host: '127.0.0.1', port: 0, log: silentLogger });
    try {
      const inFlight = postGraphQL(server.graphqlUrl, '{ trails { name } }');
      await inside;
      const closed = server.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
      const { status, body } = await inFlight;
      expect(status).toBe(200);
      expect(body).toEqual({ data: { trails: [{ name: 'slow' }] } });
      await closed;
    } finally {
      await server.close();
      await temp.cleanup();
    }
  });
});
