// The Vpc and ConfigurationRecorder definitions agree with what their collectors produce, with their SDL and with the
// calls the collectors make; both types read back whole through GraphQL, on both stores (INVENTORY_TEST_DB); and the
// quantifiers over a VPC's flow logs read an unknown list (DescribeFlowLogs failed: null) so that the VPC fails the
// flow log checks, never passes them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type ObjectTypeDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONFIGURATION_RECORDERS_COLLECTOR } from '../../collectors/aws/config/recorders.js';
import { VPCS_COLLECTOR } from '../../collectors/aws/ec2/vpcs.js';
import { CONFIGURATION_RECORDER } from '../../src/assets/configuration-recorder.js';
import type { AssetTypeDefinition } from '../../src/assets/definition.js';
import { VPC } from '../../src/assets/vpc.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import type { ConfigurationRecorderRecord } from '../../src/model/configuration-recorder.js';
import type { VpcRecord } from '../../src/model/vpc.js';
import { demoScenario, DEMO_WORKLOADS_ACCOUNT_ID, startSimulator } from '../../src/simulator/index.js';
import { stubAwsEnv } from '../support/aws.js';
import { openTempStore, type TempStore } from '../support/store.js';

const COMMON_RECORD_KEYS = ['arn', 'name', 'accountId', 'region', 'tags', 'collectionErrors', 'raw'];
const api = createInventoryApi();

function sdlFieldsOf(file: string, typeName: string): string[] {
  const sdl = readFileSync(fileURLToPath(new URL(`../../schema/${file}`, import.meta.url)), 'utf8');
  const type = parse(sdl).definitions.find((d): d is ObjectTypeDefinitionNode => d.kind === 'ObjectTypeDefinition' && d.name.value === typeName)!;
  return type.fields!.map((f) => f.name.value);
}

describe.each([
  [VPC as unknown as AssetTypeDefinition, 'vpc.graphql', VPCS_COLLECTOR.definition as unknown as AssetTypeDefinition],
  [
    CONFIGURATION_RECORDER as unknown as AssetTypeDefinition,
    'configuration-recorder.graphql',
    CONFIGURATION_RECORDERS_COLLECTOR.definition as unknown as AssetTypeDefinition,
  ],
])('the %s definition', (definition, file, gathered) => {
  it("declares one column per field, in the SDL's order, and is the one its collector gathers", () => {
    const sdlFields = sdlFieldsOf(file, definition.name);
    const declared = definition.fields.map((f) => f.field);
    expect(declared.every((name) => sdlFields.includes(name))).toBe(true);
    expect(declared).toEqual(sdlFields.filter((name) => declared.includes(name)));
    expect(new Set(definition.fields.map((f) => f.column)).size).toBe(definition.fields.length);
    expect(gathered).toBe(definition);
  });
});

describe('the collectors of the demo', () => {
  it('make records of exactly the declared fields, and call only the IAM actions they declare', async () => {
    const scenario = demoScenario(new Date('2026-11-01T00:00:00Z'));
    const account = scenario.accounts.find((a) => a.Id === DEMO_WORKLOADS_ACCOUNT_ID)!;
    const sim = await startSimulator(scenario);
    stubAwsEnv(sim);
    try {
      const clients = {
        client: <C>(Client: new (config: { region: string }) => C, region: string) =>
          new (Client as unknown as new (c: object) => C)({
            region,
            maxAttempts: 1,
            credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey },
          }),
      };
      const run = { accountId: account.Id, regions: ['us-west-2', 'eu-west-1', 'sa-east-1'], clients };
      const vpcs = (await VPCS_COLLECTOR.collect(run)).flatMap((s) => s.assets);
      const recorders = (await CONFIGURATION_RECORDERS_COLLECTOR.collect(run)).flatMap((s) => s.assets);
      expect(vpcs).toHaveLength(3);
      expect(recorders.map((r) => [r.region, r.recording])).toEqual([
        ['us-west-2', true],
        ['eu-west-1', false],
      ]);
      for (const [records, definition] of [
        [vpcs, VPC],
        [recorders, CONFIGURATION_RECORDER],
      ] as const) {
        for (const record of records) {
          expect(Object.keys(record).sort()).toEqual([...COMMON_RECORD_KEYS, ...definition.fields.map((f) => f.field)].sort());
          for (const field of definition.fields.filter((f) => !f.nullable)) expect((record as unknown as Record<string, unknown>)[field.field]).not.toBeNull();
        }
      }
      const called = (service: string) =>
        [...sim.callCounts.keys()].filter((key) => key.startsWith(`${service}.`)).map((key) => `${service}:${key.slice(service.length + 1)}`);
      expect(called('ec2').sort()).toEqual([...VPC.iamActions].sort());
      expect(called('config').sort()).toEqual([...CONFIGURATION_RECORDER.iamActions].sort());
    } finally {
      vi.unstubAllEnvs();
      await sim.close();
    }
  });
});

describe('VPCs and recorders through GraphQL', () => {
  const ACCOUNT = '300000000001';
  let temp: TempStore;
  const vpc = (id: string, hasFlowLog: VpcRecord['hasFlowLog']): VpcRecord => ({
    arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc/${id}`,
    name: id,
    accountId: ACCOUNT,
    region: 'eu-west-1',
    tags: [{ key: 'Team', value: 'network' }],
    collectionErrors: hasFlowLog === null ? [{ operation: 'DescribeFlowLogs', code: 'UnauthorizedOperation', message: 'denied' }] : [],
    raw: {},
    vpcID: id,
    cidrBlock: '10.0.0.0/16',
    cidrBlocks: [{ cidrBlock: '10.0.0.0/16', associationID: `vpc-cidr-assoc-${id}`, state: 'associated' }],
    isDefault: false,
    state: 'available',
    instanceTenancy: 'default',
    dhcpOptionsID: '',
    ownerID: ACCOUNT,
    hasFlowLog,
  });
  const flowLog = (id: string, deliverLogsStatus = 'SUCCESS') => ({
    flowLogID: id,
    flowLogStatus: 'ACTIVE',
    deliverLogsStatus,
    deliverLogsErrorMessage: deliverLogsStatus === 'FAILED' ? 'Access error' : '',
    trafficType: 'ALL',
    logDestinationType: 'cloud-watch-logs',
    logDestination: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:flow`,
    logGroupName: 'flow',
    creationTime: '2026-01-01T00:00:00.000Z',
  });
  const recorder: ConfigurationRecorderRecord = {
    arn: `arn:aws:config:eu-west-1:${ACCOUNT}:configuration-recorder/default/abc1234`,
    name: 'default',
    accountId: ACCOUNT,
    region: 'eu-west-1',
    tags: [],
    collectionErrors: [],
    raw: {},
    roleARN: `arn:aws:iam::${ACCOUNT}:role/config`,
    allSupported: false,
    includeGlobalResourceTypes: false,
    resourceTypes: ['AWS::EC2::Instance'],
    exclusionResourceTypes: [],
    recordingStrategy: 'INCLUSION_BY_RESOURCE_TYPES',
    recordingFrequency: 'DAILY',
    servicePrincipal: '',
    recording: true,
    lastStatus: 'Failure',
    lastErrorCode: 'AccessDenied',
    lastErrorMessage: 'denied',
    lastStartTime: '2026-01-01T00:00:00.000Z',
    lastStopTime: null,
    lastStatusChangeTime: '2026-02-01T00:00:00.000Z',
  };

  beforeAll(async () => {
    temp = await openTempStore();
    for (const [definition, assets] of [
      [VPC, [vpc('vpc-none', []), vpc('vpc-active', [flowLog('fl-1')]), vpc('vpc-failing', [flowLog('fl-2', 'FAILED')]), vpc('vpc-unknown', null)]],
      [CONFIGURATION_RECORDER, [recorder]],
    ] as const) {
      const run = await temp.store.startSyncRun({ collector: definition.collector, requestedRegions: ['eu-west-1'] });
      await temp.store.recordAccount(run.id, definition.collector, { accountId: ACCOUNT, status: 'ok', enabledRegions: ['eu-west-1'] });
      await temp.store.writeScope(run.id, { assetType: definition.name, accountId: ACCOUNT, region: 'eu-west-1', status: 'ok', assets: [...assets] });
      await temp.store.finishSyncRun(run.id, 'succeeded');
    }
  });
  afterAll(() => temp.cleanup());

  async function data(query: string): Promise<Record<string, unknown>> {
    const result = await runQuery(api, temp.store, query);
    expect(result.errors, query).toBeUndefined();
    return result.data as Record<string, unknown>;
  }
  const names = async (where: string) => ((await data(`{ vpcs(where: ${where}) { name } }`)).vpcs as { name: string }[]).map((v) => v.name).sort();

  it('reads every field of a VPC back, its tags from the shared table, and Cyscale’s fields', async () => {
    const { vpcs } = await data(
      `{ vpcs(where: {vpcID: "vpc-failing"}) { arn vpcID cidrBlock cidrBlocks { cidrBlock associationID state } isDefault state instanceTenancy dhcpOptionsID ownerID
        hasFlowLog { flowLogID flowLogStatus deliverLogsStatus deliverLogsErrorMessage trafficType logDestinationType logDestination logGroupName creationTime }
        tags { key value } internalAssetType assetCategory collectionErrors { operation } } }`,
    );
    const {
      arn: _arn,
      name: _name,
      accountId: _account,
      region: _region,
      tags,
      collectionErrors: _errors,
      raw: _raw,
      ...fields
    } = vpc('vpc-failing', [flowLog('fl-2', 'FAILED')]);
    expect(vpcs).toEqual([
      { arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc/vpc-failing`, ...fields, tags, internalAssetType: 'VPC', assetCategory: 'Network', collectionErrors: [] },
    ]);
  });

  it('reads every field of a recorder back, and Cyscale’s fields', async () => {
    const { configurationRecorders } = await data(
      `{ configurationRecorders { arn name roleARN allSupported includeGlobalResourceTypes resourceTypes exclusionResourceTypes recordingStrategy recordingFrequency
        servicePrincipal recording lastStatus lastErrorCode lastErrorMessage lastStartTime lastStopTime lastStatusChangeTime internalAssetType assetCategory } }`,
    );
    const { accountId: _account, region: _region, tags: _tags, collectionErrors: _errors, raw: _raw, ...fields } = recorder;
    expect(configurationRecorders).toEqual([{ ...fields, internalAssetType: 'ConfigurationRecorder', assetCategory: 'Logging' }]);
  });

  it('reads an unknown list of flow logs as having none that matches: _NONE holds, _SOME and _SINGLE do not', async () => {
    expect(await names('{hasFlowLog_NONE: {}}')).toEqual(['vpc-none', 'vpc-unknown']);
    expect(await names('{hasFlowLog_NONE: {flowLogStatus: "ACTIVE"}}')).toEqual(['vpc-none', 'vpc-unknown']);
    expect(await names('{hasFlowLog_SOME: {}}')).toEqual(['vpc-active', 'vpc-failing']);
    expect(await names('{hasFlowLog_SOME: {deliverLogsStatus: "FAILED"}}')).toEqual(['vpc-failing']);
    expect(await names('{hasFlowLog_SINGLE: {flowLogStatus: "ACTIVE"}}')).toEqual(['vpc-active', 'vpc-failing']);
    // NOT stays an exact complement: the unknown VPC is never among those "with an active flow log".
    expect(await names('{NOT: {OR: [{hasFlowLog_NONE: {}}, {hasFlowLog_NONE: {flowLogStatus: "ACTIVE"}}]}}')).toEqual(['vpc-active', 'vpc-failing']);
  });
});
