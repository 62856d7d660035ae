// KMS over AWS JSON 1.1 through the real SDK: listings and their pages, DescribeKey, rotation status, completed
// rotations and key policies as AWS documents them, the errors AWS gives, faults, and the real recorded responses replayed.
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  paginateListKeys,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAwsJson } from '../../src/simulator/kms/keys.js';
import {
  demoScenario,
  DEMO_MANAGEMENT_ACCOUNT_ID,
  DEMO_SECURITY_ACCOUNT_ID,
  DEMO_WORKLOADS_ACCOUNT_ID,
  organizationScenario,
  startSimulator,
  type Scenario,
  type SimAccount,
  type Simulator,
} from '../../src/simulator/index.js';
import { CUSTODIAN_CREDENTIALS, RECORDED_KEYS, recordedKeyArn, recordedKmsScenario } from '../support/kms.js';
import { readWireFile } from '../support/recorded.js';
import { simAccount } from '../support/scenarios.js';
import { kmsClient, sigV4Headers } from './sdk-clients.js';

const OWNER = '123456789012';
const OTHER = '210987654321';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(scenario: Scenario): Promise<Simulator> {
  sim = await startSimulator(scenario);
  return sim;
}

const owner = (extra: Partial<SimAccount> = {}) => simAccount(OWNER, [], extra);
const keyId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const arnOf = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('KMS in the simulator', () => {
  it('is routed by the TrentService target prefix and answers in AWS JSON 1.1', async () => {
    const s = await start({ accounts: [owner({ KmsKeys: [{ KeyId: keyId(1), Region: 'us-east-1', CreationDate: '2025-01-01T00:00:00Z' }] })] });
    const response = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', ...sigV4Headers(`AKIATEST${OWNER}`, 'us-east-1', 'kms') },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.text()).toBe(`{"Keys":[{"KeyId":"${keyId(1)}","KeyArn":"${arnOf('us-east-1', OWNER, keyId(1))}"}],"Truncated":false}`);
    expect(s.calls.at(-1)).toMatchObject({ service: 'kms', operation: 'ListKeys', accountId: OWNER, region: 'us-east-1' });
  });

  it('pages ListKeys with Limit, Marker, NextMarker and Truncated, per region, and refuses a made-up marker', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => ({ KeyId: keyId(i), Region: 'eu-west-1', CreationDate: '2025-01-01T00:00:00Z' }));
    const s = await start({ accounts: [owner({ KmsKeys: [...keys, { KeyId: keyId(99), Region: 'us-east-1', CreationDate: '2025-01-01T00:00:00Z' }] })] });
    const client = kmsClient(s, owner(), { region: 'eu-west-1' });
    const first = await client.send(new ListKeysCommand({ Limit: 3 }));
    expect(first.Keys?.map((k) => k.KeyId)).toEqual([keyId(0), keyId(1), keyId(2)]);
    expect(first.Truncated).toBe(true);
    const seen: string[] = [];
    for await (const page of paginateListKeys({ client, pageSize: 3 }, {})) seen.push(...(page.Keys ?? []).map((k) => k.KeyId!));
    expect(seen).toEqual(keys.map((k) => k.KeyId));
    const last = await client.send(new ListKeysCommand({ Limit: 1000 }));
    expect([last.Truncated, last.NextMarker]).toEqual([false, undefined]);
    expect(await errorOf(client.send(new ListKeysCommand({ Marker: 'bm90LWEtbWFya2Vy' })))).toMatchObject({ name: 'InvalidMarkerException', status: 400 });
    expect(await errorOf(client.send(new ListKeysCommand({ Limit: 1001 })))).toMatchObject({ name: 'ValidationException' });
    expect(await errorOf(client.send(new ListKeysCommand({ Limit: 0 })))).toMatchObject({ name: 'ValidationException' });
  });

  it("describes a key by id, ARN, alias name and alias ARN, with AWS's members and epoch-second dates", async () => {
    const key = { KeyId: keyId(1), Region: 'us-east-1', Description: 'app', CreationDate: '2025-03-04T05:06:07.125Z', Aliases: ['alias/app'] };
    const s = await start({ accounts: [owner({ KmsKeys: [key] })] });
    const client = kmsClient(s, owner());
    const arn = arnOf('us-east-1', OWNER, keyId(1));
    for (const name of [keyId(1), arn, 'alias/app', `arn:aws:kms:us-east-1:${OWNER}:alias/app`]) {
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: name }));
      expect(KeyMetadata).toMatchObject({
        AWSAccountId: OWNER,
        KeyId: keyId(1),
        Arn: arn,
        Enabled: true,
        Description: 'app',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
      });
      expect(KeyMetadata?.CreationDate?.toISOString()).toBe('2025-03-04T05:06:07.125Z');
    }
    expect(s.calls.at(-1)?.responseBody).toContain('"CreationDate":1.741064767125E9');
    expect(await errorOf(client.send(new DescribeKeyCommand({ KeyId: keyId(2) })))).toEqual({
      name: 'NotFoundException',
      message: `Key '${arnOf('us-east-1', OWNER, keyId(2))}' does not exist`,
      status: 400,
    });
    expect(await errorOf(client.send(new DescribeKeyCommand({ KeyId: 'alias/none' })))).toMatchObject({ name: 'NotFoundException' });
    // A key is regional: the same id in another region's endpoint does not exist.
    expect(await errorOf(kmsClient(s, owner(), { region: 'eu-west-1' }).send(new DescribeKeyCommand({ KeyId: keyId(1) })))).toMatchObject({ name: 'NotFoundException' });
    expect(await errorOf(client.send(new DescribeKeyCommand({ KeyId: 'arn:aws:kms:nonsense' })))).toMatchObject({ name: 'InvalidArnException' });
  });

  it('reports rotation as AWS documents it for each kind of key', async () => {
    const base = { CreationDate: '2025-01-01T00:00:00Z', Region: 'us-east-1' };
    const s = await start({
      accounts: [
        owner({
          KmsKeys: [
            { ...base, KeyId: keyId(1), RotationEnabled: true },
            { ...base, KeyId: keyId(2) },
            { ...base, KeyId: keyId(3), KeyState: 'Disabled', RotationEnabled: true },
            { ...base, KeyId: keyId(4), KeyState: 'PendingDeletion', DeletionDate: '2026-12-01T00:00:00Z', RotationEnabled: true },
            { ...base, KeyId: keyId(5), KeyManager: 'AWS', Aliases: ['alias/aws/s3'] },
            { ...base, KeyId: keyId(6), KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
            { ...base, KeyId: keyId(7), Origin: 'EXTERNAL', KeyState: 'PendingImport' },
          ],
        }),
      ],
    });
    const client = kmsClient(s, owner());
    const rotation = (n: number) => client.send(new GetKeyRotationStatusCommand({ KeyId: arnOf('us-east-1', OWNER, keyId(n)) }));
    expect((await rotation(1)).KeyRotationEnabled).toBe(true);
    expect((await rotation(1)).RotationPeriodInDays).toBe(365);
    expect((await rotation(2)).KeyRotationEnabled).toBe(false);
    // Disabling a key keeps its rotation status; a key pending deletion reports false (API reference).
    expect((await rotation(3)).KeyRotationEnabled).toBe(true);
    expect((await rotation(4)).KeyRotationEnabled).toBe(false);
    // AWS managed keys rotate every year, always (since May 2022).
    expect((await rotation(5)).KeyRotationEnabled).toBe(true);
    expect(await errorOf(rotation(6))).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    expect(await errorOf(rotation(7))).toEqual({
      name: 'UnsupportedOperationException',
      message: `${arnOf('us-east-1', OWNER, keyId(7))} origin is EXTERNAL which is not valid for this operation.`,
      status: 400,
    });
    const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: keyId(4) }));
    expect([KeyMetadata?.Enabled, KeyMetadata?.KeyState, KeyMetadata?.DeletionDate?.toISOString()]).toEqual([false, 'PendingDeletion', '2026-12-01T00:00:00.000Z']);
    const asymmetric = (await client.send(new DescribeKeyCommand({ KeyId: keyId(6) }))).KeyMetadata;
    expect(asymmetric?.SigningAlgorithms).toContain('RSASSA_PSS_SHA_256');
    expect(asymmetric).not.toHaveProperty('EncryptionAlgorithms');
  });

  it("returns the key policy as a JSON string in AWS's layout, under PolicyName default", async () => {
    const s = await start({ accounts: [owner({ KmsKeys: [{ KeyId: keyId(1), Region: 'us-east-1', CreationDate: '2025-01-01T00:00:00Z' }] })] });
    const client = kmsClient(s, owner());
    const policy = await client.send(new GetKeyPolicyCommand({ KeyId: keyId(1) }));
    expect(policy.PolicyName).toBe('default');
    expect(JSON.parse(policy.Policy!)).toEqual({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    expect((await client.send(new GetKeyPolicyCommand({ KeyId: keyId(1), PolicyName: 'default' }))).Policy).toBe(policy.Policy);
    expect(await errorOf(client.send(new GetKeyPolicyCommand({ KeyId: keyId(1), PolicyName: 'other' })))).toMatchObject({ name: 'NotFoundException' });
  });

  it('writes policies exactly as the recorded GetKeyPolicy does', () => {
    const recorded = JSON.parse(readWireFile('test_cross_account_kms/kms.GetKeyPolicy_1').body) as { Policy: string };
    expect(writeAwsJson(JSON.parse(recorded.Policy))).toBe(recorded.Policy);
  });

  it('lists aliases (all, or of one key) and tags, paged', async () => {
    const s = await start({
      accounts: [
        owner({
          KmsKeys: [
            { KeyId: keyId(1), Region: 'us-east-1', CreationDate: '2025-01-01T00:00:00Z', Aliases: ['alias/a', 'alias/b'], Tags: { team: 'x', env: 'prod' } },
            { KeyId: keyId(2), Region: 'us-east-1', CreationDate: '2025-01-01T00:00:00Z', KeyManager: 'AWS', Aliases: ['alias/aws/ebs'] },
          ],
        }),
      ],
    });
    const client = kmsClient(s, owner());
    const all = await client.send(new ListAliasesCommand({}));
    expect(all.Aliases?.map((a) => [a.AliasName, a.TargetKeyId, a.AliasArn])).toEqual([
      ['alias/a', keyId(1), `arn:aws:kms:us-east-1:${OWNER}:alias/a`],
      ['alias/b', keyId(1), `arn:aws:kms:us-east-1:${OWNER}:alias/b`],
      ['alias/aws/ebs', keyId(2), `arn:aws:kms:us-east-1:${OWNER}:alias/aws/ebs`],
    ]);
    const paged = await client.send(new ListAliasesCommand({ Limit: 2 }));
    expect([paged.Aliases?.length, paged.Truncated]).toEqual([2, true]);
    const rest = await client.send(new ListAliasesCommand({ Limit: 2, Marker: paged.NextMarker }));
    expect([rest.Aliases?.map((a) => a.AliasName), rest.Truncated]).toEqual([['alias/aws/ebs'], false]);
    expect((await client.send(new ListAliasesCommand({ KeyId: keyId(2) }))).Aliases?.map((a) => a.AliasName)).toEqual(['alias/aws/ebs']);

    const tags = await client.send(new ListResourceTagsCommand({ KeyId: keyId(1), Limit: 1 }));
    expect([tags.Tags, tags.Truncated]).toEqual([[{ TagKey: 'team', TagValue: 'x' }], true]);
    const more = await client.send(new ListResourceTagsCommand({ KeyId: keyId(1), Marker: tags.NextMarker }));
    expect(more.Tags).toEqual([{ TagKey: 'env', TagValue: 'prod' }]);
    expect((await client.send(new ListResourceTagsCommand({ KeyId: keyId(2) }))).Tags).toEqual([]);
    expect(await errorOf(client.send(new ListResourceTagsCommand({ KeyId: keyId(1), Limit: 51 })))).toMatchObject({ name: 'ValidationException' });
  });

  it('lets another account read a key by ARN only when the key policy allows it', async () => {
    const shared = {
      KeyId: keyId(1),
      Region: 'us-east-1',
      CreationDate: '2025-01-01T00:00:00Z',
      Policy: writeAwsJson({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'kms:*', Resource: '*' }] }),
    };
    const closed = { KeyId: keyId(2), Region: 'us-east-1', CreationDate: '2025-01-01T00:00:00Z' };
    const other = simAccount(OTHER, []);
    const s = await start({ accounts: [owner({ KmsKeys: [shared, closed] }), other] });
    const client = kmsClient(s, other);
    expect((await client.send(new DescribeKeyCommand({ KeyId: arnOf('us-east-1', OWNER, keyId(1)) }))).KeyMetadata?.AWSAccountId).toBe(OWNER);
    expect(await errorOf(client.send(new DescribeKeyCommand({ KeyId: arnOf('us-east-1', OWNER, keyId(2)) })))).toMatchObject({ name: 'AccessDeniedException' });
    // A bare id is always the caller's own, and ListResourceTags is not cross-account.
    expect(await errorOf(client.send(new DescribeKeyCommand({ KeyId: keyId(1) })))).toMatchObject({ name: 'NotFoundException' });
    expect(await errorOf(client.send(new ListResourceTagsCommand({ KeyId: arnOf('us-east-1', OWNER, keyId(1)) })))).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('applies KMS faults: access denied to one key, throttling, an unknown operation', async () => {
    const keys = [1, 2].map((n) => ({ KeyId: keyId(n), Region: 'us-east-1', CreationDate: '2025-01-01T00:00:00Z' }));
    const denied = arnOf('us-east-1', OWNER, keyId(2));
    const s = await start({
      accounts: [owner({ KmsKeys: keys })],
      faults: [
        { kind: 'accessDenied', service: 'kms', operation: 'GetKeyPolicy', resource: denied },
        { kind: 'throttle', service: 'kms', operation: 'ListKeys', times: 2 },
        { kind: 'throttle', operation: 'ListKeys' }, // a CloudTrail fault: never applies to KMS
      ],
    });
    const client = kmsClient(s, owner());
    expect((await client.send(new GetKeyPolicyCommand({ KeyId: keyId(1) }))).Policy).toContain('kms:*');
    expect(await errorOf(client.send(new GetKeyPolicyCommand({ KeyId: keyId(2) })))).toEqual({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${OWNER}:user/inventory-reader is not authorized to perform: kms:GetKeyPolicy on resource: ${denied} because no identity-based policy allows the kms:GetKeyPolicy action`,
      status: 400,
    });
    expect(await errorOf(client.send(new ListKeysCommand({})))).toMatchObject({ name: 'ThrottlingException' });
    // The SDK's standard retries get through once the throttling stops.
    expect((await kmsClient(s, owner(), { maxAttempts: 3 }).send(new ListKeysCommand({}))).Keys).toHaveLength(2);
    expect(s.errorCounts.get('ThrottlingException')).toBe(2);

    const raw = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt', ...sigV4Headers(`AKIATEST${OWNER}`, 'us-east-1', 'kms') },
      body: '{}',
    });
    expect([raw.status, ((await raw.json()) as { __type: string }).__type]).toEqual([400, 'UnknownOperationException']);
  });

  it('replays the real recordings for the keys they were recorded for, and simulates the rest', async () => {
    const s = await start(recordedKmsScenario());
    const east = kmsClient(s, CUSTODIAN_CREDENTIALS);
    const described = await east.send(new DescribeKeyCommand({ KeyId: recordedKeyArn('us-east-1', RECORDED_KEYS.rotated) }));
    expect(s.calls.at(-1)?.responseBody).toBe(readWireFile('test_key_rotation/kms.DescribeKey_1').body);
    expect(described.$metadata.requestId).toBe('24f8a546-06a7-11e8-ba23-d1734408c8cd');
    expect(described.KeyMetadata?.Description).toBe('d1');
    expect(described.KeyMetadata).not.toHaveProperty('KeySpec'); // recorded in 2018, before key specs existed
    expect((await east.send(new GetKeyPolicyCommand({ KeyId: RECORDED_KEYS.openPolicy }))).Policy).toContain('"Principal" : "*"');
    // Not recorded: simulated from the scenario's copy of the key.
    expect((await east.send(new GetKeyRotationStatusCommand({ KeyId: RECORDED_KEYS.openPolicy }))).KeyRotationEnabled).toBe(false);

    const westOne = kmsClient(s, CUSTODIAN_CREDENTIALS, { region: 'us-west-1' });
    expect(await errorOf(westOne.send(new DescribeKeyCommand({ KeyId: RECORDED_KEYS.denied })))).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(s.calls.at(-1)?.errorCode).toBe('AccessDeniedException');
    const westTwo = kmsClient(s, CUSTODIAN_CREDENTIALS, { region: 'us-west-2' });
    expect(await errorOf(westTwo.send(new GetKeyRotationStatusCommand({ KeyId: recordedKeyArn('us-west-2', RECORDED_KEYS.imported) })))).toMatchObject({
      name: 'UnsupportedOperationException',
    });
    expect((await westTwo.send(new DescribeKeyCommand({ KeyId: RECORDED_KEYS.imported }))).KeyMetadata).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'PendingImport' });
  });
});

describe('KMS keys in the scenarios', () => {
  const list = async (client: KMSClient) => (await client.send(new ListKeysCommand({}))).Keys?.map((k) => k.KeyArn) ?? [];

  it("the demo's encrypted trails name keys that exist, one in another account than its trail", async () => {
    const scenario = demoScenario(new Date('2026-11-01T00:00:00Z'));
    const s = await start(scenario);
    const byId = new Map(scenario.accounts.map((account) => [account.Id, account]));
    const trailKeys = scenario.accounts.flatMap((account) => account.Trails.filter((t) => t.KmsKeyId).map((t) => ({ owner: account.Id, key: t.KmsKeyId! })));
    expect(trailKeys.length).toBe(2);
    for (const { key } of trailKeys) {
      const [, , , region = '', keyOwner = ''] = key.split(':');
      expect(await list(kmsClient(s, byId.get(keyOwner)!, { region }))).toContain(key);
    }
    expect(trailKeys.some(({ owner: trailOwner, key }) => key.split(':')[4] !== trailOwner)).toBe(true);
    // Every kind the rotation control judges is there.
    const all = scenario.accounts.flatMap((a) => a.KmsKeys ?? []);
    expect(all.some((k) => k.KeyManager === 'AWS')).toBe(true);
    expect(all.some((k) => k.KeyState === 'Disabled')).toBe(true);
    expect(all.some((k) => k.KeyState === 'PendingDeletion')).toBe(true);
    expect(all.some((k) => (k.KeySpec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT')).toBe(true);
    expect(all.some((k) => k.RotationEnabled === true) && all.some((k) => !k.RotationEnabled && (k.KeyManager ?? 'CUSTOMER') === 'CUSTOMER')).toBe(true);
    expect([DEMO_MANAGEMENT_ACCOUNT_ID, DEMO_WORKLOADS_ACCOUNT_ID, DEMO_SECURITY_ACCOUNT_ID].every((id) => (byId.get(id)!.KmsKeys ?? []).length > 0)).toBe(true);
  });

  it("the generated organization holds every encrypted trail's key, and the same organization as before", async () => {
    const org = organizationScenario({ accounts: 12, latencyMs: 0, transientErrorRate: 0, callsPerSecond: 1000, seed: 5 });
    const encrypted = org.scenario.accounts.flatMap((a) => a.Trails.map((t) => t.KmsKeyId).filter((k): k is string => k !== undefined));
    expect([...org.kmsKeyArns].sort()).toEqual([...encrypted].sort());
    expect(org.unrotatedKmsKeyArns.every((arn) => org.kmsKeyArns.includes(arn))).toBe(true);
    const s = await start(org.scenario);
    const management = org.management;
    const region = org.kmsKeyArns[0]!.split(':')[3]!;
    expect(await list(kmsClient(s, management, { region }))).toContain(org.kmsKeyArns[0]);
  });
  it('lists the completed rotations of keys whose material can rotate, in pages, and refuses the others as AWS does', async () => {
    const rotations = ['2024-01-01T00:00:00Z', '2024-04-01T00:00:00Z', '2024-07-01T00:00:00Z'].map((RotationDate) => ({
      RotationDate,
      RotationType: 'AUTOMATIC' as const,
    }));
    const s = await start({
      accounts: [
        owner({
          KmsKeys: [
            { KeyId: keyId(1), Region: 'us-east-1', CreationDate: '2023-01-01T00:00:00Z', Rotations: rotations },
            { KeyId: keyId(2), Region: 'us-east-1', CreationDate: '2023-01-01T00:00:00Z', KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
            { KeyId: keyId(3), Region: 'us-east-1', CreationDate: '2023-01-01T00:00:00Z', Origin: 'AWS_CLOUDHSM' },
            { KeyId: keyId(4), Region: 'us-east-1', CreationDate: '2023-01-01T00:00:00Z', Origin: 'EXTERNAL', ValidTo: '2027-02-03T04:05:06Z' },
            { KeyId: keyId(5), Region: 'us-east-1', CreationDate: '2023-01-01T00:00:00Z', Origin: 'EXTERNAL' },
            { KeyId: keyId(6), Region: 'us-east-1', CreationDate: '2023-01-01T00:00:00Z', Origin: 'EXTERNAL', KeyState: 'PendingImport' },
          ],
        }),
        simAccount(OTHER, []),
      ],
    });
    const client = kmsClient(s, owner());
    const first = await client.send(new ListKeyRotationsCommand({ KeyId: keyId(1), Limit: 2 }));
    expect(first).toMatchObject({
      Truncated: true,
      Rotations: rotations.slice(0, 2).map((r) => ({ KeyId: keyId(1), RotationDate: new Date(r.RotationDate), RotationType: 'AUTOMATIC' })),
    });
    const second = await client.send(new ListKeyRotationsCommand({ KeyId: keyId(1), Limit: 2, Marker: first.NextMarker }));
    expect([second.Truncated, second.NextMarker, second.Rotations?.map((r) => r.RotationDate?.toISOString())]).toEqual([false, undefined, ['2024-07-01T00:00:00.000Z']]);
    expect((await client.send(new ListKeyRotationsCommand({ KeyId: keyId(4) }))).Rotations).toEqual([]);
    expect(await errorOf(client.send(new ListKeyRotationsCommand({ KeyId: keyId(2) })))).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    expect(await errorOf(client.send(new ListKeyRotationsCommand({ KeyId: keyId(3) })))).toMatchObject({
      name: 'UnsupportedOperationException',
      message: `${arnOf('us-east-1', OWNER, keyId(3))} origin is AWS_CLOUDHSM which is not valid for this operation.`,
    });
    expect(await errorOf(client.send(new ListKeyRotationsCommand({ KeyId: keyId(9) })))).toMatchObject({ name: 'NotFoundException' });
    expect(await errorOf(client.send(new ListKeyRotationsCommand({ KeyId: keyId(1), Limit: 1001 })))).toMatchObject({ name: 'ValidationException' });
    expect(await errorOf(client.send(new ListKeyRotationsCommand({ KeyId: keyId(1), Marker: 'not-issued' })))).toMatchObject({ name: 'InvalidMarkerException' });
    // Not cross-account, even by ARN.
    expect(await errorOf(kmsClient(s, simAccount(OTHER, [])).send(new ListKeyRotationsCommand({ KeyId: arnOf('us-east-1', OWNER, keyId(1)) })))).toMatchObject({
      name: 'AccessDeniedException',
    });

    // DescribeKey tells of imported material: whether it expires, and when; nothing for a key that holds none.
    const described = async (n: number) => (await client.send(new DescribeKeyCommand({ KeyId: keyId(n) }))).KeyMetadata!;
    expect(await described(4)).toMatchObject({ ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date('2027-02-03T04:05:06Z') });
    const notExpiring = await described(5);
    expect([notExpiring.ExpirationModel, notExpiring.ValidTo]).toEqual(['KEY_MATERIAL_DOES_NOT_EXPIRE', undefined]);
    const pending = await described(6);
    expect([pending.ExpirationModel, pending.ValidTo]).toEqual([undefined, undefined]);
    const generated = await described(1);
    expect([generated.ExpirationModel, generated.ValidTo]).toEqual([undefined, undefined]);
  });
});
