// API tokens at the HTTP server: when they are required, what a client is told, and that only hashes are stored.
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { apiTokenHash, isLoopbackHost, newApiToken } from '../../src/server/auth.js';
import { startServer, UnprotectedListenError, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import type { ApiTokenScope } from '../../src/store/store.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const QUERY = JSON.stringify({ query: '{ trails { name } }' });

/** POSTs the query with a Host header of our choosing (fetch does not let a caller set Host). */
function postWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { host, 'content-type': 'application/json' } }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(QUERY);
  });
}

describe('API tokens at the server', () => {
  let temp: TempStore;
  const servers: RunningServer[] = [];
  const start = async (options: Partial<ServerOptions> = {}) => {
    const server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger, ...options });
    servers.push(server);
    return server;
  };
  const createToken = async (scope: ApiTokenScope, name: string | null = null) => {
    const secret = newApiToken();
    const token = (await temp.store.createApiToken({ name, scope, hash: apiTokenHash(secret) }))!;
    return { secret, token };
  };
  const post = (url: string, token?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: QUERY,
    });

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('plain')] });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    for (const token of await temp.store.listApiTokens()) await temp.store.revokeApiToken(String(token.id));
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('makes tokens of inv_ and 32 random bytes, and knows which hosts are loopback', () => {
    const token = newApiToken();
    expect(token).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);
    expect(newApiToken()).not.toBe(token);
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('asks for no token while none exists, on a loopback address', async () => {
    const server = await start();
    expect((await post(server.graphqlUrl)).status).toBe(200);
  });

  it('requires a valid bearer token on /graphql as soon as one exists, and says how to send it', async () => {
    const server = await start();
    const { secret } = await createToken('read', 'dashboard');

    const missing = await post(server.graphqlUrl);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="cloud-inventory"');
    expect(await missing.json()).toEqual({
      errors: [
        {
          message: 'this server requires an API token: send the header "Authorization: Bearer <token>" (tokens come from `inventory token create`)',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });

    const wrong = await post(server.graphqlUrl, `${secret.slice(0, -1)}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="cloud-inventory", error="invalid_token"');
    expect(((await wrong.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe('the API token is not valid: it is unknown or was revoked');

    const basic = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${secret}` }, body: QUERY });
    expect(basic.status).toBe(401);

    const good = await post(server.graphqlUrl, secret);
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ data: { trails: [{ name: 'plain' }] } });
    const get = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ trails { name } }')}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${secret}` },
    });
    expect(get.status).toBe(200);
  });

  it('accepts admin tokens on /graphql, records when a token was last used, and refuses it once revoked', async () => {
    const server = await start();
    const { secret, token } = await createToken('admin');
    expect(token.lastUsedAt).toBeNull();
    expect((await post(server.graphqlUrl, secret)).status).toBe(200);
    // The use is recorded beside the answer, not before it: wait until it is (the timeout is only a safety net).
    await vi.waitFor(
      async () => {
        const [listed] = await temp.store.listApiTokens();
        expect(listed!.lastUsedAt).not.toBeNull();
      },
      { timeout: 60_000, interval: 20 },
    );

    await createToken('read', 'other');
    await temp.store.revokeApiToken(String(token.id));
    const revoked = await post(server.graphqlUrl, secret);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('stores only the SHA-256 hash of a token, never the token', async () => {
    const { secret } = await createToken('read', 'ci');
    // Every row, those of the tokens earlier tests revoked (kept, marked revoked) included.
    const rows = await temp.sql('SELECT * FROM api_tokens');
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(secret.slice(4));
    expect(rows.filter((row) => row.revoked_at === null)).toEqual([
      expect.objectContaining({ name: 'ci', scope: 'read', token_sha256: apiTokenHash(secret), last_used_at: null }),
    ]);
  });

  it('answers no query without a token, however the request dresses up as a browser asking for the page', async () => {
    const server = await start();
    await createToken('read');
    const padding = Array.from({ length: 1000 }, (_, i) => `k${i}=`).join('&');
    const headers = { accept: 'multipart/mixed;deferSpec=20220824, text/html, application/json;q=0.1', 'apollo-require-preflight': '1' };
    for (const path of ['/graphql', '/GRAPHQL', '/graphql/']) {
      const response = await fetch(`${server.url}${path}?${padding}&query=${encodeURIComponent('{ trails { arn } }')}`, { headers });
      const body = await response.text();
      // Refused, or at most the GraphiQL page itself: never an answer to the query.
      if (response.status !== 401) expect([response.status, response.headers.get('content-type')], path).toEqual([200, 'text/html; charset=utf-8']);
      expect(body, path).not.toContain('trail/plain');
      expect(body, path).not.toContain('"data"');
    }
  });

  it('answers only requests addressed to this machine while no token exists (DNS rebinding)', async () => {
    const server = await start();
    const port = new URL(server.url).port;
    const withHost = (host: string) => postWithHost(server.graphqlUrl, host);
    const rebound = await withHost(`evil.example:${port}`);
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('answers only requests addressed to this machine');
    expect(rebound.body).not.toContain('trail/plain');
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) expect((await withHost(host)).status, host).toBe(200);
  });

  it('keeps /healthz and the browser query page open', async () => {
    const server = await start();
    await createToken('read');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const page = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    // A query is never answered through the page's exemption.
    const sneaky = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ trails { name } }')}`, { headers: { accept: 'text/html' } });
    expect(sneaky.status).toBe(401);
  });

  it('refuses to listen beyond loopback without a token, unless told to allow it', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(UnprotectedListenError);
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(
      'refusing to listen on 0.0.0.0: no API token exists, so anyone who can reach it could read the inventory; create one with `inventory token create --scope read`, listen on 127.0.0.1, or pass --allow-unauthenticated',
    );
    const open = await start({ host: '0.0.0.0', allowUnauthenticated: true });
    const port = new URL(open.url).port;
    expect((await post(`http://127.0.0.1:${port}/graphql`)).status).toBe(200);
    // Told to serve the network openly, it answers requests addressed by any name.
    expect((await postWithHost(`http://127.0.0.1:${port}/graphql`, `inventory.example:${port}`)).status).toBe(200);
  });

  it('beyond loopback with a token, refuses every request once the last token is revoked instead of opening up', async () => {
    const { secret, token } = await createToken('read');
    const server = await start({ host: '0.0.0.0' });
    const url = `http://127.0.0.1:${new URL(server.url).port}/graphql`;
    expect((await post(url, secret)).status).toBe(200);
    await temp.store.revokeApiToken(String(token.id));
    // Revoked tokens are kept: "the last token" is the last one not revoked.
    expect(await temp.store.listApiTokens({ includeRevoked: true })).not.toEqual([]);
    const closed = await post(url);
    expect(closed.status).toBe(401);
    expect(((await closed.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe(
      'no valid API token exists (none was created, or every one was revoked), and this server listens beyond this machine: create one with `inventory token create --scope read`',
    );
  });
});
