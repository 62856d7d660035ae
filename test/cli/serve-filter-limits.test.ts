// inventory serve's filter limits: flags and their environment twins, and the most the where compiler accepts.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/store.js';

const READY = /GraphQL API at (http:\/\/\S+\/graphql) /;

describe('inventory serve --max-filter-terms, --max-filter-depth, --max-in-values', () => {
  let db: string;
  beforeAll(async () => {
    db = join(tempDir('serve-filter-limits-'), 'inventory.db');
    expect((await runCli(['migrate', '--db', db])).code).toBe(0);
  });

  it('refuses filters beyond the limits given by flag or environment, naming each', async () => {
    const server = await startCli(['serve', '--db', db, '--port', '0', '--max-filter-terms', '2', '--max-in-values', '3'], { INVENTORY_MAX_FILTER_DEPTH: '2' }, READY);
    try {
      const limitOf = async (query: string) => {
        const response = await fetch(server.match[1]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
        const body = (await response.json()) as { errors?: { extensions: { limit?: unknown } }[] };
        return { status: response.status, limit: body.errors?.[0]?.extensions.limit };
      };
      expect(await limitOf('{ trails(where: {name: "a", region: "b", accountId: "c"}) { id } }')).toEqual({
        status: 400,
        limit: { name: 'maxFilterTerms', maximum: 2, observed: 3 },
      });
      expect(await limitOf('{ trails(where: {NOT: {NOT: {name: "a"}}}) { id } }')).toEqual({ status: 400, limit: { name: 'maxFilterDepth', maximum: 2, observed: 3 } });
      expect(await limitOf('{ trails(where: {name_IN: ["a", "b", "c", "d"]}) { id } }')).toEqual({
        status: 400,
        limit: { name: 'maxInValues', maximum: 3, observed: 4 },
      });
      expect(await limitOf('{ trails(where: {name_IN: ["a", "b", "c"], NOT: {region: "x"}}) { id } }')).toEqual({ status: 200, limit: undefined });
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    const tooDeep = await runCli(['serve', '--db', db, '--max-filter-depth', '33']);
    expect(tooDeep.code).toBe(2);
    expect(tooDeep.stderr).toContain("option '--max-filter-depth <n>' argument '33' is invalid. expected at most 32");
  });
});
