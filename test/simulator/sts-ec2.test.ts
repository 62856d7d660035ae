import { DescribeInstancesCommand, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REGIONS, demoScenario, OPT_IN_REGIONS, startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { ec2Client, stsClient } from './sdk-clients.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator(demoScenario());
});
afterEach(async () => {
  await sim.close();
});

const account = (id: string): SimAccount => sim.scenario.accounts.find((candidate) => candidate.Id === id)!;

describe('STS GetCallerIdentity', () => {
  it('returns the account, the default IAM user ARN and an IAM user id', async () => {
    const identity = await stsClient(sim, account('222222222222')).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('222222222222');
    expect(identity.Arn).toBe('arn:aws:iam::222222222222:user/inventory-reader');
    expect(identity.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(sim.calls.at(-1)).toMatchObject({ service: 'sts', operation: 'GetCallerIdentity', accountId: '222222222222', status: 200 });
  });

  it('returns the scenario CallerArn, with a role id and session name for an assumed role', async () => {
    const identity = await stsClient(sim, account('111111111111'), { region: 'eu-west-1' }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe('arn:aws:sts::111111111111:assumed-role/InventoryReader/inventory-demo');
    expect(identity.UserId).toMatch(/^AROA[A-Z0-9]{17}:inventory-demo$/);
  });

  it('answers InvalidAction for an operation it does not model', async () => {
    const client = stsClient(sim, account('222222222222'));
    await expect(client.send(new GetSessionTokenCommand({}))).rejects.toMatchObject({
      name: 'InvalidAction',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('EC2 DescribeRegions', () => {
  it("lists only the account's enabled regions without AllRegions", async () => {
    const output = await ec2Client(sim, account('222222222222')).send(new DescribeRegionsCommand({}));
    expect(output.Regions?.map((region) => region.RegionName)).toEqual([...DEFAULT_REGIONS].sort());
    expect(output.Regions?.[0]).toEqual({ RegionName: 'ap-northeast-1', Endpoint: 'ec2.ap-northeast-1.amazonaws.com', OptInStatus: 'opt-in-not-required' });

    const security = await ec2Client(sim, account('333333333333')).send(new DescribeRegionsCommand({}));
    expect(security.Regions).toHaveLength(DEFAULT_REGIONS.length + 1);
    expect(security.Regions?.find((region) => region.RegionName === 'ap-east-1')?.OptInStatus).toBe('opted-in');
  });

  it('lists every region with its opt-in status when AllRegions is true', async () => {
    const output = await ec2Client(sim, account('222222222222')).send(new DescribeRegionsCommand({ AllRegions: true }));
    expect(output.Regions).toHaveLength(DEFAULT_REGIONS.length + OPT_IN_REGIONS.length);
    const status = new Map(output.Regions?.map((region) => [region.RegionName, region.OptInStatus]));
    expect(status.get('ap-east-1')).toBe('not-opted-in');
    expect(status.get('us-east-1')).toBe('opt-in-not-required');
    expect(sim.calls.at(-1)?.params).toMatchObject({ Action: 'DescribeRegions', Version: '2016-11-15', AllRegions: 'true' });

    const security = await ec2Client(sim, account('333333333333')).send(new DescribeRegionsCommand({ AllRegions: true }));
    expect(security.Regions?.find((region) => region.RegionName === 'ap-east-1')?.OptInStatus).toBe('opted-in');
  });

  it('applies RegionNames and filters', async () => {
    const client = ec2Client(sim, account('222222222222'));
    const named = await client.send(new DescribeRegionsCommand({ RegionNames: ['eu-west-1', 'us-east-1'] }));
    expect(named.Regions?.map((region) => region.RegionName)).toEqual(['eu-west-1', 'us-east-1']);
    const notOptedIn = await client.send(new DescribeRegionsCommand({ AllRegions: true, Filters: [{ Name: 'opt-in-status', Values: ['not-opted-in'] }] }));
    expect(notOptedIn.Regions?.map((region) => region.RegionName)).toEqual([...OPT_IN_REGIONS].sort());
    await expect(client.send(new DescribeRegionsCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('answers InvalidAction for an action it does not model, and AuthFailure in a disabled opt-in region', async () => {
    await expect(ec2Client(sim, account('222222222222')).send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'InvalidAction',
      message: 'The action DescribeInstances is not valid for this web service.',
    });
    await expect(ec2Client(sim, account('222222222222'), { region: 'me-south-1' }).send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
      $metadata: { httpStatusCode: 401 },
    });
  });
});
