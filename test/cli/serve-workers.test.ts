// inventory serve --workers and --request-timeout (README, Operations): flags and their environment twins.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/store.js';

describe('inventory serve --workers, --request-timeout', () => {
  let db: string;
  beforeAll(async () => {
    db = join(tempDir('serve-workers-'), 'inventory.db');
    expect((await runCli(['migrate', '--db', db])).code).toBe(0);
  });

  it('runs GraphQL reads in the workers the environment asks for, with the request timeout the flag gives', async () => {
    const server = await startCli(
      ['serve', '--db', db, '--port', '0', '--request-timeout', '5000'],
      { INVENTORY_SERVE_WORKERS: '3' },
      /GraphQL API at (http:\/\/\S+)\/graphql[\s\S]*Press Ctrl\+C/,
    );
    try {
      expect(server.output()).toContain(
        'GraphQL reads run in 3 worker threads (--workers); a request still running after 5000 ms is answered 504 and stopped (--request-timeout).',
      );
      const response = await fetch(server.match[1]!.concat('/graphql'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ trails(where: {name: "x"}) { id } }' }),
      });
      expect(await response.json()).toEqual({ data: { trails: [] } });
      const metrics = await (await fetch(`${server.match[1]}/metrics`)).text();
      expect(metrics).toContain('inventory_graphql_workers{state="all"} 3');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('refuses a number of workers or a timeout it cannot use', async () => {
    const workers = await runCli(['serve', '--db', db, '--workers', '65']);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toContain("option '--workers <n>' argument '65' is invalid. expected a whole number from 0 to 64");
    const timeout = await runCli(['serve', '--db', db], { INVENTORY_SERVE_REQUEST_TIMEOUT_MS: '0' });
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toContain('expected a positive integer');
  });
});
