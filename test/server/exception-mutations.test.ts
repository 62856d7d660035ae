// Stored exceptions over real HTTP: addException and revokeException need an admin token whenever the server requires
// tokens; bad input is BAD_USER_INPUT naming the field, and nothing is stored unless the whole exception is accepted.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { apiTokenHash, newApiToken } from '../../src/server/auth.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import type { ApiTokenScope } from '../../src/store/store.js';
import { openTempSqliteStore, openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const controlIds = loadCatalog(api).map((control) => control.id);
const KMS = 'cloudtrail-kms-encryption';
const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const daysFromToday = (days: number) => new Date(Date.parse(`${today()}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const input = (over: Record<string, unknown> = {}) => ({
  control: KMS,
  asset: 'arn:aws:cloudtrail:*:222222222222:trail/*',
  owner: 'platform-team',
  reason: 'CMK migration planned',
  approver: 'security-lead',
  expires: daysFromToday(30),
  ...over,
});

const ADD = 'mutation Add($input: ExceptionInput!) { addException(input: $input) { id control asset owner reason approver expires createdBy state source revokedAt } }';
const REVOKE = 'mutation Revoke($id: ID!) { revokeException(id: $id) { id state revokedAt revokedBy } }';

describe('exception mutations over HTTP', () => {
  let temp: TempStore;
  const servers: RunningServer[] = [];
  const start = async (options: Partial<ServerOptions> = {}) => {
    const server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger, exceptionRules: { controlIds, maxDays: 365 }, ...options });
    servers.push(server);
    return server;
  };
  const createToken = async (scope: ApiTokenScope, name: string | null) => {
    const secret = newApiToken();
    expect(await temp.store.createApiToken({ name, scope, hash: apiTokenHash(secret) })).toBeDefined();
    return secret;
  };
  const post = async (url: string, query: string, variables: Record<string, unknown>, token?: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions: Record<string, any> }[] } };
  };
  const stored = () => temp.store.listControlExceptions({ includeRevoked: true });

  beforeAll(async () => {
    temp = await openTempStore();
  });
  // Each test starts with no token and no exception: tokens are deleted, not revoked, as a revoked token keeps its name
  // for good and the tests name theirs alike.
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await temp.sql('DELETE FROM api_tokens');
    await temp.sql('DELETE FROM control_exceptions');
  });
  afterAll(() => temp.cleanup());

  it('stores an exception added with an admin token, as created by that token, and lists it to a read token', async () => {
    const server = await start();
    const admin = await createToken('admin', 'security-admin');
    const read = await createToken('read', 'dashboard');
    const added = await post(server.graphqlUrl, ADD, { input: input() }, admin);
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data.addException).toEqual({
      id: expect.stringMatching(/^\d+$/),
      ...input(),
      createdBy: 'security-admin',
      state: 'ACTIVE',
      source: 'API',
      revokedAt: null,
    });
    const unnamed = await createToken('admin', null);
    const byUnnamed = await post(server.graphqlUrl, ADD, { input: input({ asset: '222222222222' }) }, unnamed);
    expect(byUnnamed.body.data.addException).toMatchObject({ asset: '222222222222', createdBy: expect.stringMatching(/^token \d+$/) });

    const listed = await post(server.graphqlUrl, '{ exceptions { id asset owner createdBy state } }', {}, read);
    expect(listed.body.data.exceptions.map((e: { asset: string; createdBy: string }) => [e.asset, e.createdBy])).toEqual([
      [input().asset, 'security-admin'],
      ['222222222222', byUnnamed.body.data.addException.createdBy],
    ]);
    expect((await stored()).map((e) => [e.control, e.asset, e.owner, e.reason, e.approver, e.expires])).toEqual([
      [KMS, input().asset, 'platform-team', 'CMK migration planned', 'security-lead', daysFromToday(30)],
      [KMS, '222222222222', 'platform-team', 'CMK migration planned', 'security-lead', daysFromToday(30)],
    ]);
  });

  it('refuses both mutations to a read token with FORBIDDEN naming the admin scope, and stores nothing', async () => {
    const server = await start();
    const admin = await createToken('admin', 'security-admin');
    const read = await createToken('read', 'dashboard');
    const refused = await post(server.graphqlUrl, ADD, { input: input() }, read);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ message: 'addException needs a token of scope admin; this token has scope read', extensions: { code: 'FORBIDDEN', scope: 'admin' } }),
    ]);
    expect(await stored()).toEqual([]);

    const { id } = (await post(server.graphqlUrl, ADD, { input: input() }, admin)).body.data.addException;
    const notRevoked = await post(server.graphqlUrl, REVOKE, { id }, read);
    expect(notRevoked.body.errors?.[0]).toMatchObject({
      message: 'revokeException needs a token of scope admin; this token has scope read',
      extensions: { code: 'FORBIDDEN' },
    });
    expect((await stored()).map((e) => e.revokedAt)).toEqual([null]);
    // Without a token at all, the request never reaches GraphQL.
    expect((await post(server.graphqlUrl, ADD, { input: input() })).status).toBe(401);
    expect(await stored()).toHaveLength(1);
  });

  it.each([
    ['a missing owner', { owner: undefined }, 'input.owner', 'input.owner: expected an owner'],
    ['a blank owner', { owner: '  ' }, 'input.owner', 'input.owner: expected an owner'],
    ['a missing expiry', { expires: undefined }, 'input.expires', 'input.expires: expected a date YYYY-MM-DD'],
    ['an expiry sent as null', { expires: null }, 'input.expires', 'input.expires: expected a date YYYY-MM-DD'],
    ['an unknown control', { control: 'no-such-control' }, 'input.control', 'input.control: unknown control "no-such-control" (known: '],
    [
      'an expiry beyond the maximum lifetime',
      { expires: daysFromToday(366) },
      'input.expires',
      `input.expires: ${daysFromToday(366)} is 366 days ahead, more than the 365 days an exception may last`,
    ],
    ['an expiry in the past', { expires: daysFromToday(-1) }, 'input.expires', `input.expires: ${daysFromToday(-1)} is already past (today is ${today()}, UTC)`],
    ['an asset that is neither an ARN nor an account id', { asset: '*' }, 'input.asset', 'input.asset: expected an ARN'],
    ['a pattern that pins neither account nor resource', { asset: 'arn:*:*:*:*:*' }, 'input.asset', 'input.asset: a pattern must pin the account'],
    ['a date not on the calendar', { expires: '2027-02-30' }, 'input.expires', 'input.expires: not a calendar date'],
  ])('refuses %s with BAD_USER_INPUT naming the field, and stores nothing', async (_what, over, argumentPath, message) => {
    const server = await start();
    const admin = await createToken('admin', 'security-admin');
    const result = await post(server.graphqlUrl, ADD, { input: input(over) }, admin);
    expect(result.status).toBe(200);
    expect(result.body.data).toBeNull();
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath });
    expect(result.body.errors![0]!.message.startsWith(message)).toBe(true);
    expect(await stored()).toEqual([]);
  });

  it('names every problem of an input written in the query itself, and a maximum lifetime set for the server', async () => {
    const server = await start({ exceptionRules: { controlIds, maxDays: 30 } });
    const admin = await createToken('admin', 'security-admin');
    const literal = `mutation { addException(input: {control: "nope", asset: "arn:aws:cloudtrail:us-east-1:222222222222:trail/a", reason: "r", approver: "a", expires: "${daysFromToday(31)}"}) { id } }`;
    const result = await post(server.graphqlUrl, literal, {}, admin);
    expect(result.body.errors![0]!.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      argumentPath: 'input.control',
      problems: [
        { argumentPath: 'input.control', message: expect.stringContaining('unknown control "nope"') },
        { argumentPath: 'input.owner', message: 'expected an owner' },
        { argumentPath: 'input.expires', message: `${daysFromToday(31)} is 31 days ahead, more than the 30 days an exception may last` },
      ],
    });
    expect(await stored()).toEqual([]);
  });

  it('revokes an exception: kept, marked revoked by whom, out of the default list; unknown ids are bad input', async () => {
    const server = await start();
    const admin = await createToken('admin', 'security-admin');
    const { id } = (await post(server.graphqlUrl, ADD, { input: input() }, admin)).body.data.addException;
    const revoked = await post(server.graphqlUrl, REVOKE, { id }, admin);
    expect(revoked.body.data.revokeException).toEqual({ id, state: 'REVOKED', revokedAt: expect.any(String), revokedBy: 'security-admin' });
    const lists = await post(server.graphqlUrl, '{ live: exceptions { id } all: exceptions(includeRevoked: true) { id state revokedBy } }', {}, admin);
    expect(lists.body.data).toEqual({ live: [], all: [{ id, state: 'REVOKED', revokedBy: 'security-admin' }] });
    for (const [unknown, message] of [
      ['999', 'no stored exception has id 999'],
      ['abc', 'id must be the number of a stored exception, not "abc"'],
    ]) {
      const result = await post(server.graphqlUrl, REVOKE, { id: unknown }, admin);
      expect(result.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', argumentPath: 'id' } });
    }
  });

  it('on loopback with no token at all, takes mutations from this machine as "local"; beyond loopback without tokens, refuses them', async () => {
    const local = await start();
    const added = await post(local.graphqlUrl, ADD, { input: input() });
    expect(added.body.data.addException).toMatchObject({ createdBy: 'local', state: 'ACTIVE' });
    expect((await post(local.graphqlUrl, REVOKE, { id: added.body.data.addException.id })).body.data.revokeException.revokedBy).toBe('local');

    const open = await start({ host: '0.0.0.0', allowUnauthenticated: true });
    const url = `http://127.0.0.1:${new URL(open.url).port}/graphql`;
    const refused = await post(url, ADD, { input: input({ asset: '333333333333' }) });
    expect(refused.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^addException needs a token of scope admin: this server serves requests without a token/),
      extensions: { code: 'FORBIDDEN' },
    });
    expect((await stored()).map((e) => e.asset)).toEqual([input().asset]);
    expect((await post(url, '{ exceptions(includeRevoked: true) { id } }', {})).body.data.exceptions).toHaveLength(1);
  });

  it('applies the request limits to mutations as to queries, and refuses mutations over GET', async () => {
    const server = await start({ limits: { maxAliases: 3 } });
    const admin = await createToken('admin', 'security-admin');
    const many = `mutation($input: ExceptionInput!) { ${[1, 2, 3, 4].map((i) => `a${i}: addException(input: $input) { id }`).join(' ')} }`;
    const refused = await post(server.graphqlUrl, many, { input: input() }, admin);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.message).toBe('the operation has 4 aliased fields; the maximum is 3 (maxAliases)');
    expect(await stored()).toEqual([]);
    const get = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('mutation { revokeException(id: "1") { id } }')}`, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    });
    expect(get.status).toBe(405);
  });

  it('lets in-process execution read exceptions but mutate only when explicitly allowed', async () => {
    const refused = await runQuery(api, temp.store, ADD, { input: input() });
    expect(refused.errors?.[0]).toMatchObject({
      message: 'addException is not allowed in in-process execution (stored checks only read)',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(await stored()).toEqual([]);
    const allowed = await runQuery(api, temp.store, ADD, { input: input() }, { caller: { kind: 'local' }, exceptionRules: { controlIds, maxDays: 365 } });
    expect(allowed.errors).toBeUndefined();
    expect((await runQuery(api, temp.store, '{ exceptions { asset createdBy } }')).data).toEqual({ exceptions: [{ asset: input().asset, createdBy: 'local' }] });
  });
});

describe('exception mutations on an inventory the server cannot write', () => {
  it('are answered INVENTORY_NOT_WRITABLE saying why, without the file path, while queries go on', async () => {
    const sqlite = openTempSqliteStore();
    const server = await startServer({ store: sqlite.store, api, host: '127.0.0.1', port: 0, log: silentLogger, exceptionRules: { controlIds, maxDays: 365 } });
    try {
      // As on a file this user cannot write: SQLite refuses every write on this connection with SQLITE_READONLY.
      sqlite.store.db.pragma('query_only = ON');
      const ask = async (query: string, variables: Record<string, unknown> = {}) =>
        (
          await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })
        ).json() as Promise<{
          data?: any;
          errors?: { message: string; extensions: { code: string } }[];
        }>;
      for (const [query, variables] of [
        [ADD, { input: input() }],
        [REVOKE, { id: '1' }],
      ] as const) {
        const { errors } = await ask(query, variables);
        expect(errors?.[0]).toMatchObject({
          message:
            'the inventory cannot take this change: it cannot be written (read-only for this user, or on a read-only disk) (SQLITE_READONLY: attempt to write a readonly database)',
          extensions: { code: 'INVENTORY_NOT_WRITABLE' },
        });
        expect(errors?.[0]?.message).not.toContain(sqlite.path);
      }
      expect((await ask('{ exceptions { id } }')).data).toEqual({ exceptions: [] });
    } finally {
      await server.close();
      await sqlite.cleanup();
    }
  });
});
