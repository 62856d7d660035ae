// The KMS key collector against the simulator, through the real SDK reached by AWS_ENDPOINT_URL_KMS: the fields it
// records for every kind of key, the calls it makes, paging, what it records when AWS says no, retries, and the real
// recorded responses.
import type { KMSClient } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AwsClients } from '../../../../collectors/collector.js';
import { KMS_KEYS_COLLECTOR, KMS_LIST_LIMITS, kmsKeysCollector, type PageLimits } from '../../../../collectors/aws/kms/keys.js';
import type { KmsKeyRecord } from '../../../../src/model/kms-key.js';
import type { ScopeResult } from '../../../../src/model/scope.js';
import {
  demoScenario,
  DEMO_MANAGEMENT_ACCOUNT_ID,
  DEMO_SECURITY_ACCOUNT_ID,
  DEMO_WORKLOADS_ACCOUNT_ID,
  startSimulator,
  type Scenario,
  type SimAccount,
  type SimKmsKey,
  type Simulator,
} from '../../../../src/simulator/index.js';
import { stubAwsEnv } from '../../../support/aws.js';
import { RECORDED_KEYS, recordedKeyArn, recordedKmsScenario } from '../../../support/kms.js';
import { CUSTODIAN_ACCOUNT_ID } from '../../../support/recorded.js';
import { simAccount } from '../../../support/scenarios.js';

const OWNER = '123456789012';

let sim: Simulator | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await sim?.close();
  sim = undefined;
});

/** Clients the way the sync hands them out: one per region, the SDK's standard retries, the endpoint from the environment. */
function clientsFor(account: SimAccount, maxAttempts: number, made: KMSClient[]): AwsClients {
  return {
    client<C>(Client: new (config: { region: string }) => C, region: string): C {
      const config = { region, maxAttempts, credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey } };
      const client = new (Client as unknown as new (c: typeof config) => C)(config);
      made.push(client as unknown as KMSClient);
      return client;
    },
  };
}

async function collect(scenario: Scenario, account: SimAccount, regions: string[], maxAttempts = 1, limits?: PageLimits): Promise<ScopeResult<KmsKeyRecord>[]> {
  sim = await startSimulator(scenario);
  stubAwsEnv(sim);
  // Only KMS's own variable points at the simulator: the collector must reach it through AWS_ENDPOINT_URL_KMS.
  vi.stubEnv('AWS_ENDPOINT_URL', undefined);
  vi.stubEnv('AWS_ENDPOINT_URL_KMS', sim.url);
  const made: KMSClient[] = [];
  try {
    const collector = limits === undefined ? KMS_KEYS_COLLECTOR : kmsKeysCollector(limits);
    return await collector.collect({ accountId: account.Id, regions, clients: clientsFor(account, maxAttempts, made) });
  } finally {
    for (const client of made) client.destroy();
  }
}

const callsOf = (operation: string) => sim!.calls.filter((c) => c.service === 'kms' && c.operation === operation);
const keyArn = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;
const byKeyId = (scopes: ScopeResult<KmsKeyRecord>[]) => new Map(scopes.flatMap((s) => s.assets).map((k) => [k.keyId, k]));
const key = (n: number, extra: Partial<SimKmsKey> = {}): SimKmsKey => ({
  KeyId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  Region: 'us-east-1',
  CreationDate: '2025-01-01T00:00:00Z',
  ...extra,
});

describe('the KMS key collector', () => {
  it('records every kind of key of the demo once, with its fields named as Cyscale names them', async () => {
    const scenario = demoScenario(new Date('2026-11-01T00:00:00Z'));
    const workloads = scenario.accounts.find((a) => a.Id === DEMO_WORKLOADS_ACCOUNT_ID)!;
    const scopes = await collect(scenario, workloads, ['us-west-2', 'eu-west-1', 'us-east-1']);
    expect(scopes.map((s) => [s.assetType, s.region, s.status, s.assets.length])).toEqual([
      ['KmsKey', 'us-west-2', 'ok', 4],
      ['KmsKey', 'eu-west-1', 'ok', 1],
      ['KmsKey', 'us-east-1', 'ok', 0],
    ]);
    const keys = byKeyId(scopes);
    expect(keys.get('2a7f4b1c-5d3e-4f60-a1b2-c3d4e5f60718')).toEqual({
      arn: keyArn('us-west-2', DEMO_WORKLOADS_ACCOUNT_ID, '2a7f4b1c-5d3e-4f60-a1b2-c3d4e5f60718'),
      name: 'alias/app-data',
      accountId: DEMO_WORKLOADS_ACCOUNT_ID,
      region: 'us-west-2',
      tags: [
        { key: 'Environment', value: 'production' },
        { key: 'Team', value: 'platform' },
      ],
      collectionErrors: [],
      raw: expect.objectContaining({
        DescribeKey: expect.any(Object),
        GetKeyRotationStatus: expect.any(Object),
        ListKeyRotations: { Rotations: [] },
        GetKeyPolicy: expect.any(Object),
      }),
      keyId: '2a7f4b1c-5d3e-4f60-a1b2-c3d4e5f60718',
      aliases: ['alias/app-data'],
      description: 'Application data',
      keyManager: 'CUSTOMER',
      managementType: 'CustomerManaged',
      keyState: 'Enabled',
      enabled: true,
      scheduleForDeletion: false,
      deletionDate: null,
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      multiRegion: false,
      creationDate: '2025-11-03T09:30:00.000Z',
      validTo: null,
      expirationModel: '',
      automaticRotationEnabled: false,
      // Never rotated: its material is the key's own since creation.
      lastRotationDate: null,
      keyMaterialDate: '2025-11-03T09:30:00.000Z',
      // Compact, as the field's patterns read it; raw keeps what KMS returned.
      policyDocument: expect.stringContaining('"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":'),
      keyPolicy: {
        statements: [
          {
            sid: 'Enable IAM User Permissions',
            effect: 'Allow',
            principals: [`AWS|arn:aws:iam::${DEMO_WORKLOADS_ACCOUNT_ID}:root`],
            actions: ['kms:*'],
            notActions: [],
            resources: ['*'],
            conditions: [],
          },
        ],
      },
    });
    const appData = keys.get('2a7f4b1c-5d3e-4f60-a1b2-c3d4e5f60718')!;
    const returned = (appData.raw as { GetKeyPolicy: { Policy: string } }).GetKeyPolicy.Policy;
    expect(returned).toMatch(/\n\s+"Statement" : \[/); // as KMS writes it
    expect(appData.policyDocument).toBe(JSON.stringify(JSON.parse(returned)));
    // A disabled key keeps its rotation status; a key pending deletion reports none; an asymmetric key cannot rotate;
    // an AWS managed key always rotates. A key without aliases is named by its id, with aliases [] (known: none).
    expect(keys.get('3b8e5c2d-6e4f-4a71-b2c3-d4e5f6071829')).toMatchObject({
      name: '3b8e5c2d-6e4f-4a71-b2c3-d4e5f6071829',
      aliases: [],
      keyState: 'Disabled',
      enabled: false,
      automaticRotationEnabled: false,
      tags: [],
    });
    expect(keys.get('4c9f6d3e-7f50-4b82-83d4-e5f60718293a')).toMatchObject({
      scheduleForDeletion: true,
      deletionDate: '2026-12-01T00:00:00.000Z',
      automaticRotationEnabled: false,
      region: 'eu-west-1',
    });
    expect(keys.get('5d0a7e4f-8061-4c93-94e5-f60718293a4b')).toMatchObject({
      keySpec: 'RSA_2048',
      keyUsage: 'SIGN_VERIFY',
      automaticRotationEnabled: false,
      collectionErrors: [],
    });
    expect(keys.get('6e1b8f50-9172-4da4-a5f6-0718293a4b5c')).toMatchObject({
      managementType: 'AWSManaged',
      keyManager: 'AWS',
      automaticRotationEnabled: true,
      aliases: ['alias/aws/ebs'],
    });
    // GetKeyRotationStatus is asked of customer managed symmetric keys only; ListAliases once per region.
    expect(
      callsOf('GetKeyRotationStatus')
        .map((c) => c.params.KeyId)
        .sort(),
    ).toEqual([
      keyArn('eu-west-1', DEMO_WORKLOADS_ACCOUNT_ID, '4c9f6d3e-7f50-4b82-83d4-e5f60718293a'),
      keyArn('us-west-2', DEMO_WORKLOADS_ACCOUNT_ID, '2a7f4b1c-5d3e-4f60-a1b2-c3d4e5f60718'),
      keyArn('us-west-2', DEMO_WORKLOADS_ACCOUNT_ID, '3b8e5c2d-6e4f-4a71-b2c3-d4e5f6071829'),
    ]);
    expect(
      callsOf('ListAliases')
        .map((c) => c.region)
        .sort(),
    ).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
    // The largest pages KMS allows: one call lists up to 1000 keys, 100 aliases, 50 tags.
    expect(new Set(callsOf('ListKeys').map((c) => c.params.Limit))).toEqual(new Set([1000]));
    expect(new Set(callsOf('ListAliases').map((c) => c.params.Limit))).toEqual(new Set([100]));
    expect(new Set(callsOf('ListResourceTags').map((c) => c.params.Limit))).toEqual(new Set([50]));
  });

  it('writes principals TYPE|value, "*" as AWS|*, and conditions one per key', async () => {
    const scenario = demoScenario(new Date('2026-11-01T00:00:00Z'));
    const management = scenario.accounts.find((a) => a.Id === DEMO_MANAGEMENT_ACCOUNT_ID)!;
    const [east] = await collect(scenario, management, ['us-east-1']);
    const trailKey = east!.assets.find((k) => k.keyId === '6f1d2c3b-8a4e-4f0b-9c7d-2e5a1b3c4d5e')!;
    expect(trailKey.automaticRotationEnabled).toBe(true);
    expect(trailKey.keyPolicy?.statements[1]).toEqual({
      sid: 'Allow CloudTrail to encrypt logs',
      effect: 'Allow',
      principals: ['Service|cloudtrail.amazonaws.com'],
      actions: ['kms:GenerateDataKey*'],
      notActions: [],
      resources: ['*'],
      conditions: [{ operator: 'StringLike', key: 'kms:EncryptionContext:aws:cloudtrail:arn', values: [`arn:aws:cloudtrail:*:${DEMO_MANAGEMENT_ACCOUNT_ID}:trail/*`] }],
    });
    const awsManaged = east!.assets.find((k) => k.managementType === 'AWSManaged')!;
    expect(awsManaged.keyPolicy?.statements[0]).toMatchObject({
      principals: ['AWS|*'],
      conditions: expect.arrayContaining([{ operator: 'StringEquals', key: 'kms:CallerAccount', values: [DEMO_MANAGEMENT_ACCOUNT_ID] }]),
    });

    await sim!.close();
    const security = scenario.accounts.find((a) => a.Id === DEMO_SECURITY_ACCOUNT_ID)!;
    const [central] = await collect(scenario, security, ['eu-central-1']);
    expect(central!.assets.map((k) => [k.multiRegion, k.keyPolicy?.statements[1]?.principals])).toEqual([[true, ['AWS|*']]]);
  });

  it('reads every page of ListKeys, ListAliases and ListResourceTags', async () => {
    const limits = { ListKeys: 3, ListAliases: 2, ListResourceTags: 2, ListKeyRotations: 2 };
    const many = Array.from({ length: 7 }, (_, i) => key(i, { Aliases: [`alias/k-${i}`] }));
    many[0] = key(0, { Aliases: ['alias/a-0', 'alias/a-1', 'alias/a-2'], Tags: { t0: '0', t1: '1', t2: '2', t3: '3', t4: '4' } });
    const owner = simAccount(OWNER, [], { KmsKeys: many });
    const [scope] = await collect({ accounts: [owner] }, owner, ['us-east-1'], 1, limits);
    expect(scope!.assets.map((k) => k.keyId)).toEqual(many.map((k) => k.KeyId));
    expect(callsOf('ListKeys').map((c) => [c.params.Limit, c.params.Marker === undefined])).toEqual([
      [3, true],
      [3, false],
      [3, false],
    ]);
    expect(callsOf('ListAliases')).toHaveLength(5); // 9 aliases, 2 a page
    const first = scope!.assets[0]!;
    expect([first.aliases, first.name, first.tags?.map((t) => t.key)]).toEqual([['alias/a-0', 'alias/a-1', 'alias/a-2'], 'alias/a-0', ['t0', 't1', 't2', 't3', 't4']]);
    expect(scope!.assets[6]!.aliases).toEqual(['alias/k-6']);
  });

  it("records what one key's calls could not read as null with the reason, without failing the region", async () => {
    const owner = simAccount(OWNER, [], { KmsKeys: [key(1, { Aliases: ['alias/one'] }), key(2)] });
    const denied = keyArn('us-east-1', OWNER, key(2).KeyId);
    const scenario: Scenario = {
      accounts: [owner],
      faults: [
        { kind: 'accessDenied', service: 'kms', operation: 'GetKeyPolicy', resource: denied },
        { kind: 'accessDenied', service: 'kms', operation: 'GetKeyRotationStatus', resource: denied },
        { kind: 'accessDenied', service: 'kms', operation: 'ListResourceTags', resource: denied },
      ],
    };
    const [scope] = await collect(scenario, owner, ['us-east-1']);
    expect(scope!.status).toBe('ok');
    const keys = byKeyId([scope!]);
    expect(keys.get(key(1).KeyId)).toMatchObject({ collectionErrors: [], policyDocument: expect.any(String), automaticRotationEnabled: false, tags: [] });
    expect(keys.get(key(2).KeyId)).toMatchObject({
      policyDocument: null,
      keyPolicy: null,
      automaticRotationEnabled: null,
      tags: null,
      description: '',
      keyState: 'Enabled',
      collectionErrors: [
        { operation: 'GetKeyRotationStatus', code: 'AccessDeniedException', message: expect.stringContaining(`kms:GetKeyRotationStatus on resource: ${denied}`) },
        { operation: 'GetKeyPolicy', code: 'AccessDeniedException', message: expect.stringContaining('kms:GetKeyPolicy') },
        { operation: 'ListResourceTags', code: 'AccessDeniedException', message: expect.any(String) },
      ],
    });
  });

  it("leaves every key's aliases unknown when ListAliases fails, and fails only a region whose ListKeys fails", async () => {
    const owner = simAccount(OWNER, [], { KmsKeys: [key(1, { Aliases: ['alias/one'] }), key(2, { Region: 'eu-west-1' })] });
    const scenario: Scenario = {
      accounts: [owner],
      faults: [
        { kind: 'accessDenied', service: 'kms', operation: 'ListAliases', region: 'us-east-1' },
        { kind: 'accessDenied', service: 'kms', operation: 'ListKeys', region: 'eu-west-1' },
      ],
    };
    const scopes = await collect(scenario, owner, ['us-east-1', 'eu-west-1']);
    expect(scopes.map((s) => [s.region, s.status, s.error?.code, s.assets.length])).toEqual([
      ['us-east-1', 'ok', undefined, 1],
      ['eu-west-1', 'failed', 'AccessDeniedException', 0],
    ]);
    expect(scopes[0]!.assets[0]).toMatchObject({ aliases: null, name: key(1).KeyId, collectionErrors: [{ operation: 'ListAliases', code: 'AccessDeniedException' }] });
  });

  it("records the key material's age and expiry: every page of ListKeyRotations, asked only of keys whose material can rotate", async () => {
    const limits = { ...KMS_LIST_LIMITS, ListKeyRotations: 2 };
    const rotated = key(1, {
      CreationDate: '2024-01-01T00:00:00Z',
      RotationEnabled: true,
      // Listed out of order over three pages: the newest is the last rotation, whatever the order.
      Rotations: [
        { RotationDate: '2024-04-01T00:00:00Z', RotationType: 'AUTOMATIC' },
        { RotationDate: '2025-06-15T12:00:00Z', RotationType: 'ON_DEMAND' },
        { RotationDate: '2024-07-01T00:00:00Z', RotationType: 'AUTOMATIC' },
        { RotationDate: '2024-10-01T00:00:00Z', RotationType: 'AUTOMATIC' },
        { RotationDate: '2025-01-01T00:00:00Z', RotationType: 'AUTOMATIC' },
      ],
    });
    const neverRotated = key(2, { CreationDate: '2025-03-01T00:00:00Z' });
    const denied = key(3, { CreationDate: '2025-03-01T00:00:00Z', Rotations: [{ RotationDate: '2025-09-01T00:00:00Z', RotationType: 'ON_DEMAND' }] });
    const expiring = key(4, { Origin: 'EXTERNAL', ValidTo: '2027-01-10T00:00:00Z', Rotations: [{ RotationDate: '2025-08-01T00:00:00Z', RotationType: 'ON_DEMAND' }] });
    const notExpiring = key(5, { Origin: 'EXTERNAL' });
    const noMaterial = key(6, { Origin: 'EXTERNAL', KeyState: 'PendingImport', ValidTo: '2027-01-10T00:00:00Z' });
    const asymmetric = key(7, { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const hsm = key(8, { Origin: 'AWS_CLOUDHSM' });
    const awsManaged = key(9, { KeyManager: 'AWS', Aliases: ['alias/aws/s3'], Rotations: [{ RotationDate: '2025-01-01T00:00:00Z', RotationType: 'AUTOMATIC' }] });
    const owner = simAccount(OWNER, [], { KmsKeys: [rotated, neverRotated, denied, expiring, notExpiring, noMaterial, asymmetric, hsm, awsManaged] });
    const deniedArn = keyArn('us-east-1', OWNER, denied.KeyId);
    const scenario: Scenario = { accounts: [owner], faults: [{ kind: 'accessDenied', service: 'kms', operation: 'ListKeyRotations', resource: deniedArn }] };
    const [scope] = await collect(scenario, owner, ['us-east-1'], 1, limits);
    const keys = byKeyId([scope!]);
    const dates = (k: SimKmsKey) => {
      const record = keys.get(k.KeyId)!;
      return [record.lastRotationDate, record.keyMaterialDate, record.expirationModel, record.validTo];
    };
    expect(dates(rotated)).toEqual(['2025-06-15T12:00:00.000Z', '2025-06-15T12:00:00.000Z', '', null]);
    expect(dates(neverRotated)).toEqual([null, '2025-03-01T00:00:00.000Z', '', null]);
    // A failed ListKeyRotations leaves the material's age unknown, with the reason.
    expect(dates(denied)).toEqual([null, null, '', null]);
    expect(keys.get(denied.KeyId)!.collectionErrors).toEqual([
      { operation: 'ListKeyRotations', code: 'AccessDeniedException', message: expect.stringContaining(`kms:ListKeyRotations on resource: ${deniedArn}`) },
    ]);
    expect(dates(expiring)).toEqual(['2025-08-01T00:00:00.000Z', '2025-08-01T00:00:00.000Z', 'KEY_MATERIAL_EXPIRES', '2027-01-10T00:00:00.000Z']);
    expect(dates(notExpiring)).toEqual([null, '2025-01-01T00:00:00.000Z', 'KEY_MATERIAL_DOES_NOT_EXPIRE', null]);
    expect(dates(noMaterial)).toEqual([null, '2025-01-01T00:00:00.000Z', '', null]);
    // Material that cannot be rotated is the key's own since its creation; no call is made for it.
    expect(dates(asymmetric)).toEqual([null, '2025-01-01T00:00:00.000Z', '', null]);
    expect(dates(hsm)).toEqual([null, '2025-01-01T00:00:00.000Z', '', null]);
    expect(dates(awsManaged)).toEqual(['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '', null]);
    for (const k of [rotated, neverRotated, expiring, notExpiring, noMaterial, asymmetric, hsm, awsManaged])
      expect(keys.get(k.KeyId)!.collectionErrors, k.KeyId).toEqual([]);
    expect(keys.get(rotated.KeyId)!.raw.ListKeyRotations).toEqual({
      Rotations: rotated.Rotations!.map((r) => ({ KeyId: rotated.KeyId, RotationDate: new Date(r.RotationDate), RotationType: r.RotationType })),
    });

    const asked = callsOf('ListKeyRotations');
    const askedKeys = new Set(asked.map((c) => c.params.KeyId));
    expect([...askedKeys].sort()).toEqual(
      [rotated, neverRotated, denied, expiring, notExpiring, noMaterial, awsManaged].map((k) => keyArn('us-east-1', OWNER, k.KeyId)).sort(),
    );
    expect(asked.filter((c) => c.status !== 200).map((c) => [c.params.KeyId, c.errorCode])).toEqual([[deniedArn, 'AccessDeniedException']]);
    // Five rotations two a page: three calls, each after the first with the marker the one before gave.
    const ofRotated = asked.filter((c) => c.params.KeyId === keyArn('us-east-1', OWNER, rotated.KeyId));
    expect(ofRotated.map((c) => [c.params.Limit, c.params.Marker === undefined])).toEqual([
      [2, true],
      [2, false],
      [2, false],
    ]);
  });

  it("gets through throttling with the SDK's retries", async () => {
    const owner = simAccount(OWNER, [], { KmsKeys: [key(1), key(2)] });
    const scenario: Scenario = {
      accounts: [owner],
      faults: [
        { kind: 'throttle', service: 'kms', operation: 'ListKeys', times: 1 },
        { kind: 'throttle', service: 'kms', operation: 'DescribeKey', times: 2 },
      ],
    };
    const [scope] = await collect(scenario, owner, ['us-east-1'], 3);
    expect(scope!.status).toBe('ok');
    expect(scope!.assets.map((k) => [k.keyState, k.collectionErrors])).toEqual([
      ['Enabled', []],
      ['Enabled', []],
    ]);
    expect(sim!.errorCounts.get('ThrottlingException')).toBe(3);
  });

  it('gives every recorded key once, from the real responses: old members defaulted, a denied DescribeKey recorded, imported material not rotating', async () => {
    const scenario = recordedKmsScenario();
    const scopes = await collect(scenario, scenario.accounts[0]!, ['us-east-1', 'us-west-1', 'us-west-2']);
    expect(scopes.map((s) => [s.region, s.status, s.assets.map((k) => k.keyId)])).toEqual([
      ['us-east-1', 'ok', [RECORDED_KEYS.rotated, RECORDED_KEYS.openPolicy, RECORDED_KEYS.skunkTrails]],
      ['us-west-1', 'ok', [RECORDED_KEYS.denied, RECORDED_KEYS.permissive]],
      ['us-west-2', 'ok', [RECORDED_KEYS.imported]],
    ]);
    const keys = byKeyId(scopes);
    // Recorded in 2018, before KeySpec and MultiRegion: a symmetric single-Region key, rotated (recorded).
    expect(keys.get(RECORDED_KEYS.rotated)).toMatchObject({
      description: 'd1',
      keySpec: 'SYMMETRIC_DEFAULT',
      multiRegion: false,
      managementType: 'CustomerManaged',
      automaticRotationEnabled: true,
      creationDate: '2018-01-30T15:44:19.013Z',
      arn: recordedKeyArn('us-east-1', RECORDED_KEYS.rotated),
      accountId: CUSTODIAN_ACCOUNT_ID,
    });
    expect(keys.get(RECORDED_KEYS.openPolicy)?.keyPolicy?.statements.map((s) => [s.sid, s.effect, s.principals, s.actions, s.conditions])).toEqual([
      ['Enable IAM User Permissions', 'Allow', [`AWS|arn:aws:iam::${CUSTODIAN_ACCOUNT_ID}:root`], ['kms:*'], []],
      ['Enable Cross Account', 'Allow', ['AWS|*'], ['kms:Encrypt'], []],
    ]);
    expect(keys.get(RECORDED_KEYS.skunkTrails)).toMatchObject({ description: 'Trails for the Skunk', keySpec: 'SYMMETRIC_DEFAULT' });
    expect(keys.get(RECORDED_KEYS.denied)).toMatchObject({
      description: null,
      keyState: null,
      managementType: null,
      automaticRotationEnabled: null,
      policyDocument: expect.any(String),
      collectionErrors: [{ operation: 'DescribeKey', code: 'AccessDeniedException', message: expect.stringContaining('kms:DescribeKey') }],
    });
    expect(keys.get(RECORDED_KEYS.permissive)).toMatchObject({ keySpec: 'SYMMETRIC_DEFAULT', description: 'Access testing - permissive policy' });
    expect(keys.get(RECORDED_KEYS.imported)).toMatchObject({
      origin: 'EXTERNAL',
      keyState: 'PendingImport',
      enabled: false,
      description: '',
      automaticRotationEnabled: false,
      collectionErrors: [],
    });
    expect(callsOf('GetKeyRotationStatus').find((c) => c.region === 'us-west-2')?.errorCode).toBe('UnsupportedOperationException');
  });
});
