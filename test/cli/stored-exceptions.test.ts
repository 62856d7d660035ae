// Exceptions stored through the API, as the CLI applies them: `inventory serve` takes addException and revokeException
// from an admin token; `check` and `remediate` apply the stored exceptions with the file's; `exceptions list` shows both.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenHash, newApiToken } from '../../src/server/auth.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { ApiTokenScope } from '../../src/store/store.js';
import { syncEachAccount } from '../support/aws.js';
import { runCli, startCli } from '../support/cli.js';
import { simAccount, simTrail, trailArn } from '../support/scenarios.js';
import { createInventory, tempDir } from '../support/store.js';

const ONE = '210987654321';
const TWO = '345678901234';
const KMS = 'cloudtrail-kms-encryption';
const READY = /GraphQL API at (http:\/\/\S+\/graphql) /;

describe('exceptions stored through the API, applied by the CLI', () => {
  let sim: Simulator;
  let dir: string;
  let db: string;
  let serve: { child: ChildProcess; match: RegExpMatchArray; exited: Promise<number | null> };
  let url: string;
  let admin: string;
  let read: string;
  const today = new Date().toISOString().slice(0, 10);
  const daysFromToday = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const exception = (asset: string, expires = daysFromToday(30)) => ({
    control: KMS,
    asset,
    owner: 'platform-team',
    reason: 'migration to a CMK planned',
    approver: 'security-lead',
    expires,
  });
  const graphql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] };
  };
  const add = (input: Record<string, unknown>, token = admin) =>
    graphql('mutation($input: ExceptionInput!) { addException(input: $input) { id state } }', { input }, token);
  const check = async (...args: string[]) => {
    const result = await runCli(['check', '--db', db, '--control', KMS, '--format', 'json', '--no-record', ...args]);
    return {
      code: result.code,
      verdict: JSON.parse(result.stdout).verdicts[0] as {
        verdict: string;
        failingAssets: { id: string }[];
        exceptedAssets: { id: string }[];
        expiredExceptions: { asset: string }[];
      },
    };
  };
  const ids = (assets: { id: string }[]) => assets.map((a) => a.id).sort();

  beforeAll(async () => {
    sim = await startSimulator({
      accounts: [simAccount(ONE, [simTrail('one-a', 'us-east-1')]), simAccount(TWO, [simTrail('two-a', 'us-east-1'), simTrail('two-b', 'eu-west-1')])],
    });
    dir = tempDir('stored-exceptions-');
    db = join(dir, 'inventory.db');
    // The sync and the tokens are what this test starts from, made in this process (their commands have tests of
    // their own): `inventory serve`, check, remediate and exceptions are the CLI under test here.
    await syncEachAccount(db, sim);
    const store = SqliteStore.open(db);
    try {
      const token = async (scope: ApiTokenScope, name: string) => {
        const secret = newApiToken();
        await store.createApiToken({ name, scope, hash: apiTokenHash(secret) });
        return secret;
      };
      admin = await token('admin', 'security-admin');
      read = await token('read', 'dashboard');
    } finally {
      await store.close();
    }
    serve = await startCli(['serve', '--db', db, '--port', '0'], {}, READY);
    url = serve.match[1]!;
  });
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.exited;
    await sim.close();
  });

  it('moves the assets a stored active exception covers to excepted, until it is revoked', async () => {
    expect((await check()).verdict.failingAssets).toHaveLength(3);
    const refused = await add(exception(`arn:aws:cloudtrail:*:${TWO}:trail/*`), read);
    expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');

    const added = await add(exception(`arn:aws:cloudtrail:*:${TWO}:trail/*`));
    expect(added.data.addException.state).toBe('ACTIVE');
    const covered = await check();
    expect(covered.code).toBe(1);
    expect(ids(covered.verdict.exceptedAssets)).toEqual([trailArn(TWO, 'eu-west-1', 'two-b'), trailArn(TWO, 'us-east-1', 'two-a')]);
    expect(ids(covered.verdict.failingAssets)).toEqual([trailArn(ONE, 'us-east-1', 'one-a')]);
    const text = await runCli(['check', '--db', db, '--control', KMS, '--no-record']);
    expect(text.stdout).toContain('1 asset fails (and 2 more are excepted)');

    // The file's exception and the stored one apply together: nothing is left failing, so no plan either.
    const file = join(dir, 'exceptions.yaml');
    writeFileSync(file, toYaml([exception(trailArn(ONE, 'us-east-1', 'one-a'))]));
    const both = await check('--exceptions', file);
    expect(both.code).toBe(0);
    expect(both.verdict.verdict).toBe('PASS');
    expect(both.verdict.exceptedAssets).toHaveLength(3);
    const plan = await runCli(['remediate', KMS, '--db', db, '--exceptions', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('nothing needs remediation');
    const planWithoutFile = await runCli(['remediate', KMS, '--db', db, '--format', 'json']);
    expect(planWithoutFile.code).toBe(1);
    expect(planWithoutFile.stdout).toContain(trailArn(ONE, 'us-east-1', 'one-a'));
    expect(planWithoutFile.stdout).not.toContain(trailArn(TWO, 'us-east-1', 'two-a'));

    const revoked = await graphql('mutation($id: ID!) { revokeException(id: $id) { state revokedBy } }', { id: added.data.addException.id }, admin);
    expect(revoked.data.revokeException).toEqual({ state: 'REVOKED', revokedBy: 'security-admin' });
    const after = await check();
    expect(after.verdict.exceptedAssets).toEqual([]);
    expect(after.verdict.failingAssets).toHaveLength(3);
    // A revoked exception is not an expired one: it is not reported under the control at all.
    expect(after.verdict.expiredExceptions).toEqual([]);
  });

  it("lists stored exceptions with the file's, each with its source, and revokes one from the CLI", async () => {
    const { data } = await add(exception(trailArn(ONE, 'us-east-1', 'one-a'), today));
    const id = String(data.addException.id);
    const file = join(dir, 'list.yaml');
    writeFileSync(file, toYaml([exception(trailArn(TWO, 'us-east-1', 'two-a'), daysFromToday(-2))]));

    const stored = await runCli(['exceptions', 'list', '--db', db]);
    expect(stored.code).toBe(0);
    expect(stored.stdout).toContain(`${KMS}  ${trailArn(ONE, 'us-east-1', 'one-a')}\n  source: api, id ${id}, created `);
    expect(stored.stdout).toContain('by security-admin\n  active, expires today (end of day UTC)');
    expect(stored.stdout).toContain('matches 1 asset in the inventory');
    expect(stored.stdout).toMatch(/\n1 exception: 1 active, 0 expired \(0 from the file, 1 stored\); 1 revoked not shown \(--include-revoked\)\n$/);

    const json = JSON.parse((await runCli(['exceptions', 'list', '--db', db, '--exceptions', file, '--include-revoked', '--format', 'json'])).stdout);
    expect(
      json.exceptions.map((e: { source: string; state: string; createdBy?: string; matchingAssets: string[] }) => [
        e.source,
        e.state,
        e.createdBy,
        e.matchingAssets.length,
      ]),
    ).toEqual([
      ['file', 'expired', undefined, 1],
      ['api', 'revoked', 'security-admin', 2],
      ['api', 'active', 'security-admin', 1],
    ]);

    const revoked = await runCli(['exceptions', 'revoke', id, '--db', db]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked exception ${id} \\(${KMS}, ${trailArn(ONE, 'us-east-1', 'one-a')}\\) at \\S+ by cli\\n$`));
    expect((await check()).verdict.failingAssets).toHaveLength(3);
    const unknown = await runCli(['exceptions', 'revoke', '999', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no stored exception has id 999');

    // With no exceptions file and nothing stored at all, list still asks for a file.
    const empty = createInventory(join(dir, 'empty.db'));
    const none = await runCli(['exceptions', 'list', '--db', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no exception is stored in the inventory; name an exceptions file with --exceptions <file>');
  });
});
