// KMS keys end to end, as a user meets them: `inventory sync` of the demo organization and of the real recorded responses
// gives every key once with its fields; `inventory check` FAILs the CIS rotation control on exactly the customer
// managed symmetric keys without rotation; Trail.kmsKey resolves across accounts; the key policy filter finds keys
// any AWS principal may use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoScenario, startSimulator, type Scenario, type Simulator, type SimKmsKey } from '../../src/simulator/index.js';
import { awsEnv } from '../support/aws.js';
import { postGraphQL, runCli, startCli } from '../support/cli.js';
import { RECORDED_KEYS, recordedKeyArn, recordedKmsScenario } from '../support/kms.js';
import { openTempStore, type TempStore } from '../support/store.js';

const keyArnOf = (accountId: string, key: SimKmsKey) => `arn:aws:kms:${key.Region}:${accountId}:key/${key.KeyId}`;
const everyKey = (scenario: Scenario) => scenario.accounts.flatMap((a) => (a.KmsKeys ?? []).map((key) => ({ arn: keyArnOf(a.Id, key), key, owner: a.Id })));

/** What the rotation control must fail, read off the scenario the way the CIS text reads (controls/aws/kms-key-rotation.yaml). */
const unrotated = (scenario: Scenario) =>
  everyKey(scenario)
    .filter(({ key }) => (key.KeyManager ?? 'CUSTOMER') === 'CUSTOMER' && (key.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT')
    .filter(({ key }) => (key.Origin ?? 'AWS_KMS') === 'AWS_KMS' && key.KeyState !== 'PendingDeletion' && !key.RotationEnabled)
    .map(({ arn }) => arn)
    .sort();

async function graphQL(db: string, query: string): Promise<any> {
  const server = await startCli(['serve', '--db', db, '--port', '0'], {}, /GraphQL API at (http:\/\/\S+\/graphql)/);
  try {
    const { status, body } = await postGraphQL(server.match[1]!, query);
    expect(status, JSON.stringify(body.errors)).toBe(200);
    expect(body.errors).toBeUndefined();
    return body.data;
  } finally {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }
}

describe('KMS keys of the demo organization, through the CLI and HTTP', () => {
  let sim: Simulator;
  let temp: TempStore;
  let db: string;
  const scenario = demoScenario(new Date('2026-11-01T00:00:00Z'));

  beforeAll(async () => {
    sim = await startSimulator(scenario);
    temp = await openTempStore();
    await temp.store.close();
    db = temp.path;
    for (const account of sim.scenario.accounts) {
      const result = await runCli(['sync', '--db', db], awsEnv(sim, account));
      expect(result.code).toBe(0);
    }
  });
  afterAll(async () => {
    await sim.close();
    await temp.cleanup();
  });

  it('stores every key once, with its fields', async () => {
    const data = await graphQL(
      db,
      `{ kmsKeys(options:{sort:[{arn:ASC}]}) { arn accountId region keyId name aliases managementType keyState enabled
      scheduleForDeletion deletionDate keySpec origin multiRegion automaticRotationEnabled policyDocument collectionErrors { operation } } }`,
    );
    const expected = everyKey(scenario)
      .map(({ arn }) => arn)
      .sort();
    expect(data.kmsKeys.map((k: { arn: string }) => k.arn)).toEqual(expected);
    const byArn = new Map(data.kmsKeys.map((k: { arn: string }) => [k.arn, k]));
    for (const { arn, key, owner } of everyKey(scenario)) {
      expect(byArn.get(arn)).toMatchObject({
        accountId: owner,
        region: key.Region,
        keyId: key.KeyId,
        managementType: (key.KeyManager ?? 'CUSTOMER') === 'AWS' ? 'AWSManaged' : 'CustomerManaged',
        keyState: key.KeyState ?? 'Enabled',
        scheduleForDeletion: key.KeyState === 'PendingDeletion',
        keySpec: key.KeySpec ?? 'SYMMETRIC_DEFAULT',
        multiRegion: key.MultiRegion ?? false,
        collectionErrors: [],
        policyDocument: expect.stringContaining('"Statement"'),
      });
    }
  });

  it('FAILs the rotation control on exactly the customer managed symmetric keys without rotation', async () => {
    const result = await runCli(['check', '--db', db, '--format', 'json', '--control', 'kms-key-rotation']);
    const [verdict] = JSON.parse(result.stdout).verdicts;
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.failingAssets.map((a: { id: string }) => a.id).sort()).toEqual(unrotated(scenario));
    expect(unrotated(scenario)).toHaveLength(3); // enabled, disabled, and the key of another account's trail
    expect(result.code).toBe(1);
  });

  it('resolves Trail.kmsKey, also to a key in another account, and KmsKey.trails back', async () => {
    const data = await graphQL(db, '{ trails(options:{sort:[{arn:ASC}], limit: 1000}) { arn accountId kmsKeyID kmsKey { arn accountId trails { arn } } } }');
    for (const trail of data.trails) {
      if (trail.kmsKeyID === '') expect(trail.kmsKey).toBeNull();
      else expect(trail.kmsKey).toMatchObject({ arn: trail.kmsKeyID, trails: expect.arrayContaining([{ arn: trail.arn }]) });
    }
    expect(data.trails.some((t: any) => t.kmsKey !== null && t.kmsKey.accountId !== t.accountId)).toBe(true);
    const filtered = await graphQL(db, '{ kmsKeys(where:{trails_SOME:{}}) { arn } }');
    expect(filtered.kmsKeys).toHaveLength(2);
  });

  it('finds the keys whose policy allows every AWS principal', async () => {
    const data = await graphQL(db, '{ kmsKeys(where:{keyPolicy:{statements_SOME:{effect:"Allow", principals_INCLUDES:"AWS|*"}}}) { arn managementType } }');
    const expected = everyKey(scenario)
      .filter(({ key }) => key.KeyManager === 'AWS' || (key.Policy ?? '').includes('"Principal" : "*"'))
      .map(({ arn }) => arn)
      .sort();
    expect(data.kmsKeys.map((k: { arn: string }) => k.arn).sort()).toEqual(expected);
  });
});

describe('KMS keys from the real recorded responses', () => {
  it('stores every recorded key once, with what the recordings say and what they could not', async () => {
    const sim = await startSimulator(recordedKmsScenario());
    const temp = await openTempStore();
    await temp.store.close();
    try {
      const account = sim.scenario.accounts[0]!;
      const result = await runCli(['sync', '--db', temp.path, '--regions', 'us-east-1,us-west-1,us-west-2'], awsEnv(sim, account));
      expect(result.code).toBe(0);
      const data = await graphQL(
        temp.path,
        '{ kmsKeys(options:{limit: 100}) { keyId keySpec automaticRotationEnabled keyPolicy { statements { principals } } collectionErrors { operation code } } }',
      );
      expect(data.kmsKeys.map((k: { keyId: string }) => k.keyId).sort()).toEqual(Object.values(RECORDED_KEYS).sort());
      const byId = new Map(data.kmsKeys.map((k: { keyId: string }) => [k.keyId, k]));
      expect(byId.get(RECORDED_KEYS.rotated)).toMatchObject({ keySpec: 'SYMMETRIC_DEFAULT', automaticRotationEnabled: true });
      expect(byId.get(RECORDED_KEYS.denied)).toMatchObject({ keySpec: null, collectionErrors: [{ operation: 'DescribeKey', code: 'AccessDeniedException' }] });
      expect(byId.get(RECORDED_KEYS.imported)).toMatchObject({ automaticRotationEnabled: false, collectionErrors: [] });
      expect((byId.get(RECORDED_KEYS.openPolicy) as any).keyPolicy.statements.some((s: { principals: string[] }) => s.principals.includes('AWS|*'))).toBe(true);
      const open = await graphQL(temp.path, '{ kmsKeys(where:{keyPolicy:{statements_SOME:{effect:"Allow", principals_INCLUDES:"AWS|*"}}}) { arn } }');
      expect(open.kmsKeys).toEqual([{ arn: recordedKeyArn('us-east-1', RECORDED_KEYS.openPolicy) }]);
    } finally {
      await sim.close();
      await temp.cleanup();
    }
  });
});
