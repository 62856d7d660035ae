// Cyscale's library rules on VPCs and AWS Config recorders (test/fixtures/cyscale/queries: aws-logging-9,
// aws-vpc-flow-logs-enabled, aws-config-recorder-enabled-all-resources, aws-logging-5) run verbatim on a small
// simulated set of accounts synced by the real collectors, each account one compliant or violating case: every rule's
// failing set equals the one worked out from the scenario's own data. What could not be read (a denied call) fails,
// never passes. On both stores (INVENTORY_TEST_DB).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONFIGURATION_RECORDER } from '../../src/assets/configuration-recorder.js';
import { evaluateControls } from '../../src/controls/evaluate.js';
import { readControlCatalog } from '../../src/controls/load.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import {
  DEFAULT_REGIONS,
  startSimulator,
  type Scenario,
  type SimAccount,
  type SimConfigurationRecorder,
  type SimVpc,
  type Simulator,
} from '../../src/simulator/index.js';
import type { InventoryStore } from '../../src/store/store.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, stubAwsEnv } from '../support/aws.js';
import { COLLECTOR } from '../support/records.js';
import { accountsWithoutConfigEverywhere, recordersNotComplete, vpcsWithoutFlowLogs } from '../support/scenario-verdicts.js';
import { simAccount } from '../support/scenarios.js';
import { openTempStore, type TempStore } from '../support/store.js';

const LIBRARY = join(import.meta.dirname, '..', 'fixtures', 'cyscale');
const QUERIES = join(LIBRARY, 'queries');
const api = createInventoryApi();
/** Every account has the default regions enabled, and each is synced. */
const REGIONS: readonly string[] = DEFAULT_REGIONS;

/** A stored query's text as the library holds it; a bare selection is wrapped in braces as the library's runner does. */
function libraryQuery(file: string): string {
  const text = (JSON.parse(readFileSync(join(QUERIES, file), 'utf8')) as { query: string }).query;
  return text.trimStart().startsWith('{') ? text : `{ ${text} }`;
}

const COMPLIANT = '100000000001';
const NO_RECORDER_IN_A_REGION = '100000000002';
const STOPPED = '100000000003';
const NOT_ALL_SUPPORTED = '100000000004';
const LAST_STATUS_FAILURE = '100000000005';
const NO_GLOBAL_TYPES = '100000000006';
const STATUS_DENIED = '100000000007';
const LISTING_DENIED = '100000000008';

/** The customer managed recorder of a region, recording everything, global IAM types in us-east-1 only. */
const recorder = (region: string, extra: Partial<SimConfigurationRecorder> = {}): SimConfigurationRecorder => ({
  Region: region,
  IncludeGlobalResourceTypes: region === 'us-east-1',
  Recording: true,
  LastStatus: 'Success',
  ...extra,
});
/** A recorder in every region, `extra` making the one of eu-west-1 (the region each case is about) what it is. */
const everywhere = (extra: Partial<SimConfigurationRecorder> = {}) => REGIONS.map((region) => recorder(region, region === 'eu-west-1' ? extra : {}));
const vpcId = (account: string, n: number) => `vpc-${account.slice(-3)}${String(n).padStart(14, '0')}`;
const flowLog = (id: string, extra: Partial<NonNullable<SimVpc['FlowLogs']>[number]> = {}) => ({ FlowLogId: id, CreationTime: '2026-01-01T00:00:00Z', ...extra });

function account(id: string, extra: Partial<SimAccount>): SimAccount {
  return simAccount(id, [], extra);
}

function scenarioOfEveryCase(): Scenario {
  const shared: SimVpc = { VpcId: vpcId(COMPLIANT, 9), Region: 'us-east-1', CidrBlock: '10.9.0.0/16', FlowLogs: [flowLog('fl-shared')] };
  return {
    accounts: [
      account(COMPLIANT, {
        ConfigurationRecorders: everywhere(),
        Vpcs: [
          { VpcId: vpcId(COMPLIANT, 1), Region: 'us-east-1', CidrBlock: '10.1.0.0/16', FlowLogs: [flowLog('fl-a1')] },
          // Its delivery fails, yet the flow log is ACTIVE: Cyscale's rules ask for an active one.
          {
            VpcId: vpcId(COMPLIANT, 2),
            Region: 'eu-west-1',
            CidrBlock: '10.2.0.0/16',
            FlowLogs: [flowLog('fl-a2', { DeliverLogsStatus: 'FAILED', DeliverLogsErrorMessage: 'Access error' })],
          },
          shared,
        ],
      }),
      account(NO_RECORDER_IN_A_REGION, {
        ConfigurationRecorders: everywhere().filter((r) => r.Region !== 'eu-west-1'),
        Vpcs: [
          // The default VPC, never given a flow log.
          { VpcId: vpcId(NO_RECORDER_IN_A_REGION, 1), Region: 'us-east-1', CidrBlock: '172.31.0.0/16', IsDefault: true },
          // A flow log on a subnet does not cover the VPC.
          { VpcId: vpcId(NO_RECORDER_IN_A_REGION, 2), Region: 'eu-west-1', CidrBlock: '10.2.0.0/16', FlowLogs: [flowLog('fl-b2', { ResourceId: 'subnet-0b2' })] },
          // Shared by the compliant account through RAM: judged in its owner's account, with the owner's flow log.
          { ...shared, OwnerId: COMPLIANT, FlowLogs: [] },
        ],
      }),
      account(STOPPED, { ConfigurationRecorders: everywhere({ Recording: false, LastStopTime: '2026-10-01T00:00:00Z' }) }),
      account(NOT_ALL_SUPPORTED, {
        ConfigurationRecorders: everywhere({ AllSupported: false, RecordingStrategy: 'INCLUSION_BY_RESOURCE_TYPES', ResourceTypes: ['AWS::EC2::Instance'] }),
      }),
      // Its last status in capitals, as AWS has answered too.
      account(LAST_STATUS_FAILURE, { ConfigurationRecorders: everywhere({ LastStatus: 'FAILURE', LastErrorCode: 'AccessDenied', LastErrorMessage: 'denied' }) }),
      // Everything recorded everywhere, but the global IAM types nowhere.
      account(NO_GLOBAL_TYPES, { ConfigurationRecorders: REGIONS.map((region) => recorder(region, { IncludeGlobalResourceTypes: false })) }),
      account(STATUS_DENIED, {
        ConfigurationRecorders: everywhere(),
        Vpcs: [{ VpcId: vpcId(STATUS_DENIED, 1), Region: 'eu-west-1', CidrBlock: '10.1.0.0/16', FlowLogs: [flowLog('fl-g1')] }],
      }),
      account(LISTING_DENIED, { ConfigurationRecorders: everywhere() }),
    ],
    faults: [
      { kind: 'accessDenied', service: 'config', accountId: STATUS_DENIED, region: 'eu-west-1', operation: 'DescribeConfigurationRecorderStatus' },
      { kind: 'accessDenied', service: 'ec2', accountId: STATUS_DENIED, region: 'eu-west-1', operation: 'DescribeFlowLogs' },
      { kind: 'accessDenied', service: 'config', accountId: LISTING_DENIED, region: 'us-east-1', operation: 'DescribeConfigurationRecorders' },
    ],
  };
}

describe("Cyscale's VPC and AWS Config rules, verbatim, on accounts of every case", () => {
  let sim: Simulator;
  let temp: TempStore;
  const scenario = scenarioOfEveryCase();

  beforeAll(async () => {
    sim = await startSimulator(scenario);
    stubAwsEnv(sim);
    temp = await openTempStore();
    const summary = await syncInventory(temp.store, { accounts: accountTargets(scenario), log: silentLogger });
    // The recorders' run is partial: one region's listing is denied.
    expect(summary.runs.find((run) => run.collector === CONFIGURATION_RECORDER.collector)?.status).toBe('partial');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await sim?.close();
    await temp?.cleanup();
  });

  async function identifiers(file: string): Promise<string[]> {
    const text = libraryQuery(file);
    const result = await runQuery(api, temp.store, text);
    expect(result.errors, text).toBeUndefined();
    // The stored AssetFragment selects `id`: an asset's ARN, an account's id.
    const [items] = Object.values(result.data as Record<string, { id: string }[]>);
    return items!.map((item) => item.id).sort();
  }

  it('aws-logging-9 and aws-vpc-flow-logs-enabled: the VPCs without an active flow log, and those whose flow logs are unknown', async () => {
    const expected = vpcsWithoutFlowLogs(scenario);
    // The default VPC without one, the VPC whose flow log watches a subnet, and the VPC whose flow logs were denied.
    expect(expected).toEqual(
      [
        `arn:aws:ec2:eu-west-1:${NO_RECORDER_IN_A_REGION}:vpc/${vpcId(NO_RECORDER_IN_A_REGION, 2)}`,
        `arn:aws:ec2:eu-west-1:${STATUS_DENIED}:vpc/${vpcId(STATUS_DENIED, 1)}`,
        `arn:aws:ec2:us-east-1:${NO_RECORDER_IN_A_REGION}:vpc/${vpcId(NO_RECORDER_IN_A_REGION, 1)}`,
      ].sort(),
    );
    expect(await identifiers('aws-logging-9-vpc-flow-logging-is-enabled-in-all-vpcs.json')).toEqual(expected);
    expect(await identifiers('aws-vpc-flow-logs-enabled-vpcs-without-flow-logs.json')).toEqual(expected);
    // The shared VPC is stored once, under its owner, with the owner's flow log.
    const shared = await runQuery(api, temp.store, `{ vpcs(where: {vpcID: "${vpcId(COMPLIANT, 9)}"}) { accountId hasFlowLog { flowLogID } } }`);
    expect(shared.data).toEqual({ vpcs: [{ accountId: COMPLIANT, hasFlowLog: [{ flowLogID: 'fl-shared' }] }] });
  });

  it('aws-config-recorder-enabled-all-resources: the recorders not recording everything', async () => {
    const result = await runQuery(
      api,
      temp.store,
      libraryQuery('aws-config-recorder-enabled-all-resources-recorders-not-complete.json').replace('...AssetFragment', '...AssetFragment accountId region name'),
    );
    expect(result.errors).toBeUndefined();
    const found = (result.data as { configurationRecorders: { accountId: string; region: string; name: string }[] }).configurationRecorders;
    expect(found.map((r) => `${r.accountId}/${r.region}/${r.name}`).sort()).toEqual(recordersNotComplete(scenario));
    expect(await identifiers('aws-config-recorder-enabled-all-resources-recorders-not-complete.json')).toHaveLength(found.length);
  });

  it('aws-logging-5: every account with an enabled region not recorded in full, or not known to be, and none other', async () => {
    const expected = [NO_RECORDER_IN_A_REGION, STOPPED, NOT_ALL_SUPPORTED, LAST_STATUS_FAILURE, NO_GLOBAL_TYPES, STATUS_DENIED, LISTING_DENIED].sort();
    // The shared walker over the scenario says the same as the cases' names.
    expect(accountsWithoutConfigEverywhere(scenario)).toEqual(expected);
    expect(await identifiers('aws-logging-5-aws-config-is-enabled-in-all-regions.json')).toEqual(expected);
  });
  it("fails the library's controls aws-logging-5 and aws-logging-9 on exactly those, through the control engine", async () => {
    const catalog = readControlCatalog(api, LIBRARY);
    const controls = catalog.controls.filter((control) => ['aws-logging-5', 'aws-logging-9'].includes(control.id));
    expect(controls.map((control) => control.id).sort()).toEqual(['aws-logging-5', 'aws-logging-9']);
    const verdicts = new Map((await evaluateControls(api, temp.store, controls)).map((verdict) => [verdict.controlId, verdict]));
    expect(verdicts.get('aws-logging-9')).toMatchObject({ verdict: 'FAIL' });
    expect(
      verdicts
        .get('aws-logging-9')!
        .failingAssets.map((asset) => asset.id)
        .sort(),
    ).toEqual(vpcsWithoutFlowLogs(scenario));
    expect(verdicts.get('aws-logging-5')).toMatchObject({ verdict: 'FAIL' });
    expect(
      verdicts
        .get('aws-logging-5')!
        .failingAssets.map((asset) => asset.id)
        .sort(),
    ).toEqual([NO_RECORDER_IN_A_REGION, STOPPED, NOT_ALL_SUPPORTED, LAST_STATUS_FAILURE, NO_GLOBAL_TYPES, STATUS_DENIED, LISTING_DENIED].sort());
  });
});

describe('AWSLogging5 on what the store holds', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
  });
  afterAll(() => temp.cleanup());

  const ids = async (store: InventoryStore) => {
    const result = await runQuery(api, store, '{ AWSLogging5 { accountID } }');
    expect(result.errors).toBeUndefined();
    return (result.data as { AWSLogging5: { accountID: string }[] }).AWSLogging5.map((a) => a.accountID);
  };

  it('returns an account whose recorders no sync listed, one whose latest attempt failed, and one with an enabled region never synced', async () => {
    const store = temp.store;
    // Synced by another collector only: its recorders were never listed.
    const other = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: ['us-east-1'] });
    await store.recordAccount(other.id, COLLECTOR, { accountId: '200000000001', status: 'ok', enabledRegions: ['us-east-1'] });
    await store.finishSyncRun(other.id, 'succeeded');
    const run = await store.startSyncRun({ collector: CONFIGURATION_RECORDER.collector, requestedRegions: [] });
    const good = (accountId: string, region: string) => ({
      arn: `arn:aws:config:${region}:${accountId}:configuration-recorder/default`,
      name: 'default',
      accountId,
      region,
      tags: [],
      collectionErrors: [],
      raw: {},
      roleARN: '',
      allSupported: true,
      includeGlobalResourceTypes: region === 'us-east-1',
      resourceTypes: [],
      exclusionResourceTypes: [],
      recordingStrategy: 'ALL_SUPPORTED_RESOURCE_TYPES',
      recordingFrequency: 'CONTINUOUS',
      servicePrincipal: '',
      recording: true,
      lastStatus: 'Success',
      lastErrorCode: '',
      lastErrorMessage: '',
      lastStartTime: null,
      lastStopTime: null,
      lastStatusChangeTime: null,
    });
    // Recorded in full where it is synced, but eu-west-1 is enabled and was never synced: unknown, so returned.
    await store.recordAccount(run.id, CONFIGURATION_RECORDER.collector, { accountId: '200000000002', status: 'ok', enabledRegions: ['us-east-1', 'eu-west-1'] });
    await store.writeScope(run.id, {
      assetType: CONFIGURATION_RECORDER.name,
      accountId: '200000000002',
      region: 'us-east-1',
      status: 'ok',
      assets: [good('200000000002', 'us-east-1')],
    });
    // Recorded in full in its one enabled region; another region not enabled (skipped) is not judged.
    await store.recordAccount(run.id, CONFIGURATION_RECORDER.collector, { accountId: '200000000003', status: 'ok', enabledRegions: ['us-east-1'] });
    await store.writeScope(run.id, {
      assetType: CONFIGURATION_RECORDER.name,
      accountId: '200000000003',
      region: 'us-east-1',
      status: 'ok',
      assets: [good('200000000003', 'us-east-1')],
    });
    await store.writeScope(run.id, { assetType: CONFIGURATION_RECORDER.name, accountId: '200000000003', region: 'eu-west-1', status: 'skipped', assets: [] });
    // Its role could not be assumed.
    await store.recordAccount(run.id, CONFIGURATION_RECORDER.collector, {
      accountId: '200000000004',
      status: 'failed',
      enabledRegions: null,
      error: { code: 'AccessDenied', message: 'denied' },
    });
    await store.finishSyncRun(run.id, 'partial');
    expect(await ids(store)).toEqual(['200000000001', '200000000002', '200000000004']);
  });
});
