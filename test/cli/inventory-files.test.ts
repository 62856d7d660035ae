// The inventory file as the CLI meets it (README, The inventory file): another application's database refused with
// exit 2, read commands that never create one, and an inventory this user cannot write: reads work, writes fail in one
// line with exit 3. Only what a child process shows (its exit code and stderr, another user's rights) is spawned.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenHash, newApiToken } from '../../src/server/auth.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { syncEachAccount } from '../support/aws.js';
import { BIN, runCli, runInProcess, startCli, type CliUser } from '../support/cli.js';
import { simAccount, simTrail, trailArn } from '../support/scenarios.js';
import { tempDir } from '../support/store.js';

const ONE = '210987654321';
const TWO = '345678901234';
const KMS = 'cloudtrail-kms-encryption';
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe("another application's SQLite file", () => {
  it('is not synced into: exit 2 saying what it is, and the file is as it was', async () => {
    const path = join(tempDir('foreign-'), 'other.db');
    const app = new Database(path);
    app.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')`);
    app.close();
    const before = sha256(path);
    const { code, stderr } = await runCli(['sync', '--db', path, '--regions', 'us-east-1']);
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr: `inventory: ${path} is not an inventory database (SQLite application_id 0x00000000, tables: users); refusing to change it\n`,
    });
    expect(sha256(path)).toBe(before);
  });
});

describe('commands on a path with no inventory', () => {
  it('exit 2 saying to sync first, and create neither the file nor its folders, for every command that needs one', async () => {
    const dir = tempDir('missing-');
    const db = join(dir, 'missing', 'dir', 'x.db');
    for (const argv of [
      ['check'],
      ['check', '--no-record'],
      ['serve', '--port', '0'],
      ['remediate', KMS],
      ['exceptions', 'list'],
      ['exceptions', 'revoke', '1'],
      ['token', 'list'],
      ['token', 'revoke', 'ci'],
    ]) {
      const { code, stderr } = await runInProcess([...argv, '--db', db]);
      expect({ argv, code, stderr }).toEqual({ argv, code: 2, stderr: `inventory: no inventory at ${db}; run inventory sync first\n` });
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('an inventory this user cannot write', () => {
  let sim: Simulator;
  let dir: string;
  let db: string;
  let secret: string;
  let before: { files: string[]; sha: string };
  // Root may write any file: the commands run as nobody. Another user gets a file and folder of its own without write.
  const asRoot = process.getuid?.() === 0;
  const reader: CliUser | undefined = asRoot ? { uid: 65534, gid: 65534 } : undefined;
  const run = (args: string[]) => runCli([...args, '--db', db], {}, dir, reader);

  beforeAll(async () => {
    sim = await startSimulator({ accounts: [simAccount(ONE, [simTrail('one-a', 'us-east-1')]), simAccount(TWO, [simTrail('two-a', 'us-east-1')])] });
    dir = tempDir('read-only-');
    db = join(dir, 'inventory.db');
    await syncEachAccount(db, sim);
    const store = SqliteStore.open(db);
    try {
      secret = newApiToken();
      await store.createApiToken({ name: 'dashboard', scope: 'read', hash: apiTokenHash(secret) });
      await store.addControlException({
        control: KMS,
        asset: TWO,
        owner: 'platform-team',
        reason: 'migration to a CMK planned',
        approver: 'security-lead',
        expires: '2999-12-31',
        createdBy: 'test',
      });
    } finally {
      await store.close();
    }
    // Readable by the other user, in a folder it may enter but not write (no -wal or -shm of its own there).
    chmodSync(db, asRoot ? 0o644 : 0o444);
    chmodSync(dir, asRoot ? 0o755 : 0o555);
    if (reader) expect(readableBy(reader), `user ${reader.uid} must be able to run ${BIN}`).toBe(true);
    before = { files: readdirSync(dir), sha: sha256(db) };
  });
  afterAll(async () => {
    chmodSync(dir, 0o755);
    await sim.close();
  });

  it('gives verdicts with check --no-record, lists tokens and exceptions, and changes nothing', async () => {
    const check = await run(['check', '--no-record', '--control', KMS, '--format', 'json']);
    expect(check.stderr).toBe('');
    const [verdict] = JSON.parse(check.stdout).verdicts;
    expect({ code: check.code, verdict: verdict.verdict, failing: verdict.failingAssets.map((a: { id: string }) => a.id) }).toEqual({
      code: 1,
      verdict: 'FAIL',
      failing: [trailArn(ONE, 'us-east-1', 'one-a')],
    });

    const tokens = await run(['token', 'list', '--format', 'json']);
    expect({ code: tokens.code, stderr: tokens.stderr, names: JSON.parse(tokens.stdout).map((t: { name: string }) => t.name) }).toEqual({
      code: 0,
      stderr: '',
      names: ['dashboard'],
    });

    const exceptions = await run(['exceptions', 'list', '--format', 'json']);
    expect({ code: exceptions.code, stderr: exceptions.stderr, assets: JSON.parse(exceptions.stdout).exceptions.map((e: { asset: string }) => e.asset) }).toEqual({
      code: 0,
      stderr: '',
      assets: [TWO],
    });
    expect({ files: readdirSync(dir), sha: sha256(db) }).toEqual(before);
  });

  it('serves it: /healthz, /readyz and a query with a token answer', async () => {
    let server: { child: ChildProcess; match: RegExpMatchArray; output: () => string; exited: Promise<number | null> } | undefined;
    try {
      server = await startCli(['serve', '--db', db, '--port', '0'], {}, /GraphQL API at (http:\/\/\S+)\/graphql /, dir, reader);
      const base = server.match[1]!;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: '{ trails(options: {limit: 10}) { name } }' }),
      });
      expect(await response.json()).toEqual({ data: { trails: [{ name: 'one-a' }, { name: 'two-a' }] } });
    } finally {
      server?.child.kill('SIGTERM');
      expect(await server?.exited).toBe(0);
    }
    expect(server!.output()).not.toMatch(/SqliteError|\n\s+at /);
    expect({ files: readdirSync(dir), sha: sha256(db) }).toEqual(before);
  });

  it('refuses to write it in one line with exit 3, without a stack trace: check recording its verdicts, sync', async () => {
    const cannotWrite = `inventory: ${db}: this user cannot write it (read-only here); commands that only read it work, such as check --no-record\n`;
    const check = await run(['check', '--control', KMS]);
    expect({ code: check.code, stdout: check.stdout, stderr: check.stderr }).toEqual({ code: 3, stdout: '', stderr: cannotWrite });
    const sync = await run(['sync', '--regions', 'us-east-1']);
    expect({ code: sync.code, stderr: sync.stderr }).toEqual({ code: 3, stderr: cannotWrite });
    expect({ files: readdirSync(dir), sha: sha256(db) }).toEqual(before);
    expect(existsSync(`${db}-shm`)).toBe(false);
  });
});

/** Whether `user` may read the built command and the folders up to it (a checkout under /root is not). */
function readableBy(user: CliUser): boolean {
  return spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(BIN)}, require('node:fs').constants.R_OK)`], user).status === 0;
}
