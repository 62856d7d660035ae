// The whole loop as a user runs it: a simulated organization → `inventory sync` → GraphQL over HTTP with the
// seed query verbatim → `inventory check` → remediation through the real SDK → re-sync → PASS; a denied region → not PASS.
import { UpdateTrailCommand, CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Scenario, type Simulator } from '../../src/simulator/index.js';
import { awsEnv, stubAwsEnv } from '../support/aws.js';
import { postGraphQL, runCli, startCli } from '../support/cli.js';
import { kmsKey, simAccount, simTrail, trailArn } from '../support/scenarios.js';
import { openTempStore, type TempStore } from '../support/store.js';

const SEED_DOCUMENT = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';

const MANAGEMENT = '210987654321';
const WORKLOADS = '345678901234';
const SECURITY = '456789012345';

function organization(): Scenario {
  return {
    organization: { managementAccountId: MANAGEMENT },
    accounts: [
      simAccount(MANAGEMENT, [
        // Seen from all three accounts in all 17 regions: 51 sightings, one trail.
        simTrail('org-trail', 'us-east-1', { IsMultiRegionTrail: true, IsOrganizationTrail: true, Tags: { owner: 'security' } }),
      ]),
      simAccount(WORKLOADS, [
        simTrail('workloads-multi', 'eu-west-1', { IsMultiRegionTrail: true }),
        simTrail('workloads-encrypted', 'us-east-2', { KmsKeyId: kmsKey(WORKLOADS, 'us-east-2') }),
        simTrail('workloads-stopped', 'ap-south-1', { IsLogging: false }),
      ]),
      simAccount(SECURITY, [simTrail('security-main', 'us-west-2', { IsMultiRegionTrail: true, KmsKeyId: kmsKey(SECURITY, 'us-west-2') })]),
    ],
  };
}

const UNENCRYPTED = [
  trailArn(MANAGEMENT, 'us-east-1', 'org-trail'),
  trailArn(WORKLOADS, 'eu-west-1', 'workloads-multi'),
  trailArn(WORKLOADS, 'ap-south-1', 'workloads-stopped'),
].sort();

describe('the KMS control, end to end through the CLI and HTTP', () => {
  let sim: Simulator;
  let temp: TempStore;
  let db: string;

  const syncAll = async () => {
    const results = [];
    for (const account of sim.scenario.accounts) results.push(await runCli(['sync', '--db', db], awsEnv(sim, account)));
    return results;
  };
  const check = async () => {
    // The catalog holds other CloudTrail controls too; this test is about the KMS one alone.
    const result = await runCli(['check', '--db', db, '--format', 'json', '--control', 'cloudtrail-kms-encryption']);
    const { verdicts } = JSON.parse(result.stdout);
    expect(verdicts.map((v: { controlId: string }) => v.controlId)).toEqual(['cloudtrail-kms-encryption']);
    return { ...result, verdict: verdicts[0] };
  };
  const seedQueryOverHttp = async () => {
    const server = await startCli(['serve', '--db', db, '--port', '0'], {}, /GraphQL API at (http:\/\/\S+\/graphql)/);
    try {
      return await postGraphQL(server.match[1]!, SEED_DOCUMENT);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  };

  beforeAll(async () => {
    sim = await startSimulator(organization());
    temp = await openTempStore();
    await temp.store.close();
    db = temp.path;
  });
  afterAll(async () => {
    await sim.close();
    await temp.cleanup();
  });
  afterEach(() => vi.unstubAllEnvs());

  it('reports ERROR, never PASS, before the first sync', async () => {
    const { code, verdict } = await check();
    expect(verdict.verdict).toBe('ERROR');
    expect(verdict.reason).toContain('never been synced');
    expect(code).toBe(3);
  });

  it('syncs every account, and the seed query over HTTP returns each unencrypted trail exactly once', async () => {
    for (const result of await syncAll()) {
      // Off a terminal, stderr carries JSON log lines; a clean sync logs nothing at warn or above.
      const logs = result.stderr
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(logs.filter((log) => log.level >= 40)).toEqual([]);
      expect(logs.map((log) => log.msg)).toContain('sync finished');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Sync runs \d+ \(aws\.cloudtrail\.trails\) succeeded, \d+ \(aws\.kms\.keys\) succeeded/);
    }
    const { status, body } = await seedQueryOverHttp();
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const ids = body.data.trails.map((t: { id: string }) => t.id);
    expect(ids).toEqual(UNENCRYPTED);
    expect(body.data.trails[0]).toMatchObject({
      arn: UNENCRYPTED[0],
      assetType: 'Trail',
      provider: 'aws',
      accountId: WORKLOADS,
      region: 'ap-south-1',
      tags: [],
    });
  });

  it('fails the control on exactly those trails, with exit code 1', async () => {
    const { code, verdict } = await check();
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.failingAssets.map((a: { id: string }) => a.id)).toEqual(UNENCRYPTED);
    expect(code).toBe(1);
  });

  it('passes once the trails are encrypted through the real SDK and the accounts re-synced', async () => {
    stubAwsEnv(sim);
    for (const arn of UNENCRYPTED) {
      const [, , , region, accountId] = arn.split(':');
      const owner = sim.scenario.accounts.find((a) => a.Id === accountId)!;
      const client = new CloudTrailClient({ region, credentials: { accessKeyId: owner.AccessKeyId, secretAccessKey: owner.SecretAccessKey } });
      await client.send(new UpdateTrailCommand({ Name: arn, KmsKeyId: kmsKey(accountId!, region!) }));
      client.destroy();
    }
    for (const result of await syncAll()) expect(result.code).toBe(0);

    const { body } = await seedQueryOverHttp();
    expect(body).toEqual({ data: { trails: [] } });
    const { code, verdict } = await check();
    expect(verdict.verdict).toBe('PASS');
    expect(code).toBe(0);
  });

  it('does not PASS when a region is denied, and keeps the trails it had', async () => {
    const before = await countTrails(db);
    sim.scenario.faults = [{ kind: 'accessDenied', accountId: SECURITY, region: 'us-west-2' }];
    const security = sim.scenario.accounts.find((a) => a.Id === SECURITY)!;
    const sync = await runCli(['sync', '--db', db], awsEnv(sim, security));
    expect(sync.code).toBe(3);
    // The denial is CloudTrail's: only the trail run is partial.
    expect(sync.stdout).toMatch(/Sync runs \d+ \(aws\.cloudtrail\.trails\) partial, \d+ \(aws\.kms\.keys\) succeeded/);
    expect(sync.stdout).toContain(`${SECURITY} us-west-2: AccessDeniedException`);

    const { code, verdict } = await check();
    expect(verdict.verdict).toBe('ERROR');
    expect(verdict.reason).toContain(`${SECURITY}/us-west-2`);
    expect(code).toBe(3);
    expect(await countTrails(db)).toBe(before);
  });

  it('PASSes again after a clean re-sync of the denied account', async () => {
    sim.scenario.faults = [];
    const security = sim.scenario.accounts.find((a) => a.Id === SECURITY)!;
    expect((await runCli(['sync', '--db', db], awsEnv(sim, security))).code).toBe(0);
    expect((await check()).verdict.verdict).toBe('PASS');
  });
});

async function countTrails(db: string): Promise<number> {
  const { SqliteStore } = await import('../../src/store/sqlite/sqlite-store.js');
  const store = SqliteStore.open(db);
  try {
    return (await store.findTrails({})).length;
  } finally {
    await store.close();
  }
}
