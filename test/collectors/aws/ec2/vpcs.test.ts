// The VPC collector against the simulator, through the real EC2 client: the fields it records from DescribeVpcs and
// DescribeFlowLogs, every page of both, the VPCs another account shares (left to their owner), and what it records
// when AWS says no: a failed DescribeVpcs fails its region alone, a failed DescribeFlowLogs leaves each VPC's flow logs
// unknown (null) with a collection error.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AwsClients } from '../../../../collectors/collector.js';
import { VPCS_COLLECTOR, vpcsCollector, type VpcPageLimits } from '../../../../collectors/aws/ec2/vpcs.js';
import type { ScopeResult } from '../../../../src/model/scope.js';
import type { VpcRecord } from '../../../../src/model/vpc.js';
import { startSimulator, type Scenario, type SimAccount, type SimVpc, type Simulator } from '../../../../src/simulator/index.js';
import { stubAwsEnv } from '../../../support/aws.js';
import { simAccount } from '../../../support/scenarios.js';

const OWNER = '123456789012';
const SHARER = '210987654321';

let sim: Simulator | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await sim?.close();
  sim = undefined;
});

function clientsFor(account: SimAccount, destroy: Array<{ destroy(): void }>): AwsClients {
  return {
    client<C>(Client: new (config: { region: string }) => C, region: string): C {
      const config = { region, maxAttempts: 1, credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey } };
      const client = new (Client as unknown as new (c: typeof config) => C)(config);
      destroy.push(client as unknown as { destroy(): void });
      return client;
    },
  };
}

async function collect(scenario: Scenario, regions: string[], limits?: VpcPageLimits): Promise<ScopeResult<VpcRecord>[]> {
  sim = await startSimulator(scenario);
  stubAwsEnv(sim);
  const made: Array<{ destroy(): void }> = [];
  try {
    const collector = limits === undefined ? VPCS_COLLECTOR : vpcsCollector(limits);
    return await collector.collect({ accountId: scenario.accounts[0]!.Id, regions, clients: clientsFor(scenario.accounts[0]!, made) });
  } finally {
    for (const client of made) client.destroy();
  }
}

const vpc = (n: number, extra: Partial<SimVpc> = {}): SimVpc => ({
  VpcId: `vpc-${String(n).padStart(17, '0')}`,
  Region: 'eu-west-1',
  CidrBlock: `10.${n}.0.0/16`,
  ...extra,
});
const callsOf = (operation: string) => sim!.calls.filter((c) => c.service === 'ec2' && c.operation === operation);

describe('the VPC collector', () => {
  it('records each VPC with its CIDR blocks, tags and the flow logs whose resource it is, named as Cyscale names them', async () => {
    const scenario: Scenario = {
      accounts: [
        simAccount(OWNER, [], {
          Vpcs: [
            vpc(1, {
              SecondaryCidrBlocks: ['100.64.0.0/16'],
              DhcpOptionsId: 'dopt-0a1b2c3d',
              InstanceTenancy: 'dedicated',
              Tags: { Name: 'production', Team: 'network' },
              FlowLogs: [
                {
                  FlowLogId: 'fl-0000000000000000b',
                  CreationTime: '2026-01-15T08:30:00Z',
                  DeliverLogsStatus: 'FAILED',
                  DeliverLogsErrorMessage: 'Access error',
                  TrafficType: 'REJECT',
                  LogDestinationType: 's3',
                  LogDestination: 'arn:aws:s3:::flow-logs-bucket',
                },
                {
                  FlowLogId: 'fl-0000000000000000a',
                  CreationTime: '2026-01-14T08:30:00Z',
                  LogGroupName: 'vpc-flow-logs',
                  LogDestination: `arn:aws:logs:eu-west-1:${OWNER}:log-group:vpc-flow-logs`,
                },
                // A subnet's flow log is not the VPC's.
                { FlowLogId: 'fl-0000000000000000c', CreationTime: '2026-01-14T08:30:00Z', ResourceId: 'subnet-0a1b2c3d' },
              ],
            }),
            vpc(2, { IsDefault: true, CidrBlock: '172.31.0.0/16' }),
            vpc(3, { Region: 'us-east-1' }),
            // Shared through RAM by another account: its owner's to inventory.
            vpc(4, { OwnerId: SHARER }),
          ],
        }),
      ],
    };
    const scopes = await collect(scenario, ['eu-west-1', 'ap-south-1']);
    expect(scopes.map((s) => [s.assetType, s.region, s.status, s.assets.map((a) => a.vpcID)])).toEqual([
      ['Vpc', 'eu-west-1', 'ok', ['vpc-00000000000000001', 'vpc-00000000000000002']],
      ['Vpc', 'ap-south-1', 'ok', []],
    ]);
    const [production, defaultVpc] = scopes[0]!.assets;
    expect(production).toEqual({
      arn: `arn:aws:ec2:eu-west-1:${OWNER}:vpc/vpc-00000000000000001`,
      name: 'production',
      accountId: OWNER,
      region: 'eu-west-1',
      tags: [
        { key: 'Name', value: 'production' },
        { key: 'Team', value: 'network' },
      ],
      collectionErrors: [],
      raw: { DescribeVpcs: expect.objectContaining({ VpcId: 'vpc-00000000000000001' }), DescribeFlowLogs: { FlowLogs: [expect.any(Object), expect.any(Object)] } },
      vpcID: 'vpc-00000000000000001',
      cidrBlock: '10.1.0.0/16',
      cidrBlocks: [
        { cidrBlock: '10.1.0.0/16', associationID: 'vpc-cidr-assoc-00000000000000001', state: 'associated' },
        { cidrBlock: '100.64.0.0/16', associationID: 'vpc-cidr-assoc-000000000000000011', state: 'associated' },
      ],
      isDefault: false,
      state: 'available',
      instanceTenancy: 'dedicated',
      dhcpOptionsID: 'dopt-0a1b2c3d',
      ownerID: OWNER,
      // In id order, whatever order EC2 listed them in.
      hasFlowLog: [
        {
          flowLogID: 'fl-0000000000000000a',
          flowLogStatus: 'ACTIVE',
          deliverLogsStatus: 'SUCCESS',
          deliverLogsErrorMessage: '',
          trafficType: 'ALL',
          logDestinationType: 'cloud-watch-logs',
          logDestination: `arn:aws:logs:eu-west-1:${OWNER}:log-group:vpc-flow-logs`,
          logGroupName: 'vpc-flow-logs',
          creationTime: '2026-01-14T08:30:00.000Z',
        },
        {
          flowLogID: 'fl-0000000000000000b',
          flowLogStatus: 'ACTIVE',
          deliverLogsStatus: 'FAILED',
          deliverLogsErrorMessage: 'Access error',
          trafficType: 'REJECT',
          logDestinationType: 's3',
          logDestination: 'arn:aws:s3:::flow-logs-bucket',
          logGroupName: '',
          creationTime: '2026-01-15T08:30:00.000Z',
        },
      ],
    });
    // No Name tag: named by its id; no DHCP options: "" (AWS leaves the member out); no flow logs: [] (known: none).
    expect(defaultVpc).toMatchObject({ name: 'vpc-00000000000000002', isDefault: true, cidrBlock: '172.31.0.0/16', dhcpOptionsID: '', tags: [], hasFlowLog: [] });
    expect(callsOf('DescribeVpcs').map((c) => c.params.Version)).toEqual(['2016-11-15', '2016-11-15']);
  });

  it('reads every page of DescribeVpcs and DescribeFlowLogs', async () => {
    const vpcs = Array.from({ length: 12 }, (_, i) =>
      vpc(i + 1, { FlowLogs: i % 2 === 0 ? [{ FlowLogId: `fl-${String(i).padStart(17, '0')}`, CreationTime: '2026-01-01T00:00:00Z' }] : [] }),
    );
    const scopes = await collect({ accounts: [simAccount(OWNER, [], { Vpcs: vpcs })] }, ['eu-west-1'], { DescribeVpcs: 5, DescribeFlowLogs: 2 });
    const assets = scopes[0]!.assets;
    expect(assets.map((a) => a.vpcID)).toEqual(vpcs.map((v) => v.VpcId));
    expect(assets.map((a) => a.hasFlowLog?.length)).toEqual(vpcs.map((_, i) => (i % 2 === 0 ? 1 : 0)));
    expect(callsOf('DescribeVpcs').map((c) => [c.params.MaxResults, c.params.NextToken === undefined])).toEqual([
      ['5', true],
      ['5', false],
      ['5', false],
    ]);
    expect(callsOf('DescribeFlowLogs')).toHaveLength(3);
  });

  it('fails only the region whose DescribeVpcs is denied, and leaves flow logs unknown where DescribeFlowLogs is', async () => {
    const scenario: Scenario = {
      accounts: [simAccount(OWNER, [], { Vpcs: [vpc(1), vpc(2, { Region: 'us-east-1', FlowLogs: [{ FlowLogId: 'fl-1', CreationTime: '2026-01-01T00:00:00Z' }] })] })],
      faults: [
        { kind: 'accessDenied', service: 'ec2', region: 'eu-west-1', operation: 'DescribeVpcs' },
        { kind: 'accessDenied', service: 'ec2', region: 'us-east-1', operation: 'DescribeFlowLogs' },
      ],
    };
    const scopes = await collect(scenario, ['eu-west-1', 'us-east-1']);
    expect(scopes[0]).toMatchObject({ region: 'eu-west-1', status: 'failed', error: { code: 'UnauthorizedOperation' }, assets: [] });
    expect(scopes[0]!.error!.message).toContain('ec2:DescribeVpcs');
    expect(scopes[1]).toMatchObject({ region: 'us-east-1', status: 'ok' });
    const [unknown] = scopes[1]!.assets;
    expect(unknown).toMatchObject({ vpcID: 'vpc-00000000000000002', hasFlowLog: null, cidrBlock: '10.2.0.0/16' });
    expect(unknown!.collectionErrors).toEqual([
      { operation: 'DescribeFlowLogs', code: 'UnauthorizedOperation', message: expect.stringContaining('ec2:DescribeFlowLogs') },
    ]);
    expect(unknown!.raw).not.toHaveProperty('DescribeFlowLogs');
  });
});
