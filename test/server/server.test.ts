// The HTTP server as clients meet it: the seed query verbatim, GraphQL over HTTP conformance, limits and masking.
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { MAX_BODY_BYTES, startServer, type RunningServer } from '../../src/server/server.js';
import type { InventoryStore } from '../../src/store/store.js';
import { postGraphQL } from '../support/cli.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const SEED_DOCUMENT = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';

interface GraphQLBody {
  data: { trails: unknown[] };
  errors: { message: string; extensions?: Record<string, unknown> }[];
}

describe('the GraphQL HTTP server', () => {
  let temp: TempStore;
  let server: RunningServer;

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [trailRecord('plain'), trailRecord('encrypted', { trail: { KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k' } })],
    });
    server = await startServer({ store: temp.store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
  });
  afterAll(async () => {
    await server.close();
    await temp.cleanup();
  });

  it('answers the seed query sent verbatim by POST', async () => {
    const { status, body } = await postGraphQL(server.graphqlUrl, SEED_DOCUMENT);
    expect(status).toBe(200);
    expect(body.data.trails.map((t: { name: string }) => t.name)).toEqual(['plain']);
  });

  it('answers the seed query by GET when the request is not a simple cross-site one', async () => {
    const url = `${server.graphqlUrl}?query=${encodeURIComponent(SEED_DOCUMENT)}`;
    const response = await fetch(url, { headers: { accept: 'application/graphql-response+json', 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(((await response.json()) as GraphQLBody).data.trails).toHaveLength(1);
    // A browser could send this one from any site: CSRF prevention refuses it and says how to pass.
    const simple = await fetch(url);
    expect(simple.status).toBe(400);
    expect(await simple.text()).toContain('Cross-Site Request Forgery');
  });

  it('passes the graphql-http audit with no MUST failure', async () => {
    const failures: string[] = [];
    let musts = 0;
    for (const audit of serverAudits({ url: server.graphqlUrl, fetchFn: fetch })) {
      const result = await audit.fn();
      if (!audit.name.startsWith('MUST')) continue;
      musts += 1;
      if (result.status !== 'ok') failures.push(`${audit.id} ${audit.name}: ${result.reason}`);
    }
    expect(musts).toBeGreaterThanOrEqual(13); // the suite's MUST audits, all of them run
    expect(failures).toEqual([]);
  });

  it('reports health at /healthz', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves a query page without loading anything from another origin', async () => {
    const response = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('trails(where:{kmsKeyID:&quot;&quot;}){...AssetFragment}');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });

  it('refuses a body over the limit with 413 and says so', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ trails { id } } # ${'x'.repeat(MAX_BODY_BYTES)}` }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as GraphQLBody).errors[0]!.message).toBe(`request body larger than ${MAX_BODY_BYTES} bytes`);
  });

  it('refuses malformed JSON with 400 and says what is wrong', async () => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ trails { id } }"' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as GraphQLBody).errors[0]).toMatchObject({
      message: expect.stringContaining('request body is not valid JSON'),
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('answers an unknown filter field with a validation error that names it', async () => {
    const { status, body } = await postGraphQL(server.graphqlUrl, '{ trails(where:{kmsKeyId:""}){ id } }');
    expect(status).toBe(400);
    expect(body.errors[0]).toMatchObject({
      message: expect.stringContaining('Field "kmsKeyId" is not defined by type "TrailWhere"'),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });
});

describe('internal errors', () => {
  it('are masked: the client learns nothing of the cause', async () => {
    const temp = await openTempStore();
    const failing: InventoryStore = Object.assign(Object.create(temp.store), {
      findAssetsOfType: async () => {
        throw new Error('SQLITE_IOERR: disk I/O error at /secret/path/inventory.db');
      },
    });
    const server = await startServer({ store: failing, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
    try {
      const { body } = await postGraphQL(server.graphqlUrl, SEED_DOCUMENT);
      expect(body.errors).toEqual([{ message: 'Internal server error', path: ['trails'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      expect(JSON.stringify(body)).not.toContain('secret');
    } finally {
      await server.close();
      await temp.cleanup();
    }
  });
});
