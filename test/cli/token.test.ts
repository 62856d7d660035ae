// inventory token create|list|revoke, and how inventory serve starts with and without tokens.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, runInProcess, startCli } from '../support/cli.js';
import { createInventory, tempDir } from '../support/store.js';

const READY = /GraphQL API at (http:\/\/\S+\/graphql) \(([^;]*)/;

describe('inventory token', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = tempDir('token-cli-');
    db = join(dir, 'inventory.db');
  });

  it('creates a token, prints it once on stdout, and lists tokens without secrets', async () => {
    const created = await runCli(['token', 'create', '--scope', 'read', '--name', 'dashboard', '--db', db]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^inv_[A-Za-z0-9_-]{43}\n$/);
    expect(created.stderr).toBe('inventory: created token 1 (dashboard) with scope read; this is the only time it is shown: store it now\n');
    const secret = created.stdout.trim();

    const admin = await runCli(['token', 'create', '--scope', 'admin', '--db', db]);
    expect(admin.code).toBe(0);
    expect(admin.stdout.trim()).not.toBe(secret);

    const listed = await runCli(['token', 'list', '--db', db]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+SCOPE\s+CREATED\s+LAST USED\n1\s+dashboard\s+read\s+\S+Z\s+never\n2\s+-\s+admin\s+\S+Z\s+never\n$/);
    const json = await runCli(['token', 'list', '--format', 'json', '--db', db]);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id: 1, name: 'dashboard', scope: 'read', lastUsedAt: null }),
      expect.objectContaining({ id: 2, name: null, scope: 'admin' }),
    ]);
    for (const output of [listed.stdout, json.stdout]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(admin.stdout.trim());
    }
  });

  it('refuses a missing or unknown scope, a name taken or malformed, with exit code 2', async () => {
    const noScope = await runCli(['token', 'create', '--db', db]);
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toContain("required option '--scope <scope>' not specified");
    const badScope = await runCli(['token', 'create', '--scope', 'write', '--db', db]);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('Allowed choices are read, admin');
    const taken = await runCli(['token', 'create', '--scope', 'read', '--name', 'dashboard', '--db', db]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toBe(
      'inventory: a token named "dashboard" exists already (token 1); token names are never reused, so that what a token did keeps naming one token: choose another name\n',
    );
    expect(taken.stdout).toBe('');
    const digits = await runCli(['token', 'create', '--scope', 'read', '--name', '42', '--db', db]);
    expect(digits.code).toBe(2);
    expect(digits.stderr).toContain('token name "42" is not allowed');
  });

  it('revokes by name or by id, and says when nothing matches', async () => {
    const db2 = join(dir, 'revoke.db');
    await runCli(['token', 'create', '--scope', 'read', '--name', 'ci', '--db', db2]);
    await runCli(['token', 'create', '--scope', 'admin', '--db', db2]);
    const byName = await runCli(['token', 'revoke', 'ci', '--db', db2]);
    expect(byName.code).toBe(0);
    expect(byName.stdout).toBe('Revoked token 1 (ci) with scope read\n');
    const again = await runCli(['token', 'revoke', 'ci', '--db', db2]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^inventory: token 1 \(ci\) with scope read was revoked already, at \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
    const unknown = await runCli(['token', 'revoke', 'cd', '--db', db2]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('inventory: no token is named or numbered "cd" (see `inventory token list --include-revoked`)\n');
    const byId = await runCli(['token', 'revoke', '2', '--db', db2]);
    expect(byId.code).toBe(0);
    expect(byId.stdout).toContain('Revoked token 2 with scope admin\nNo API token is left');
  });
});

describe('revoked tokens keep their ids and names', () => {
  it('lists them only when asked, refuses their names, and gives a new token the next id', async () => {
    const db = join(tempDir('token-revoked-'), 'inventory.db');
    const run = (...args: string[]) => runInProcess(['token', ...args, '--db', db]);
    for (const name of ['ci', 'deploy']) expect((await run('create', '--scope', 'read', '--name', name)).code).toBe(0);
    expect((await run('revoke', 'deploy')).stdout).toBe('Revoked token 2 (deploy) with scope read\n');

    const reused = await run('create', '--scope', 'admin', '--name', 'deploy');
    expect(reused).toMatchObject({ code: 2, stdout: '' });
    expect(reused.stderr).toMatch(
      /^inventory: the name "deploy" belonged to token 2, revoked at \S+Z; token names are never reused, so that what a token did keeps naming one token: choose another name\n$/,
    );
    const local = await run('create', '--scope', 'admin', '--name', 'local');
    expect(local).toMatchObject({ code: 2, stderr: 'inventory: token name "local" is not allowed: stored exceptions say "local" for changes made without a token\n' });
    expect((await run('create', '--scope', 'read')).stderr).toMatch(/^inventory: created token 3 with scope read;/);

    const listed = await run('list');
    expect(listed.stdout).toMatch(
      /^ID\s+NAME\s+SCOPE\s+CREATED\s+LAST USED\n1\s+ci\s+read\s+\S+Z\s+never\n3\s+-\s+read\s+\S+Z\s+never\n1 revoked token not shown \(--include-revoked\)\n$/,
    );
    const all = await run('list', '--include-revoked');
    expect(all.stdout).toMatch(
      /^ID\s+NAME\s+SCOPE\s+CREATED\s+LAST USED\s+REVOKED\n1\s+ci\s+read\s+\S+Z\s+never\s+-\n2\s+deploy\s+read\s+\S+Z\s+never\s+\S+Z\n3\s+-\s+read\s+\S+Z\s+never\s+-\n$/,
    );
    const json = JSON.parse((await run('list', '--format', 'json', '--include-revoked')).stdout) as { id: number; revokedAt: string | null }[];
    expect(json.map((t) => [t.id, t.revokedAt !== null])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);

    for (const id of ['1', '3']) expect((await run('revoke', id)).code).toBe(0);
    expect((await run('list')).stdout).toBe(
      'No API token: `inventory serve` answers without authentication, on loopback addresses only.\n3 revoked tokens not shown (--include-revoked)\n',
    );
    expect((await run('create', '--scope', 'read')).stderr).toMatch(/^inventory: created token 4 with scope read;/);
  });
});

describe('inventory serve and tokens', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('serve-auth-');
    // serve only reads an inventory: these are empty ones, as `inventory migrate` makes them.
    for (const name of ['open.db', 'pages.db', 'refuse.db']) createInventory(join(dir, name));
  });
  afterAll(() => undefined);

  it('without a token, listens on loopback only and says so', async () => {
    const server = await startCli(['serve', '--db', join(dir, 'open.db'), '--port', '0'], {}, READY);
    try {
      expect(server.match[2]).toBe('no API token exists, so it listens on this loopback address only and asks for none');
      const response = await fetch(server.match[1]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ apiVersion }"}' });
      expect(response.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('caps what one list or page may return at --max-page-size, with a clear error above it', async () => {
    const server = await startCli(['serve', '--db', join(dir, 'pages.db'), '--port', '0', '--max-page-size', '5'], {}, READY);
    try {
      const ask = async (query: string) =>
        (await (await fetch(server.match[1]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json()) as {
          errors?: { message: string }[];
        };
      expect((await ask('{ trails(options:{limit:5}) { id } }')).errors).toBeUndefined();
      expect((await ask('{ trails(options:{limit:6}) { id } }')).errors?.[0]?.message).toMatch(/above the maximum page size of 5/);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    const tooBig = await runCli(['serve', '--db', join(dir, 'pages.db'), '--max-page-size', '10001']);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain("option '--max-page-size <n>' argument '10001' is invalid. expected at most 10000");
  });

  it('refuses the demo on a non-loopback --host too, with exit code 2 (its database has no token)', async () => {
    const refused = await runCli(['demo', '--port', '0', '--host', '0.0.0.0'], {}, dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('inventory: refusing to listen on 0.0.0.0');
  });

  it('refuses a non-loopback --host without a token with exit code 2, unless --allow-unauthenticated (then it warns)', async () => {
    const db = join(dir, 'refuse.db');
    const refused = await runCli(['serve', '--db', db, '--port', '0', '--host', '0.0.0.0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'inventory: refusing to listen on 0.0.0.0: no API token exists, so anyone who can reach it could read the inventory; create one with `inventory token create --scope read`, listen on 127.0.0.1, or pass --allow-unauthenticated\n',
    );
    const badEnv = await runCli(['serve', '--db', db, '--port', '0', '--host', '0.0.0.0'], { INVENTORY_ALLOW_UNAUTHENTICATED: 'maybe' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toBe('inventory: INVENTORY_ALLOW_UNAUTHENTICATED=maybe: expected true or false\n');

    for (const [args, env] of [
      [['--allow-unauthenticated'], {}],
      [[], { INVENTORY_ALLOW_UNAUTHENTICATED: 'true' }],
    ] as const) {
      const server = await startCli(['serve', '--db', db, '--port', '0', '--host', '0.0.0.0', ...args], env, READY);
      try {
        expect(server.match[2]).toBe('WITHOUT authentication (--allow-unauthenticated)');
        // The warning is on stderr, which may reach us after the ready line on stdout: wait for it (a safety-net timeout).
        await vi.waitFor(() => expect(server.output()).toContain('inventory: warning: listening on 0.0.0.0 without authentication (--allow-unauthenticated)'), {
          timeout: 60_000,
          interval: 20,
        });
      } finally {
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
    }
  });

  it('with a token, requires it on any host, and --no-introspection turns introspection off', async () => {
    const db = join(dir, 'token.db');
    const secret = (await runCli(['token', 'create', '--scope', 'read', '--db', db])).stdout.trim();
    const server = await startCli(['serve', '--db', db, '--port', '0', '--host', '0.0.0.0', '--no-introspection'], {}, READY);
    try {
      expect(server.match[2]).toBe('API tokens required: 1 exist');
      const url = server.match[1]!.replace('0.0.0.0', '127.0.0.1');
      const ask = (query: string, token?: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query }),
        });
      expect((await ask('{ apiVersion }')).status).toBe(401);
      expect((await ask('{ apiVersion }', secret)).status).toBe(200);
      const introspection = await ask('{ __schema { types { name } } }', secret);
      expect(introspection.status).toBe(400);
      expect(await introspection.text()).toContain('introspection (__schema, __type) is turned off on this server');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    const listed = JSON.parse((await runCli(['token', 'list', '--format', 'json', '--db', db])).stdout) as { lastUsedAt: string | null }[];
    expect(listed[0]!.lastUsedAt).not.toBeNull();
  });
});
