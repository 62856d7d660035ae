// The server on PostgreSQL (README, PostgreSQL): statements stop at the request timeout (a default statement_timeout),
// and a pool with no connection free answers 503 SERVER_BUSY with Retry-After, never 500, while /healthz and /readyz,
// on a connection of their own, stay 200. Needs a PostgreSQL server: INVENTORY_TEST_POSTGRES_URL (see the README);
// without it this file is skipped, and says so.
import { afterEach, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/server/server.js';
import { openStore } from '../../src/store/open.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createTestSchema } from '../support/store.js';

const URL_SET = Boolean(process.env.INVENTORY_TEST_POSTGRES_URL);
if (!URL_SET) console.log('PostgreSQL server tests skipped: INVENTORY_TEST_POSTGRES_URL is not set (see README, "Testing against PostgreSQL")');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function schemaUrl(): Promise<string> {
  const created = await createTestSchema();
  cleanups.push(() => created.drop());
  return created.url;
}

async function statementTimeoutOf(store: PostgresStore): Promise<string> {
  const { rows } = await store.pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
  return rows[0]!.statement_timeout;
}

describe.skipIf(!URL_SET)('the server on PostgreSQL (INVENTORY_TEST_POSTGRES_URL)', () => {
  it('gives every connection of the pool the request timeout as statement_timeout, unless the URL sets its own', async () => {
    const url = await schemaUrl();
    const store = (await openStore(url, 'create', { postgresDefaults: { statementTimeoutMs: 30_000 } })) as PostgresStore;
    cleanups.push(() => store.close());
    expect(await statementTimeoutOf(store)).toBe('30s');
    const own = (await openStore(`${url}&statement_timeout=500`, 'create', { postgresDefaults: { statementTimeoutMs: 30_000 } })) as PostgresStore;
    cleanups.push(() => own.close());
    expect(await statementTimeoutOf(own)).toBe('500ms');
  });

  it('answers 503 SERVER_BUSY with Retry-After while every connection is in use, and /healthz and /readyz stay 200', async () => {
    const store = await PostgresStore.open(`${await schemaUrl()}&pool_size=1&connect_timeout=1`);
    cleanups.push(() => store.close());
    const server = await startServer({ store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
    cleanups.push(() => server.close());
    const query = () =>
      fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ trails { id } }' }) });
    const held = await store.pool.connect();
    try {
      const busy = await query();
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('5');
      expect(((await busy.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions).toEqual({ code: 'SERVER_BUSY' });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      held.release();
    }
    const answered = await query();
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ data: { trails: [] } });
  });
});
