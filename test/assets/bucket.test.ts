// The Bucket definition agrees with what the collector produces, with its SDL, and with the calls the collector makes:
// a field, column or IAM action cannot be forgotten in one place and present in another.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type ObjectTypeDefinitionNode } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3_BUCKETS_COLLECTOR } from '../../collectors/aws/s3/buckets.js';
import { BUCKET } from '../../src/assets/bucket.js';
import { demoScenario, DEMO_SECURITY_ACCOUNT_ID, S3_IAM_ACTIONS, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { RunClients } from '../../src/sync/clients.js';
import { CallLimiter, DEFAULT_LIMITS } from '../../src/sync/limits.js';
import { stubAwsEnv } from '../support/aws.js';

const COMMON_RECORD_KEYS = ['arn', 'name', 'accountId', 'region', 'tags', 'collectionErrors', 'raw'];
const SDL = readFileSync(fileURLToPath(new URL('../../schema/bucket.graphql', import.meta.url)), 'utf8');

let sim: Simulator | undefined;
let clients: RunClients | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await clients?.close();
  await sim?.close();
  sim = undefined;
});

describe('the Bucket definition', () => {
  it("declares one column per field, in the SDL's order, and the relation to trails both ways", () => {
    const type = parse(SDL).definitions.find((d): d is ObjectTypeDefinitionNode => d.kind === 'ObjectTypeDefinition' && d.name.value === 'Bucket')!;
    const sdlFields = type.fields!.map((f) => f.name.value);
    const declared = BUCKET.fields.map((f) => f.field);
    expect(declared.every((name) => sdlFields.includes(name))).toBe(true);
    expect(declared).toEqual(sdlFields.filter((name) => declared.includes(name)));
    expect(new Set(BUCKET.fields.map((f) => f.column)).size).toBe(BUCKET.fields.length);
    expect(BUCKET.relations).toEqual([
      { field: 'trails', target: 'Trail', cardinality: 'many', from: 'name', to: 's3BucketName', inverse: { field: 's3Bucket', cardinality: 'one' } },
    ]);
    expect(SDL).toMatch(/extend type Trail \{[^}]*s3Bucket: Bucket\n/);
  });

  it('matches the records the collector makes, and the collector calls only the IAM actions it declares', async () => {
    const scenario = demoScenario(new Date('2026-11-01T00:00:00Z'));
    const account = scenario.accounts.find((a) => a.Id === DEMO_SECURITY_ACCOUNT_ID)!;
    sim = await startSimulator(scenario);
    stubAwsEnv(sim);
    clients = new RunClients({}, new CallLimiter(DEFAULT_LIMITS), { maxAttempts: 1, requestHandler: {} });
    const [scope] = await S3_BUCKETS_COLLECTOR.collect({
      accountId: account.Id,
      regions: ['us-east-1'],
      clients: clients.forAccount(account.Id, { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey }),
    });
    expect(S3_BUCKETS_COLLECTOR.definition).toBe(BUCKET);
    const stored = BUCKET.fields.filter((f) => !f.computed);
    expect(scope!.assets.map((b) => b.name).sort()).toEqual((account.Buckets ?? []).map((b) => b.Name).sort());
    for (const record of scope!.assets) {
      expect(Object.keys(record).sort()).toEqual([...COMMON_RECORD_KEYS, ...stored.map((f) => f.field)].sort());
      for (const field of stored) expect(record[field.field as keyof typeof record], field.field).not.toBeNull();
    }
    const called = [...sim.callCounts.keys()].map((key) => S3_IAM_ACTIONS[key]);
    expect(called.sort()).toEqual([...BUCKET.iamActions].sort());
  });
});
