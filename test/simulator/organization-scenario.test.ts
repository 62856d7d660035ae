import { DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REGIONS, organizationScenario, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { cloudTrailClient, ec2Client, sessionCredentials, stsClient } from './sdk-clients.js';

describe('organizationScenario', () => {
  it('is deterministic: the same seed gives the same scenario, another seed another one', () => {
    expect(JSON.stringify(organizationScenario({ seed: 7 }))).toBe(JSON.stringify(organizationScenario({ seed: 7 })));
    expect(JSON.stringify(organizationScenario())).toBe(JSON.stringify(organizationScenario({ seed: 1 })));
    const other = organizationScenario({ seed: 8 });
    expect(other.management.Id).not.toBe(organizationScenario({ seed: 7 }).management.Id);
  });

  it('has the documented defaults: 200 accounts, 17 regions, one suspended, one refusing role, one denied region', () => {
    // Cheap enough for any test to build: counted in CPU time, which other load on the machine does not stretch.
    const cpuBefore = process.cpuUsage();
    const org = organizationScenario();
    const cpu = process.cpuUsage(cpuBefore);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(250);
    const { scenario } = org;

    const ids = scenario.accounts.map((account) => account.Id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    expect(ids.every((id) => /^[1-9]\d{11}$/.test(id))).toBe(true);
    expect(scenario.accounts[0]).toBe(org.management);
    expect(scenario.organization).toEqual({ managementAccountId: org.management.Id });
    expect(new Set(scenario.accounts.map((account) => account.AccessKeyId)).size).toBe(200);

    expect(scenario).toMatchObject({ latencyMs: 20, rateLimit: { callsPerSecond: 10 }, transientErrorRate: 0.02, seed: 1 });
    expect(scenario.accounts.every((account) => JSON.stringify(account.EnabledRegions) === JSON.stringify(DEFAULT_REGIONS))).toBe(true);

    expect(org.suspendedAccountIds).toHaveLength(1);
    expect(org.activeAccountIds).toHaveLength(199);
    expect(org.activeAccountIds).toEqual([...org.activeAccountIds].sort());
    expect(org.activeAccountIds).toContain(org.management.Id);
    expect([...org.activeAccountIds, ...org.suspendedAccountIds].sort()).toEqual([...ids].sort());
    const status = new Map(scenario.accounts.map((account) => [account.Id, account.Status]));
    expect(org.suspendedAccountIds.every((id) => status.get(id) === 'SUSPENDED')).toBe(true);
    expect(org.activeAccountIds.every((id) => status.get(id) === 'ACTIVE')).toBe(true);

    const members = org.activeAccountIds.filter((id) => id !== org.management.Id);
    expect(members).toContain(org.unassumableAccountId);
    expect(members).toContain(org.deniedScope?.accountId);
    expect(org.deniedScope?.accountId).not.toBe(org.unassumableAccountId);
    expect(DEFAULT_REGIONS).toContain(org.deniedScope?.region);
    expect(scenario.faults).toEqual([{ kind: 'accessDenied', ...org.deniedScope }]);
    expect(org.memberRoleName).toBe('InventoryReader');
    for (const account of scenario.accounts) {
      const trusted = account.Id === org.unassumableAccountId ? [account.Id] : [org.management.Id];
      expect(account.Roles).toEqual([{ Name: 'InventoryReader', TrustedAccountIds: trusted }]);
    }
  });

  it('has one encrypted organization trail and 0 to 2 own trails per account, all listed in trailArns', () => {
    const org = organizationScenario({ seed: 3 });
    const [orgTrail, ...managementOwn] = org.management.Trails;
    expect(orgTrail).toMatchObject({
      HomeRegion: 'us-east-1',
      IsMultiRegionTrail: true,
      IsOrganizationTrail: true,
      KmsKeyId: expect.stringMatching(/^arn:aws:kms:us-east-1:/),
    });
    expect(managementOwn.length).toBeLessThanOrEqual(2);

    const arns: string[] = [];
    const unencrypted: string[] = [];
    for (const account of org.scenario.accounts) {
      const own = account.Trails.filter((trail) => !trail.IsOrganizationTrail);
      expect(own.length).toBeLessThanOrEqual(2);
      if (account.Status === 'SUSPENDED') expect(own).toEqual([]);
      for (const trail of account.Trails) {
        expect(account.EnabledRegions).toContain(trail.HomeRegion);
        const arn = `arn:aws:cloudtrail:${trail.HomeRegion}:${account.Id}:trail/${trail.Name}`;
        arns.push(arn);
        if (trail.KmsKeyId === undefined) unencrypted.push(arn);
      }
    }
    expect(org.trailArns).toEqual(arns);
    expect(org.unencryptedTrailArns).toEqual(unencrypted);
    expect(new Set(arns).size).toBe(arns.length);

    const own = org.scenario.accounts.flatMap((account) => account.Trails.filter((trail) => !trail.IsOrganizationTrail));
    expect(own.length).toBeGreaterThan(100);
    const share = (count: number) => count / own.length;
    expect(share(own.filter((trail) => trail.KmsKeyId === undefined).length)).toBeGreaterThan(0.2);
    expect(share(own.filter((trail) => trail.KmsKeyId === undefined).length)).toBeLessThan(0.45);
    expect(share(own.filter((trail) => trail.IsMultiRegionTrail).length)).toBeGreaterThan(0.3);
    expect(share(own.filter((trail) => !trail.IsMultiRegionTrail).length)).toBeGreaterThan(0.3);
    expect(share(own.filter((trail) => trail.Tags !== undefined).length)).toBeGreaterThan(0.2);
    expect(new Set(own.filter((trail) => !trail.IsMultiRegionTrail).map((trail) => trail.HomeRegion)).size).toBeGreaterThan(5);
  });

  it('follows its options', () => {
    const org = organizationScenario({
      accounts: 10,
      regions: ['eu-west-1', 'eu-central-1'],
      seed: 5,
      latencyMs: 0,
      callsPerSecond: 50,
      transientErrorRate: 0,
      memberRoleName: 'Auditor',
      unassumableRole: false,
      deniedRegion: false,
      suspendedAccounts: 3,
    });
    expect(org.scenario.accounts).toHaveLength(10);
    expect(org.scenario).toMatchObject({ latencyMs: 0, rateLimit: { callsPerSecond: 50 }, transientErrorRate: 0, seed: 5, faults: [] });
    expect(org.suspendedAccountIds).toHaveLength(3);
    expect(org.activeAccountIds).toHaveLength(7);
    expect(org.unassumableAccountId).toBeUndefined();
    expect(org.deniedScope).toBeUndefined();
    expect(org.management.Trails[0]).toMatchObject({ IsOrganizationTrail: true, HomeRegion: 'eu-west-1' });
    for (const account of org.scenario.accounts) {
      expect(account.EnabledRegions).toEqual(['eu-west-1', 'eu-central-1']);
      expect(account.Roles).toEqual([{ Name: 'Auditor', TrustedAccountIds: [org.management.Id] }]);
      for (const trail of account.Trails) expect(['eu-west-1', 'eu-central-1']).toContain(trail.HomeRegion);
    }
    // A one-account organization has no members to refuse or deny anything.
    const alone = organizationScenario({ accounts: 1 });
    expect(alone.activeAccountIds).toEqual([alone.management.Id]);
    expect(alone.suspendedAccountIds).toEqual([]);
    expect(alone.unassumableAccountId).toBeUndefined();
    expect(alone.deniedScope).toBeUndefined();
  });
});

describe('organizationScenario on the wire', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('lets the management account assume the member role everywhere but in the unassumable and suspended accounts', async () => {
    const org = organizationScenario({ accounts: 8, latencyMs: 0, transientErrorRate: 0, suspendedAccounts: 2, seed: 21 });
    sim = await startSimulator(org.scenario);
    const sts = stsClient(sim, org.management);
    const outcome = new Map<string, string>();
    for (const account of org.scenario.accounts) {
      const roleArn = `arn:aws:iam::${account.Id}:role/${org.memberRoleName}`;
      try {
        const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'discovery' }));
        const identity = await stsClient(sim, sessionCredentials(assumed.Credentials)).send(new GetCallerIdentityCommand({}));
        outcome.set(account.Id, identity.Account === account.Id ? 'ok' : `wrong account ${identity.Account}`);
      } catch (error) {
        outcome.set(account.Id, (error as Error).name);
      }
    }
    const expected = new Map(
      org.scenario.accounts.map((account) => [
        account.Id,
        account.Id === org.unassumableAccountId || org.suspendedAccountIds.includes(account.Id) ? 'AccessDenied' : 'ok',
      ]),
    );
    expect(outcome).toEqual(expected);
    expect([...outcome.values()].filter((value) => value === 'AccessDenied')).toHaveLength(3);
  });

  it('denies CloudTrail in the denied scope only, and shows the organization trail to members', async () => {
    const org = organizationScenario({ accounts: 5, latencyMs: 0, transientErrorRate: 0, seed: 4 });
    sim = await startSimulator(org.scenario);
    const { accountId, region } = org.deniedScope!;
    const assumed = await stsClient(sim, org.management).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${org.memberRoleName}`, RoleSessionName: 'discovery' }),
    );
    const session = sessionCredentials(assumed.Credentials);
    await expect(cloudTrailClient(sim, session, { region }).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    const otherRegion = DEFAULT_REGIONS.find((candidate) => candidate !== region)!;
    const visible = await cloudTrailClient(sim, session, { region: otherRegion }).send(new DescribeTrailsCommand({}));
    const orgTrailArn = `arn:aws:cloudtrail:us-east-1:${org.management.Id}:trail/organization-trail`;
    expect(visible.trailList?.map((trail) => trail.TrailARN)).toContain(orgTrailArn);
    expect(org.trailArns).toContain(orgTrailArn);
    const regions = await ec2Client(sim, session, { region }).send(new DescribeRegionsCommand({}));
    expect(regions.Regions).toHaveLength(DEFAULT_REGIONS.length);
  });
});
