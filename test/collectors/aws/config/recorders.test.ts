// The configuration recorder collector against the simulator, through the real AWS Config client: the fields it
// records from DescribeConfigurationRecorders and DescribeConfigurationRecorderStatus, the ARN it makes when AWS gives
// none, and what it records when AWS says no: a failed listing fails its region alone, a failed status call leaves
// recording and the last status unknown (null) with a collection error.
import { ConfigServiceClient, DescribeConfigurationRecordersCommand } from '@aws-sdk/client-config-service';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AwsClients } from '../../../../collectors/collector.js';
import { CONFIGURATION_RECORDERS_COLLECTOR } from '../../../../collectors/aws/config/recorders.js';
import type { ConfigurationRecorderRecord } from '../../../../src/model/configuration-recorder.js';
import type { ScopeResult } from '../../../../src/model/scope.js';
import { startSimulator, type Scenario, type SimAccount, type Simulator } from '../../../../src/simulator/index.js';
import { stubAwsEnv } from '../../../support/aws.js';
import { simAccount } from '../../../support/scenarios.js';

const ACCOUNT = '123456789012';

let sim: Simulator | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await sim?.close();
  sim = undefined;
});

function clientsFor(account: SimAccount, made: Array<{ destroy(): void }>): AwsClients {
  return {
    client<C>(Client: new (config: { region: string }) => C, region: string): C {
      const config = { region, maxAttempts: 1, credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey } };
      const client = new (Client as unknown as new (c: typeof config) => C)(config);
      made.push(client as unknown as { destroy(): void });
      return client;
    },
  };
}

async function collect(scenario: Scenario, regions: string[]): Promise<ScopeResult<ConfigurationRecorderRecord>[]> {
  sim = await startSimulator(scenario);
  stubAwsEnv(sim);
  const made: Array<{ destroy(): void }> = [];
  try {
    return await CONFIGURATION_RECORDERS_COLLECTOR.collect({ accountId: ACCOUNT, regions, clients: clientsFor(scenario.accounts[0]!, made) });
  } finally {
    for (const client of made) client.destroy();
  }
}

const account = (extra: Partial<SimAccount>) => simAccount(ACCOUNT, [], extra);

describe('the configuration recorder collector', () => {
  it("records each region's customer managed recorder with its recording group and status, named as Cyscale names them", async () => {
    const scenario: Scenario = {
      accounts: [
        account({
          ConfigurationRecorders: [
            {
              Region: 'eu-west-1',
              RoleARN: `arn:aws:iam::${ACCOUNT}:role/config-recorder`,
              IncludeGlobalResourceTypes: true,
              Recording: true,
              LastStatus: 'Success',
              LastStartTime: '2026-01-10T00:00:00Z',
              LastStatusChangeTime: '2026-11-30T12:00:00Z',
            },
            // A service-linked recorder is not what DescribeConfigurationRecorders answers without a name.
            {
              Name: 'AWSConfigurationRecorderForSecurityLake',
              Region: 'eu-west-1',
              ServicePrincipal: 'securitylake.amazonaws.com',
              AllSupported: false,
              Recording: true,
            },
            {
              Name: 'partial',
              Region: 'us-east-1',
              AllSupported: false,
              RecordingStrategy: 'INCLUSION_BY_RESOURCE_TYPES',
              ResourceTypes: ['AWS::S3::Bucket', 'AWS::EC2::Instance'],
              RecordingFrequency: 'DAILY',
              WithoutArn: true,
              Recording: false,
              // In capitals, as AWS has answered too: recorded as the API reference spells it.
              LastStatus: 'FAILURE',
              LastErrorCode: 'AccessDenied',
              LastErrorMessage: 'The role cannot be assumed',
              LastStartTime: '2026-01-10T00:00:00Z',
              LastStopTime: '2026-02-10T00:00:00Z',
            },
          ],
        }),
      ],
    };
    const scopes = await collect(scenario, ['eu-west-1', 'us-east-1', 'ap-south-1']);
    expect(scopes.map((s) => [s.assetType, s.region, s.status, s.assets.map((a) => a.name)])).toEqual([
      ['ConfigurationRecorder', 'eu-west-1', 'ok', ['default']],
      ['ConfigurationRecorder', 'us-east-1', 'ok', ['partial']],
      // No recorder: none listed, and the region is known to have none.
      ['ConfigurationRecorder', 'ap-south-1', 'ok', []],
    ]);
    const [recorder] = scopes[0]!.assets;
    expect(recorder).toEqual({
      arn: expect.stringMatching(new RegExp(`^arn:aws:config:eu-west-1:${ACCOUNT}:configuration-recorder/default/[0-9a-z]+$`)),
      name: 'default',
      accountId: ACCOUNT,
      region: 'eu-west-1',
      tags: [],
      collectionErrors: [],
      raw: {
        DescribeConfigurationRecorders: expect.objectContaining({ name: 'default' }),
        DescribeConfigurationRecorderStatus: expect.objectContaining({ name: 'default' }),
      },
      roleARN: `arn:aws:iam::${ACCOUNT}:role/config-recorder`,
      allSupported: true,
      includeGlobalResourceTypes: true,
      resourceTypes: [],
      exclusionResourceTypes: [],
      recordingStrategy: 'ALL_SUPPORTED_RESOURCE_TYPES',
      recordingFrequency: 'CONTINUOUS',
      servicePrincipal: '',
      recording: true,
      lastStatus: 'Success',
      lastErrorCode: '',
      lastErrorMessage: '',
      lastStartTime: '2026-01-10T00:00:00.000Z',
      lastStopTime: null,
      lastStatusChangeTime: '2026-11-30T12:00:00.000Z',
    });
    const [partial] = scopes[1]!.assets;
    expect(partial).toMatchObject({
      // AWS gave no ARN: the inventory makes it as AWS writes it, without the generated suffix.
      arn: `arn:aws:config:us-east-1:${ACCOUNT}:configuration-recorder/partial`,
      allSupported: false,
      includeGlobalResourceTypes: false,
      resourceTypes: ['AWS::EC2::Instance', 'AWS::S3::Bucket'],
      recordingStrategy: 'INCLUSION_BY_RESOURCE_TYPES',
      recordingFrequency: 'DAILY',
      recording: false,
      lastStatus: 'Failure',
      lastErrorCode: 'AccessDenied',
      lastErrorMessage: 'The role cannot be assumed',
      lastStopTime: '2026-02-10T00:00:00.000Z',
    });
    expect(partial!.raw.DescribeConfigurationRecorderStatus).toMatchObject({ lastStatus: 'FAILURE' });
  });

  it('fails only the region whose listing is denied, and leaves the status unknown where the status call is', async () => {
    const scenario: Scenario = {
      accounts: [
        account({
          ConfigurationRecorders: [
            { Region: 'eu-west-1', Recording: true },
            { Region: 'us-east-1', Recording: true },
          ],
        }),
      ],
      faults: [
        { kind: 'accessDenied', service: 'config', region: 'eu-west-1', operation: 'DescribeConfigurationRecorders' },
        { kind: 'accessDenied', service: 'config', region: 'us-east-1', operation: 'DescribeConfigurationRecorderStatus' },
      ],
    };
    const scopes = await collect(scenario, ['eu-west-1', 'us-east-1']);
    expect(scopes[0]).toMatchObject({ region: 'eu-west-1', status: 'failed', error: { code: 'AccessDeniedException' }, assets: [] });
    expect(scopes[0]!.error!.message).toContain('config:DescribeConfigurationRecorders');
    const [unknown] = scopes[1]!.assets;
    expect(unknown).toMatchObject({ name: 'default', allSupported: true, recording: null, lastStatus: null, lastErrorCode: null, lastStartTime: null });
    expect(unknown!.collectionErrors).toEqual([
      { operation: 'DescribeConfigurationRecorderStatus', code: 'AccessDeniedException', message: expect.stringContaining('config:DescribeConfigurationRecorderStatus') },
    ]);
  });

  it('is answered as AWS Config answers: one recorder by name, ARN or service principal, NoSuchConfigurationRecorderException for another', async () => {
    sim = await startSimulator({
      accounts: [
        account({
          ConfigurationRecorders: [
            { Region: 'eu-west-1', Recording: true },
            { Name: 'AWSConfigurationRecorderForX', Region: 'eu-west-1', ServicePrincipal: 'x.amazonaws.com', Recording: true },
          ],
        }),
      ],
    });
    const client = new ConfigServiceClient({
      region: 'eu-west-1',
      endpoint: sim.url,
      maxAttempts: 1,
      credentials: { accessKeyId: `AKIATEST${ACCOUNT}`, secretAccessKey: `secret/${ACCOUNT}/test` },
    });
    try {
      const byPrincipal = await client.send(new DescribeConfigurationRecordersCommand({ ServicePrincipal: 'x.amazonaws.com' }));
      expect(byPrincipal.ConfigurationRecorders?.map((r) => [r.name, r.servicePrincipal, r.recordingScope])).toEqual([
        ['AWSConfigurationRecorderForX', 'x.amazonaws.com', 'INTERNAL'],
      ]);
      const arn = byPrincipal.ConfigurationRecorders![0]!.arn!;
      const byArn = await client.send(new DescribeConfigurationRecordersCommand({ Arn: arn }));
      expect(byArn.ConfigurationRecorders?.map((r) => r.name)).toEqual(['AWSConfigurationRecorderForX']);
      const byName = await client.send(new DescribeConfigurationRecordersCommand({ ConfigurationRecorderNames: ['default'] }));
      expect(byName.ConfigurationRecorders?.map((r) => r.name)).toEqual(['default']);
      await expect(client.send(new DescribeConfigurationRecordersCommand({ ConfigurationRecorderNames: ['missing'] }))).rejects.toMatchObject({
        name: 'NoSuchConfigurationRecorderException',
        message: "Cannot find configuration recorder with the specified name 'missing'.",
      });
      await expect(client.send(new DescribeConfigurationRecordersCommand({ ConfigurationRecorderNames: ['default', 'other'] }))).rejects.toMatchObject({
        name: 'ValidationException',
      });
    } finally {
      client.destroy();
    }
  });
});
