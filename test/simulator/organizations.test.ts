import { DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListRootsCommand,
  OrganizationsClient,
  paginateListAccounts,
  type Account,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LIST_ACCOUNTS_MAX_RESULTS,
  organizationScenario,
  startSimulator,
  type OrganizationScenario,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';
import { cloudTrailClient, organizationsClient, sessionCredentials, stsClient, type Credentials } from './sdk-clients.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A quiet generated organization: no latency, throttling or transient errors unless a test adds them. */
async function start(accounts: number, options: SimulatorOptions = {}): Promise<{ sim: Simulator; org: OrganizationScenario }> {
  const org = organizationScenario({ accounts, latencyMs: 0, transientErrorRate: 0, callsPerSecond: 1000, seed: 11 });
  sim = await startSimulator(org.scenario, options);
  return { sim, org };
}

async function listAll(client: OrganizationsClient, pageSize?: number): Promise<{ accounts: Account[]; pages: number[] }> {
  const accounts: Account[] = [];
  const pages: number[] = [];
  for await (const page of paginateListAccounts({ client }, pageSize === undefined ? {} : { MaxResults: pageSize })) {
    pages.push(page.Accounts?.length ?? 0);
    accounts.push(...(page.Accounts ?? []));
  }
  return { accounts, pages };
}

describe('Organizations ListAccounts', () => {
  it('pages through every account once with paginateListAccounts and MaxResults 5', async () => {
    const { sim, org } = await start(12);
    const { accounts, pages } = await listAll(organizationsClient(sim, org.management), 5);
    expect(pages).toEqual([5, 5, 2]);
    expect(accounts.map((account) => account.Id)).toEqual(org.scenario.accounts.map((account) => account.Id));
    expect(new Set(accounts.map((account) => account.Id)).size).toBe(12);

    const organizationId = (await organizationsClient(sim, org.management).send(new DescribeOrganizationCommand({}))).Organization?.Id;
    expect(organizationId).toMatch(/^o-[a-z0-9]{10}$/);
    const managementId = org.management.Id;
    expect(accounts[0]).toEqual({
      Id: managementId,
      Arn: `arn:aws:organizations::${managementId}:account/${organizationId}/${managementId}`,
      Email: org.management.Email,
      Name: 'management',
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: 'INVITED',
      JoinedTimestamp: expect.any(Date),
    });
    expect(accounts.slice(1).every((account) => account.JoinedMethod === 'CREATED')).toBe(true);
    expect(accounts.filter((account) => account.Status === 'SUSPENDED').map((account) => account.Id)).toEqual(org.suspendedAccountIds);

    const calls = sim.calls.filter((call) => call.operation === 'ListAccounts');
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ service: 'organizations', accountId: managementId, status: 200, params: { MaxResults: 5 } });
    expect(calls[0]?.params.NextToken).toBeUndefined();
    expect(typeof calls[1]?.params.NextToken).toBe('string');
    // Timestamps are epoch seconds, a JSON number, on the wire.
    expect(calls[0]?.responseBody).toMatch(/"JoinedTimestamp":\d\.\d+E9[,}]/);
  });

  it('gives the same answer twice, and 20 accounts per page by default', async () => {
    const { sim, org } = await start(25);
    const client = organizationsClient(sim, org.management);
    const first = await client.send(new ListAccountsCommand({}));
    expect(first.Accounts).toHaveLength(LIST_ACCOUNTS_MAX_RESULTS);
    expect(first.NextToken).toBeDefined();
    const again = await listAll(client);
    expect(again.pages).toEqual([20, 5]);
    expect(again.accounts.slice(0, 20)).toEqual(first.Accounts);
  });

  it('refuses a made-up token and MaxResults outside 1..20 with InvalidInputException', async () => {
    const { sim, org } = await start(3);
    const client = organizationsClient(sim, org.management);
    await expect(client.send(new ListAccountsCommand({ NextToken: 'bm90LWEtdG9rZW4' }))).rejects.toMatchObject({
      name: 'InvalidInputException',
      Reason: 'INVALID_NEXT_TOKEN',
      $metadata: { httpStatusCode: 400 },
    });
    for (const MaxResults of [0, 21]) {
      await expect(client.send(new ListAccountsCommand({ MaxResults }))).rejects.toMatchObject({ name: 'InvalidInputException' });
    }
  });

  it('denies a member account, and a session in a member account, but not a session in the management account', async () => {
    const { sim, org } = await start(4);
    const member = org.scenario.accounts.find((account) => account.Id === org.activeAccountIds.find((id) => id !== org.management.Id))!;
    const denied = { name: 'AccessDeniedException', message: "You don't have permissions to access this resource." };
    await expect(organizationsClient(sim, member).send(new ListAccountsCommand({}))).rejects.toMatchObject(denied);

    const assume = async (accountId: string): Promise<Credentials> =>
      sessionCredentials(
        (
          await stsClient(sim, org.management).send(
            new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${org.memberRoleName}`, RoleSessionName: 'discovery' }),
          )
        ).Credentials,
      );
    await expect(organizationsClient(sim, await assume(member.Id)).send(new ListAccountsCommand({}))).rejects.toMatchObject(denied);
    const inManagement = await organizationsClient(sim, await assume(org.management.Id)).send(new ListAccountsCommand({}));
    expect(inManagement.Accounts).toHaveLength(4);

    // Every member of the organization may describe it.
    const described = await organizationsClient(sim, member).send(new DescribeOrganizationCommand({}));
    expect(described.Organization).toMatchObject({ MasterAccountId: org.management.Id, FeatureSet: 'ALL' });
    expect(sim.errorCounts.get('AccessDeniedException')).toBe(2);
  });

  it('answers AWSOrganizationsNotInUseException when the scenario has no organization', async () => {
    const { sim, org } = await start(2);
    delete sim.scenario.organization;
    for (const command of [new ListAccountsCommand({}), new DescribeOrganizationCommand({})]) {
      await expect(organizationsClient(sim, org.management).send(command)).rejects.toMatchObject({
        name: 'AWSOrganizationsNotInUseException',
        message: 'Your account is not a member of an organization.',
      });
    }
  });

  it('answers UnknownOperationException for an operation it does not model', async () => {
    const { sim, org } = await start(2);
    await expect(organizationsClient(sim, org.management).send(new ListRootsCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
    expect(sim.calls.at(-1)).toMatchObject({ service: 'organizations', operation: 'ListRoots', errorCode: 'UnknownOperationException' });
  });

  it('is reached through AWS_ENDPOINT_URL_ORGANIZATIONS, and applies scenario latency and slow faults', async () => {
    const { sim, org } = await start(3);
    const saved = process.env.AWS_ENDPOINT_URL_ORGANIZATIONS;
    process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = sim.url;
    try {
      const client = new OrganizationsClient({
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: org.management.AccessKeyId, secretAccessKey: org.management.SecretAccessKey },
      });
      sim.scenario.faults = [{ kind: 'slow', operation: 'ListAccounts', delayMs: 150 }];
      const started = Date.now();
      const output = await client.send(new ListAccountsCommand({}));
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(output.Accounts).toHaveLength(3);
      expect(sim.calls.at(-1)).toMatchObject({ service: 'organizations', operation: 'ListAccounts', region: 'us-east-1', status: 200 });
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_ORGANIZATIONS;
      else process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = saved;
    }
  });
});

describe('recordCalls', () => {
  it('false keeps `calls` empty but counts every answered call and error', async () => {
    const { sim, org } = await start(12, { recordCalls: false });
    await listAll(organizationsClient(sim, org.management), 5);
    const member = org.scenario.accounts.find((account) => account.Id === org.activeAccountIds.find((id) => id !== org.management.Id))!;
    await expect(organizationsClient(sim, member).send(new ListAccountsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await cloudTrailClient(sim, org.management).send(new DescribeTrailsCommand({}));

    expect(sim.calls).toEqual([]);
    expect(Object.fromEntries(sim.callCounts)).toEqual({ 'organizations.ListAccounts': 4, 'cloudtrail.DescribeTrails': 1 });
    expect(Object.fromEntries(sim.errorCounts)).toEqual({ AccessDeniedException: 1 });

    sim.resetCalls();
    expect(sim.callCounts.size).toBe(0);
    expect(sim.errorCounts.size).toBe(0);
  });

  it('true (the default) logs each call and counts it too', async () => {
    const { sim, org } = await start(2);
    await organizationsClient(sim, org.management).send(new ListAccountsCommand({}));
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]?.responseBody).toContain('"Accounts"');
    expect(sim.callCounts.get('organizations.ListAccounts')).toBe(1);
  });
});
