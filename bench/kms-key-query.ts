// Measurement: a KMS key query over HTTP (the rotation control's keys, with AssetFragment and the fields it reads)
// against the same rows from one raw better-sqlite3 prepared statement and JSON.stringify, as the seed query is measured:
// what a second asset type, served through the generated schema and the store core, costs over the storage limit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMS_KEY } from '../src/assets/kms-key.js';
import { createInventoryApi } from '../src/graphql/execute.js';
import { silentLogger } from '../src/log.js';
import type { KmsKeyRecord } from '../src/model/kms-key.js';
import { defaultWorkerCount } from '../src/server/graphql-pool.js';
import { startServer } from '../src/server/server.js';
import { assetColumns } from '../src/store/asset-columns.js';
import { SQLITE_DIALECT } from '../src/store/dialect.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { measurement, timeBoth, type Benchmark } from './lib/measure.js';
import { DEFAULT_REGIONS } from '../src/simulator/scenario.js';
import { accountIdOf } from './lib/synthetic.js';

/** Cyscale's rotation query (customer managed keys whose rotation is off), with the fields a dashboard shows. */
export const KMS_KEY_QUERY =
  '{ kmsKeys(where:{managementType:"CustomerManaged", automaticRotationEnabled:false}){...AssetFragment keyState keySpec automaticRotationEnabled} }';

/** One key in ten is customer managed without rotation: at most 10,000 of 100,000, the most one list returns, as the seed query's. */
const isUnrotated = (i: number): boolean => i % 10 === 1;

/**
 * Among those, a few the rotation control must leave alone (controls/aws/kms-key-rotation.yaml): pending deletion,
 * asymmetric, or with imported key material (whose rotation status KMS does not give: unknown).
 */
function exemptFromRotation(i: number): Partial<KmsKeyRecord> {
  if (i % 16 === 5) return { keyState: 'PendingDeletion', enabled: false, scheduleForDeletion: true, deletionDate: '2030-01-01T00:00:00.000Z' };
  if (i % 16 === 9) return { keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY', automaticRotationEnabled: null };
  if (i % 16 === 13) return { origin: 'EXTERNAL', automaticRotationEnabled: null };
  return {};
}

/** Key `i` of the synthetic organization: customer managed, symmetric, one in ten without rotation. */
export function syntheticKey(i: number, accounts: number): KmsKeyRecord {
  const accountId = accountIdOf(i % accounts);
  const region = DEFAULT_REGIONS[Math.floor(i / accounts) % DEFAULT_REGIONS.length]!;
  const keyId = `${String(i).padStart(8, '0')}-1111-2222-3333-444455556666`;
  const arn = `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  };
  return {
    arn,
    name: keyId,
    accountId,
    region,
    keyId,
    aliases: [`alias/bench-${i}`],
    description: '',
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
    creationDate: '2024-01-01T00:00:00.000Z',
    validTo: null,
    expirationModel: '',
    lastRotationDate: null,
    keyMaterialDate: '2024-01-01T00:00:00.000Z',
    automaticRotationEnabled: !isUnrotated(i),
    policyDocument: JSON.stringify(policy),
    keyPolicy: {
      statements: [
        {
          sid: 'Enable IAM User Permissions',
          effect: 'Allow',
          principals: [`AWS|arn:aws:iam::${accountId}:root`],
          actions: ['kms:*'],
          notActions: [],
          resources: ['*'],
          conditions: [],
        },
      ],
    },
    tags: [{ key: 'team', value: `team-${i % 7}` }],
    collectionErrors: [],
    raw: {},
    ...exemptFromRotation(i),
  };
}

/**
 * Writes `keys` synthetic keys over `accounts` accounts as one succeeded run of the KMS key collector; returns how many
 * are customer managed with rotation off (what KMS_KEY_QUERY returns; keys whose rotation is unknown are not counted).
 */
export async function writeSyntheticKeys(store: SqliteStore, keys: number, accounts: number): Promise<number> {
  const run = await store.startSyncRun({ collector: KMS_KEY.collector, requestedRegions: [] });
  const scopes = new Map<string, KmsKeyRecord[]>();
  let rotationOff = 0;
  for (let i = 0; i < keys; i++) {
    const key = syntheticKey(i, accounts);
    if (key.managementType === 'CustomerManaged' && key.automaticRotationEnabled === false) rotationOff++;
    const scope = `${key.accountId}/${key.region}`;
    let assets = scopes.get(scope);
    if (!assets) scopes.set(scope, (assets = []));
    assets.push(key);
  }
  const regionsOf = new Map<string, string[]>();
  for (const scope of scopes.keys()) {
    const [accountId, region] = scope.split('/') as [string, string];
    let regions = regionsOf.get(accountId);
    if (!regions) regionsOf.set(accountId, (regions = []));
    regions.push(region);
  }
  for (const [accountId, regions] of regionsOf) await store.recordAccount(run.id, KMS_KEY.collector, { accountId, status: 'ok', enabledRegions: regions.sort() });
  for (const [scope, assets] of scopes) {
    const [accountId, region] = scope.split('/') as [string, string];
    await store.writeScope(run.id, { assetType: KMS_KEY.name, accountId, region, status: 'ok', assets });
  }
  await store.finishSyncRun(run.id, 'succeeded');
  return rotationOff;
}

/** The reference: the rows the query returns, from one statement over the same table and the API's lastSeenAt SQL. */
function referenceSql(): string {
  const lastSeenAt = assetColumns(KMS_KEY, SQLITE_DIALECT).find((c) => c.field === 'lastSeenAt')!.sql;
  return `SELECT k.arn AS id, k.arn, k.name, 'KmsKey' AS assetType, 'aws' AS provider, k.account_id AS accountId, k.region,
                 k.first_seen_at AS firstSeenAt, ${lastSeenAt.replaceAll('kms_keys.', 'k.')} AS lastSeenAt, k.key_state AS keyState,
                 k.key_spec AS keySpec, k.automatic_rotation_enabled AS automaticRotationEnabled,
                 (SELECT json_group_array(json_object('key', key, 'value', value)) FROM asset_tags WHERE asset_id = k.arn ORDER BY key) AS tags
            FROM kms_keys k
           WHERE k.management_type = 'CustomerManaged' AND k.automatic_rotation_enabled = 0
             AND k.deleted_at IS NULL ORDER BY k.arn`;
}

export const kmsKeyQuery: Benchmark = {
  name: 'kms-key-query',
  description: 'a KMS key query over HTTP vs the same rows from a raw prepared statement and JSON.stringify',
  async run({ trails, runs, log }) {
    // As many keys as the other benchmarks have trails (100,000 by default), in 100 accounts × 17 regions.
    const keys = trails;
    const accounts = 100;
    const dir = mkdtempSync(join(tmpdir(), 'inventory-bench-'));
    const store = SqliteStore.open(join(dir, 'bench.db'));
    try {
      const started = performance.now();
      const expected = await writeSyntheticKeys(store, keys, accounts);
      log(`built ${keys} KMS keys (${expected} customer managed with rotation off) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

      const server = await startServer({ store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger, workers: defaultWorkerCount() });
      try {
        await (await fetch(`${server.url}/healthz`)).text();
        const raw = store.db.prepare(referenceSql());
        const times = await timeBoth(
          runs,
          async () => {
            const response = await fetch(server.graphqlUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: KMS_KEY_QUERY }),
            });
            const body = (await response.json()) as { data?: { kmsKeys: unknown[] }; errors?: unknown };
            if (!body.data) throw new Error(`the KMS key query failed: ${JSON.stringify(body.errors)}`);
            return body.data.kmsKeys.length;
          },
          () => {
            const rows = raw.all() as { tags: string; automaticRotationEnabled: number | null }[];
            const json = JSON.stringify({
              data: {
                kmsKeys: rows.map((row) => ({
                  ...row,
                  automaticRotationEnabled: row.automaticRotationEnabled === null ? null : row.automaticRotationEnabled === 1,
                  tags: JSON.parse(row.tags),
                })),
              },
            });
            return (JSON.parse(json) as { data: { kmsKeys: unknown[] } }).data.kmsKeys.length;
          },
        );
        if (times.count !== expected) throw new Error(`the KMS key query returned ${times.count} keys, the inventory has ${expected} with rotation off`);
        return [measurement('kms-key-query', 'ms', times.ours, times.reference, `${times.count} of ${keys} KMS keys: GraphQL over HTTP vs raw statement + JSON`)];
      } finally {
        await server.close();
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
