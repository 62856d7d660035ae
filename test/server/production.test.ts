// What a production server tells clients: no schema hints in errors, introspection as configured, never a stack trace.
// Vitest sets NODE_ENV=test, which changes Apollo's defaults: these tests pin the server's own settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import type { InventoryStore } from '../../src/store/store.js';
import { postGraphQL } from '../support/cli.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();

describe('a production server', () => {
  let temp: TempStore;
  const servers: RunningServer[] = [];
  const start = async (options: Partial<ServerOptions> = {}) => {
    const server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger, ...options });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    temp = await openTempStore();
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await temp.cleanup();
  });

  it('names no schema field the client did not write: no "Did you mean" in any error', async () => {
    const server = await start();
    const unknownField = await postGraphQL(server.graphqlUrl, '{ trails(where:{kmsKeyId:""}){ id } }');
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors[0].message).toBe('Field "kmsKeyId" is not defined by type "TrailWhere".');
    const unknownRoot = await postGraphQL(server.graphqlUrl, '{ trailz { id } }');
    expect(unknownRoot.body.errors[0].message).toBe('Cannot query field "trailz" on type "Query".');
    const inVariable = await postGraphQL(server.graphqlUrl, 'query($w: TrailWhere!){ trails(where:$w){ id } }', { w: { kmsKeyId: '' } });
    expect(inVariable.status).toBe(400);
    expect(inVariable.body.errors[0].message).toContain('Field "kmsKeyId" is not defined by type "TrailWhere"');
    const badEnum = await postGraphQL(server.graphqlUrl, '{ syncRuns { scopes(status: FAIL) { region } } }');
    expect(badEnum.status).toBe(400);
    for (const body of [unknownField.body, unknownRoot.body, inVariable.body, badEnum.body]) expect(JSON.stringify(body)).not.toContain('Did you mean');
  });

  it('gives suggestions when asked to, for development', async () => {
    const server = await start({ suggestions: true });
    const { body } = await postGraphQL(server.graphqlUrl, '{ trails(where:{kmsKeyId:""}){ id } }');
    expect(body.errors[0].message).toContain('Did you mean "kmsKeyID"');
  });

  it('answers introspection by default, and refuses it clearly when turned off', async () => {
    const on = await start();
    expect((await postGraphQL(on.graphqlUrl, '{ __schema { queryType { name } } }')).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const off = await start({ introspection: false });
    const refused = await postGraphQL(off.graphqlUrl, '{ __schema { types { name } } }');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      message: 'introspection (__schema, __type) is turned off on this server (inventory serve --no-introspection)',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect((await postGraphQL(off.graphqlUrl, '{ __typename apiVersion }')).status).toBe(200);
  });

  it('never sends a stack trace, whatever fails', async () => {
    const failing: InventoryStore = Object.assign(Object.create(temp.store), {
      findAssetsOfType: async () => {
        throw new Error('boom');
      },
    });
    const server = await start({ store: failing });
    const bodies = [
      (await postGraphQL(server.graphqlUrl, '{ trails { id } }')).body,
      (await postGraphQL(server.graphqlUrl, '{ trails { nope } }')).body,
      (await postGraphQL(server.graphqlUrl, '{ trails {')).body,
      (await postGraphQL(server.graphqlUrl, 'query($n: Int!){ syncRuns(limit:$n){ id } }', { n: 'ten' })).body,
      await (await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' })).json(),
    ];
    for (const body of bodies) {
      expect(body.errors.length).toBeGreaterThan(0);
      expect(JSON.stringify(body)).not.toMatch(/stacktrace|\bat .+\.(ts|js):\d+/);
    }
    expect(bodies[0].errors[0].message).toBe('Internal server error');
  });
});
