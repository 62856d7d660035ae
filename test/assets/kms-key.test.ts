// The KmsKey definition agrees with what the collector produces, with its SDL, and with the calls the
// collector makes: a field, column or IAM action cannot be forgotten in one place and present in another.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type ObjectTypeDefinitionNode } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KMS_KEYS_COLLECTOR } from '../../collectors/aws/kms/keys.js';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { demoScenario, DEMO_WORKLOADS_ACCOUNT_ID, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { stubAwsEnv } from '../support/aws.js';

const COMMON_RECORD_KEYS = ['arn', 'name', 'accountId', 'region', 'tags', 'collectionErrors', 'raw'];
const SDL = readFileSync(fileURLToPath(new URL('../../schema/kms-key.graphql', import.meta.url)), 'utf8');

let sim: Simulator | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await sim?.close();
  sim = undefined;
});

describe('the KmsKey definition', () => {
  it("declares one column per field, in the SDL's order, and the relation to trails both ways", () => {
    const type = parse(SDL).definitions.find((d): d is ObjectTypeDefinitionNode => d.kind === 'ObjectTypeDefinition' && d.name.value === 'KmsKey')!;
    const sdlFields = type.fields!.map((f) => f.name.value);
    const declared = KMS_KEY.fields.map((f) => f.field);
    expect(declared.every((name) => sdlFields.includes(name))).toBe(true);
    expect(declared).toEqual(sdlFields.filter((name) => declared.includes(name)));
    expect(new Set(KMS_KEY.fields.map((f) => f.column)).size).toBe(KMS_KEY.fields.length);
    expect(KMS_KEY.relations).toEqual([
      { field: 'trails', target: 'Trail', cardinality: 'many', from: 'arn', to: 'kmsKeyID', inverse: { field: 'kmsKey', cardinality: 'one' } },
    ]);
    expect(sdlFields).toContain('trails');
    expect(SDL).toMatch(/extend type Trail \{[^}]*kmsKey: KmsKey\n/);
  });

  it('matches the records the collector makes, and the collector calls only the IAM actions it declares', async () => {
    const scenario = demoScenario(new Date('2026-11-01T00:00:00Z'));
    const account = scenario.accounts.find((a) => a.Id === DEMO_WORKLOADS_ACCOUNT_ID)!;
    sim = await startSimulator(scenario);
    stubAwsEnv(sim);
    const clients = {
      client: <C>(Client: new (config: { region: string }) => C, region: string) =>
        new (Client as unknown as new (c: object) => C)({
          region,
          maxAttempts: 1,
          credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey },
        }),
    };
    const scopes = await KMS_KEYS_COLLECTOR.collect({ accountId: account.Id, regions: ['us-west-2', 'eu-west-1'], clients });
    expect(KMS_KEYS_COLLECTOR.definition).toBe(KMS_KEY);
    for (const record of scopes.flatMap((s) => s.assets)) {
      expect(Object.keys(record).sort()).toEqual([...COMMON_RECORD_KEYS, ...KMS_KEY.fields.map((f) => f.field)].sort());
      for (const field of KMS_KEY.fields.filter((f) => !f.nullable)) expect(record[field.field as keyof typeof record]).not.toBeNull();
    }
    const called = [...sim.callCounts.keys()].filter((key) => key.startsWith('kms.')).map((key) => `kms:${key.slice('kms.'.length)}`);
    expect(called.sort()).toEqual([...KMS_KEY.iamActions].sort());
  });
});
