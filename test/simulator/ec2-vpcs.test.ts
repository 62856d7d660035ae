// EC2 DescribeVpcs and DescribeFlowLogs as the simulator answers them to the real EC2 client: paging with MaxResults
// and NextToken within EC2's documented ranges, its filters and ids, and EC2's errors (InvalidParameterValue,
// InvalidNextToken, InvalidVpcID.NotFound, UnauthorizedOperation) in EC2's error shape. DescribeRegions is unchanged
// (test/simulator/sts-ec2.test.ts).
import { DescribeFlowLogsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimVpc, type Simulator } from '../../src/simulator/index.js';
import { simAccount } from '../support/scenarios.js';

const ACCOUNT = '123456789012';
const vpc = (n: number, extra: Partial<SimVpc> = {}): SimVpc => ({ VpcId: `vpc-${n}`, Region: 'eu-west-1', CidrBlock: `10.${n}.0.0/16`, ...extra });

let sim: Simulator;
let ec2: EC2Client;
beforeAll(async () => {
  sim = await startSimulator({
    accounts: [
      simAccount(ACCOUNT, [], {
        Vpcs: [
          vpc(1, { IsDefault: true, Tags: { Name: 'default' }, FlowLogs: [{ FlowLogId: 'fl-1', CreationTime: '2026-01-01T00:00:00Z', DeliverLogsStatus: 'FAILED' }] }),
          ...Array.from({ length: 6 }, (_, i) => vpc(i + 2, { FlowLogs: [{ FlowLogId: `fl-${i + 2}`, CreationTime: '2026-01-01T00:00:00Z' }] })),
          vpc(9, { Region: 'us-east-1' }),
        ],
      }),
    ],
    faults: [{ kind: 'accessDenied', service: 'ec2', region: 'eu-north-1', operation: 'DescribeFlowLogs' }],
  });
  ec2 = new EC2Client({
    region: 'eu-west-1',
    endpoint: sim.url,
    maxAttempts: 1,
    credentials: { accessKeyId: `AKIATEST${ACCOUNT}`, secretAccessKey: `secret/${ACCOUNT}/test` },
  });
});
afterAll(async () => {
  ec2.destroy();
  await sim.close();
});

describe('DescribeVpcs', () => {
  it('lists the region’s VPCs, page by page', async () => {
    const first = await ec2.send(new DescribeVpcsCommand({ MaxResults: 5 }));
    expect(first.Vpcs?.map((v) => v.VpcId)).toEqual(['vpc-1', 'vpc-2', 'vpc-3', 'vpc-4', 'vpc-5']);
    expect(first.Vpcs?.[0]).toMatchObject({
      IsDefault: true,
      OwnerId: ACCOUNT,
      State: 'available',
      InstanceTenancy: 'default',
      Tags: [{ Key: 'Name', Value: 'default' }],
    });
    const second = await ec2.send(new DescribeVpcsCommand({ MaxResults: 5, NextToken: first.NextToken }));
    expect(second.Vpcs?.map((v) => v.VpcId)).toEqual(['vpc-6', 'vpc-7']);
    expect(second.NextToken).toBeUndefined();
  });

  it('filters by id and by filter, with wildcards', async () => {
    expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-3'] }))).Vpcs?.map((v) => v.VpcId)).toEqual(['vpc-3']);
    const defaults = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    expect(defaults.Vpcs?.map((v) => v.VpcId)).toEqual(['vpc-1']);
    const tagged = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['def*'] }] }));
    expect(tagged.Vpcs?.map((v) => v.VpcId)).toEqual(['vpc-1']);
  });

  it('answers EC2’s errors', async () => {
    await expect(ec2.send(new DescribeVpcsCommand({ MaxResults: 4 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new DescribeVpcsCommand({ MaxResults: 1001 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new DescribeVpcsCommand({ NextToken: 'made-up' }))).rejects.toMatchObject({ name: 'InvalidNextToken' });
    // A token of another listing (other filters) is refused too.
    const first = await ec2.send(new DescribeVpcsCommand({ MaxResults: 5 }));
    await expect(ec2.send(new DescribeVpcsCommand({ MaxResults: 5, NextToken: first.NextToken, VpcIds: ['vpc-1'] }))).rejects.toMatchObject({ name: 'InvalidNextToken' });
    await expect(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-404'] }))).rejects.toMatchObject({
      name: 'InvalidVpcID.NotFound',
      message: "The vpc ID 'vpc-404' does not exist",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const body = sim.calls.filter((c) => c.operation === 'DescribeVpcs' && c.errorCode === 'InvalidVpcID.NotFound');
    expect(body).toHaveLength(1);
  });
});

describe('DescribeFlowLogs', () => {
  it('lists every flow log of the region, page by page, ACTIVE, with its delivery status and resource', async () => {
    const first = await ec2.send(new DescribeFlowLogsCommand({ MaxResults: 4 }));
    expect(first.FlowLogs?.map((f) => [f.FlowLogId, f.ResourceId, f.FlowLogStatus, f.DeliverLogsStatus])).toEqual([
      ['fl-1', 'vpc-1', 'ACTIVE', 'FAILED'],
      ['fl-2', 'vpc-2', 'ACTIVE', 'SUCCESS'],
      ['fl-3', 'vpc-3', 'ACTIVE', 'SUCCESS'],
      ['fl-4', 'vpc-4', 'ACTIVE', 'SUCCESS'],
    ]);
    expect(first.FlowLogs?.[0]?.CreationTime).toEqual(new Date('2026-01-01T00:00:00Z'));
    const rest = await ec2.send(new DescribeFlowLogsCommand({ MaxResults: 4, NextToken: first.NextToken }));
    expect(rest.FlowLogs?.map((f) => f.FlowLogId)).toEqual(['fl-5', 'fl-6', 'fl-7']);
    expect(rest.NextToken).toBeUndefined();
    const failed = await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'deliver-log-status', Values: ['FAILED'] }] }));
    expect(failed.FlowLogs?.map((f) => f.FlowLogId)).toEqual(['fl-1']);
  });

  it('refuses MaxResults outside 1..1000, and says UnauthorizedOperation where it is denied', async () => {
    await expect(ec2.send(new DescribeFlowLogsCommand({ MaxResults: 0 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new DescribeFlowLogsCommand({ MaxResults: 1001 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const north = new EC2Client({
      region: 'eu-north-1',
      endpoint: sim.url,
      maxAttempts: 1,
      credentials: { accessKeyId: `AKIATEST${ACCOUNT}`, secretAccessKey: `secret/${ACCOUNT}/test` },
    });
    try {
      await expect(north.send(new DescribeFlowLogsCommand({}))).rejects.toMatchObject({
        name: 'UnauthorizedOperation',
        $metadata: { httpStatusCode: 403 },
        message: expect.stringContaining('is not authorized to perform: ec2:DescribeFlowLogs'),
      });
      expect((await north.send(new DescribeVpcsCommand({}))).Vpcs).toEqual([]);
    } finally {
      north.destroy();
    }
  });
});
