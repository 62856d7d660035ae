// inventory serve stopped with SIGTERM: it accepts no new connection, a request already in flight still gets its whole
// answer, then the store is closed and the process exits 0. Access logs are JSON lines on stderr at info.
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startCli } from '../support/cli.js';
import { syncScope, trailRecord } from '../support/records.js';
import { tempDir } from '../support/store.js';

describe('inventory serve on SIGTERM', () => {
  it('finishes a slow request in flight with its full answer, refuses new connections, and exits 0', async () => {
    const db = join(tempDir('graceful-'), 'inventory.db');
    const store = SqliteStore.open(db);
    await syncScope(store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('unencrypted')] });
    await store.close();

    const server = await startCli(['serve', '--db', db, '--port', '0', '--log-level', 'info'], {}, /GraphQL API at (http:\/\/\S+\/graphql)/);
    const url = new URL(server.match[1]!);
    const body = JSON.stringify({ query: 'query Slow { trails(where:{kmsKeyID:""}){ ...AssetFragment } }' });
    // A slow client: the request and half its body are sent before SIGTERM, the rest only afterwards, 300 ms or more
    // after the first byte. Each step waits for what the server says, not for a time: a loaded machine may be slow.
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      // "100 Continue" says the server has the request: it is in flight from here.
      req.once('continue', () => {
        const started = performance.now();
        req.write(body.slice(0, 20));
        server.child.kill('SIGTERM');
        const stillSending = async () => {
          await vi.waitFor(() => expect(server.output()).toContain('shutting down: no new connections'), { timeout: 60_000, interval: 20 });
          // Stopped accepting: a new client is refused while the old one is still being served.
          const newClient = () =>
            fetch(`${url.origin}/healthz`).then(
              () => 'accepted',
              () => 'refused',
            );
          await vi.waitFor(async () => expect(await newClient()).toBe('refused'), { timeout: 60_000, interval: 20 });
          await sleep(Math.max(0, 300 - (performance.now() - started)));
          req.end(body.slice(20));
        };
        stillSending().catch(reject);
      });
    });
    const { status, text } = await answer;
    expect(status).toBe(200);
    const result = JSON.parse(text) as { data: { trails: { name: string; tags: unknown[] }[] } };
    expect(result.data.trails).toEqual([expect.objectContaining({ name: 'unencrypted', tags: [] })]);
    expect(await server.exited).toBe(0);

    const requests = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry['msg'] === 'request');
    expect(requests).toEqual([
      expect.objectContaining({
        level: 30,
        method: 'POST',
        path: '/graphql',
        status: 200,
        operation: 'Slow',
        bytes: Buffer.byteLength(text),
        durationMs: expect.any(Number),
      }),
    ]);
    expect(requests[0]!['durationMs']).toBeGreaterThanOrEqual(250);
    expect(server.output()).toContain('shutting down: no new connections; finishing the requests in flight');
  });
});
