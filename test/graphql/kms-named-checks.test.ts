// The named checks over KMS keys that Cyscale's control library calls (schema/named-checks.graphql):
// EncryptionKeysRotationAWS, the customer managed keys whose material is older than `days`, and
// EncryptionKeysExpiration, the keys whose imported material expires within `days`. Each case is one way a key passes
// or fails; what could not be read fails. "Now" is given to each query, so no case depends on when it runs. On both
// stores (INVENTORY_TEST_DB), and through the control engine at the verdict's time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import type { KmsKeyRecord } from '../../src/model/kms-key.js';
import type { InventoryStore } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../support/store.js';
import { kmsKeyRecord } from '../support/records.js';

const api = createInventoryApi();
const ACCOUNT = '500000000001';
const NOW = new Date('2026-06-01T12:00:00.000Z');
const daysBefore = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const daysAfter = (days: number) => new Date(NOW.getTime() + days * 86_400_000).toISOString();

/** A customer managed symmetric key of KMS-generated material, enabled, created and last rotated as `changes` say. */
function key(name: string, changes: Partial<KmsKeyRecord> = {}): KmsKeyRecord {
  return kmsKeyRecord(`arn:aws:kms:us-east-1:${ACCOUNT}:key/${name}-0000-4000-8000-000000000000`, {
    name: `alias/${name}`,
    aliases: [`alias/${name}`],
    creationDate: daysBefore(400),
    ...changes,
  });
}

/** What a key is when DescribeKey failed: every field it feeds unknown, and so the material's dates. */
const undescribed = (name: string): KmsKeyRecord =>
  key(name, {
    description: null,
    keyManager: null,
    managementType: null,
    keyState: null,
    enabled: null,
    scheduleForDeletion: null,
    keySpec: null,
    keyUsage: null,
    origin: null,
    multiRegion: null,
    creationDate: null,
    validTo: null,
    expirationModel: null,
    automaticRotationEnabled: null,
    lastRotationDate: null,
    keyMaterialDate: null,
    collectionErrors: [{ operation: 'DescribeKey', code: 'AccessDeniedException', message: 'denied' }],
  });

async function syncKeys(store: InventoryStore, keys: KmsKeyRecord[]): Promise<void> {
  const run = await store.startSyncRun({ collector: KMS_KEY.collector, requestedRegions: ['us-east-1'] });
  await store.recordAccount(run.id, KMS_KEY.collector, { accountId: ACCOUNT, status: 'ok', enabledRegions: ['us-east-1'] });
  await store.writeScope(run.id, { assetType: KMS_KEY.name, accountId: ACCOUNT, region: 'us-east-1', status: 'ok', assets: keys });
  await store.finishSyncRun(run.id, 'succeeded');
}

async function names(store: InventoryStore, field: string, days: number, now = NOW): Promise<string[]> {
  const query = `{ ${field}(days: ${days}) { name } }`;
  const result = await runQuery(api, store, query, undefined, { now });
  expect(result.errors, query).toBeUndefined();
  return ((result.data as Record<string, { name: string }[]>)[field] ?? []).map((k) => k.name);
}

describe('EncryptionKeysRotationAWS: customer managed keys whose material is older than the days given', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncKeys(temp.store, [
      key('a-rotated-recently', { lastRotationDate: daysBefore(30) }),
      key('b-rotated-long-ago', { lastRotationDate: daysBefore(200) }),
      key('c-new', { creationDate: daysBefore(10) }),
      key('d-never-rotated'),
      key('e-ninety-days-exactly', { lastRotationDate: daysBefore(90) }),
      key('f-asymmetric', { keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY', automaticRotationEnabled: false }),
      key('g-imported', { origin: 'EXTERNAL', expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', automaticRotationEnabled: false }),
      key('h-aws-managed', { keyManager: 'AWS', managementType: 'AWSManaged', lastRotationDate: daysBefore(300) }),
      key('i-pending-deletion', { keyState: 'PendingDeletion', scheduleForDeletion: true, deletionDate: daysAfter(7), enabled: false }),
      key('j-pending-import', { origin: 'EXTERNAL', keyState: 'PendingImport', enabled: false }),
      key('k-disabled', { keyState: 'Disabled', enabled: false }),
      // ListKeyRotations failed: the material's age is unknown.
      key('l-rotations-unknown', {
        lastRotationDate: null,
        keyMaterialDate: null,
        collectionErrors: [{ operation: 'ListKeyRotations', code: 'AccessDeniedException', message: 'denied' }],
      }),
      undescribed('m-undescribed'),
    ]);
  });
  afterAll(() => temp.cleanup());

  it('returns the keys whose material is older, of any kind, and those whose dates or state are unknown', async () => {
    expect(await names(temp.store, 'EncryptionKeysRotationAWS', 90)).toEqual([
      'alias/b-rotated-long-ago',
      'alias/d-never-rotated',
      'alias/f-asymmetric',
      'alias/g-imported',
      'alias/k-disabled',
      'alias/l-rotations-unknown',
      'alias/m-undescribed',
    ]);
  });

  it('judges at the time it is asked, over the days it is given', async () => {
    // A day later, material exactly 90 days old is older than 90 days.
    expect(await names(temp.store, 'EncryptionKeysRotationAWS', 90, new Date(NOW.getTime() + 86_400_000))).toContain('alias/e-ninety-days-exactly');
    expect(await names(temp.store, 'EncryptionKeysRotationAWS', 20)).toEqual(expect.arrayContaining(['alias/a-rotated-recently', 'alias/e-ninety-days-exactly']));
    expect(await names(temp.store, 'EncryptionKeysRotationAWS', 20)).not.toContain('alias/c-new');
    expect(await names(temp.store, 'EncryptionKeysRotationAWS', 365)).toEqual([
      'alias/d-never-rotated',
      'alias/f-asymmetric',
      'alias/g-imported',
      'alias/k-disabled',
      'alias/l-rotations-unknown',
      'alias/m-undescribed',
    ]);
  });

  it('refuses days that are not a whole number from 1 to 36500, naming the argument', async () => {
    for (const days of [0, -5, 36_501]) {
      const result = await runQuery(api, temp.store, `{ EncryptionKeysRotationAWS(days: ${days}) { id } }`, undefined, { now: NOW });
      expect(result.errors?.[0]?.message, String(days)).toBe(`EncryptionKeysRotationAWS: days must be a whole number of days from 1 to 36500, not ${days}`);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: 'days' });
    }
    const missing = await runQuery(api, temp.store, '{ EncryptionKeysRotationAWS { id } }');
    expect(missing.errors?.[0]?.message).toMatch(/argument "days" of type "Int!" is required/);
  });

  it("answers Cyscale's query as its library writes it, keys selectable with the stored AssetFragment", async () => {
    const result = await runQuery(api, temp.store, '{\n  EncryptionKeysRotationAWS(days: 90) {...AssetFragment}\n}', undefined, { now: NOW });
    expect(result.errors).toBeUndefined();
    expect((result.data as { EncryptionKeysRotationAWS: { id: string; assetType: string }[] }).EncryptionKeysRotationAWS[0]).toMatchObject({
      id: key('b-rotated-long-ago').arn,
      assetType: 'KmsKey',
      accountId: ACCOUNT,
    });
  });
});

describe('EncryptionKeysExpiration: keys whose imported material expires within the days given', () => {
  let temp: TempStore;
  const imported = (name: string, validTo: string | null, expirationModel = 'KEY_MATERIAL_EXPIRES') =>
    key(name, { origin: 'EXTERNAL', automaticRotationEnabled: false, expirationModel, validTo });
  beforeAll(async () => {
    temp = await openTempStore();
    await syncKeys(temp.store, [
      imported('a-expires-in-a-week', daysAfter(7)),
      imported('b-expires-in-fourteen-days', daysAfter(14)),
      imported('c-expires-in-a-month', daysAfter(30)),
      imported('d-expired', daysBefore(2)),
      imported('e-never-expires', null, 'KEY_MATERIAL_DOES_NOT_EXPIRE'),
      key('f-kms-material'),
      imported('g-expiry-without-date', null),
      undescribed('h-undescribed'),
    ]);
  });
  afterAll(() => temp.cleanup());

  it('returns the keys whose material expires by then, has expired, or whose expiry is unknown', async () => {
    expect(await names(temp.store, 'EncryptionKeysExpiration', 14)).toEqual([
      'alias/a-expires-in-a-week',
      'alias/b-expires-in-fourteen-days',
      'alias/d-expired',
      'alias/g-expiry-without-date',
      'alias/h-undescribed',
    ]);
  });

  it('judges at the time it is asked', async () => {
    expect(await names(temp.store, 'EncryptionKeysExpiration', 14, new Date(NOW.getTime() + 20 * 86_400_000))).toContain('alias/c-expires-in-a-month');
    expect(await names(temp.store, 'EncryptionKeysExpiration', 1)).toEqual(['alias/d-expired', 'alias/g-expiry-without-date', 'alias/h-undescribed']);
  });

  it('refuses days out of range', async () => {
    const result = await runQuery(api, temp.store, '{ EncryptionKeysExpiration(days: 0) { id } }', undefined, { now: NOW });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: 'days' });
  });
});
