// `inventory demo`, the newcomer's first command: simulated organization → real sync → verdicts → a live API.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { postGraphQL, runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/store.js';

/** The README's demo output: the fenced block that begins as the demo's output begins. */
function readmeDemoBlock(): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const block = readme.match(/^```\n(Simulated AWS organization [\s\S]*?)^```$/m);
  if (!block) throw new Error('README.md has no demo output block (a fenced block starting "Simulated AWS organization")');
  return block[1]!;
}

/** What changes from run to run: ports (the demo's and the simulator's), durations, and the workers (one per CPU). */
const masked = (text: string): string =>
  text
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\b\d+\.\ds\b/g, '<seconds>s')
    .replace(/run in \d+ worker threads/, 'run in <n> worker threads');

describe('inventory demo', () => {
  it('syncs the simulated organization, prints the verdict and serves the seed query until stopped', async () => {
    const dir = tempDir('demo-');
    // No AWS variables at all: the demo must not need a real account or reach the network.
    // And a real inventory named in INVENTORY_DB must stay untouched: the demo keeps to its own database.
    const realInventory = join(dir, 'real.db');
    const env = {
      AWS_PROFILE: '',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      INVENTORY_DB: realInventory,
    };
    const demo = await startCli(['demo', '--port', '0'], env, /GraphQL API at (http:\/\/\S+\/graphql)[\s\S]*Press Ctrl\+C to stop/, dir);
    try {
      const output = demo.output();
      // One run per collector: trails, KMS keys, metric filters, alarms and SNS topics.
      expect(output).toMatch(/Sync runs \d+ \(aws\.cloudtrail\.trails\) succeeded, \d+ \(aws\.kms\.keys\) succeeded/);
      // 3 accounts × 17 regions, and one opted-in region, for each of the seven regional collectors; buckets once per account.
      expect(output).toContain('scopes: 367 ok, 0 skipped, 0 failed');
      expect(output).toContain(
        '  trails: 89 sightings, 5 new, 0 changed, 0 deleted\n  kms keys: 9 sightings, 9 new, 0 changed, 0 deleted\n  buckets: 8 sightings, 8 new, 0 changed, 0 deleted\n',
      );
      // The demo's VPCs (src/simulator/scenarios/demo-vpc-config.ts): one, three and one; a recorder in every region but
      // one of the workloads account's.
      expect(output).toContain('  VPCs: 5 sightings, 5 new, 0 changed, 0 deleted\n  configuration recorders: 50 sightings, 50 new, 0 changed, 0 deleted\n');
      expect(output).toContain('FAIL   kms-key-rotation  Rotation for customer created symmetric CMKs is enabled (medium)');
      expect(output).toContain('FAIL   cloudtrail-kms-encryption  CloudTrail logs are encrypted at rest using KMS CMKs (medium)');
      // Both trails that name a key use one whose policy lacks CloudTrail's DescribeKey statement (src/simulator/scenarios/demo.ts).
      expect(output).toContain(
        'FAIL   cloudtrail-kms-key-usable  CloudTrail trails are encrypted with a KMS key that can encrypt their logs (high)\n       2 assets fail',
      );
      expect(existsSync(join(dir, 'data', 'demo.db'))).toBe(true);
      expect(existsSync(realInventory)).toBe(false);
      // The README shows exactly what the demo prints, so it cannot go stale.
      expect(masked(output)).toBe(masked(readmeDemoBlock()));

      const { status, body } = await postGraphQL(demo.match[1]!, '{ trails(where:{kmsKeyID:""}){...AssetFragment} }');
      expect(status).toBe(200);
      // The KMS control's own failing list, not another control's that happens to come first.
      const failing = output.split('FAIL   cloudtrail-kms-encryption ')[1]!.split('failing:')[1]!.split('\n\n')[0]!;
      const ids: string[] = body.data.trails.map((t: { id: string }) => t.id);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(failing).toContain(id);
    } finally {
      demo.child.kill('SIGINT');
    }
    expect(await demo.exited).toBe(0);
  });

  it('applies the exceptions stored in its database, as inventory check on that database does', async () => {
    const dir = tempDir('demo-exceptions-');
    const db = join(dir, 'demo.db');
    const excepted = 'arn:aws:cloudtrail:eu-west-1:222222222222:trail/eu-legacy-audit';
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const store = SqliteStore.open(db);
    try {
      await store.addControlException({
        control: 'cloudtrail-kms-encryption',
        asset: excepted,
        owner: 'platform-team',
        reason: 'CMK migration planned',
        approver: 'security-lead',
        expires,
        createdBy: 'local',
      });
    } finally {
      await store.close();
    }
    const env = { AWS_PROFILE: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    const demo = await startCli(['demo', '--port', '0', '--db', db], env, /GraphQL API at (http:\/\/\S+\/graphql)[\s\S]*Press Ctrl\+C to stop/, dir);
    let kms: string;
    try {
      kms = demo
        .output()
        .split('   cloudtrail-kms-encryption ')[1]!
        .split('\n\n')[0]!
        .split(/\n(?=PASS|FAIL|ERROR)/)[0]!;
    } finally {
      demo.child.kill('SIGINT');
    }
    // Stopped before the check reads the same file (how it exits is the first test's business).
    await demo.exited;
    expect(kms).toMatch(/\d+ assets? fails? \(and 1 more is excepted\)/);
    expect(kms).toContain(`excepted:\n         ${excepted}  (account 222222222222, eu-west-1)  owner platform-team, approved by security-lead, until ${expires}`);
    expect(kms.split('excepted:')[0]).not.toContain(excepted);
    // inventory check on the same database gives the same verdict.
    const check = await runCli(['check', '--db', db, '--no-record', '--control', 'cloudtrail-kms-encryption']);
    expect(check.stdout.split('   cloudtrail-kms-encryption ')[1]!.split('\n\n')[0]).toBe(kms.split('\n\n')[0]);
  }, 180_000);
});
