// Trail.kmsKeyUsable over GraphQL, on both stores: the verdict on each trail's key read from what the store holds — the
// key wherever it lives, and whether the key's account and region are synced, which tells "does not exist" from "unknown".
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { cloudTrailKeyStatements } from '../../src/model/key-policy-access.js';
import { kmsKeyRecord, syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const A = '111122223333';
const CENTRAL = '999988887777';
const UNSYNCED = '444455556666';
const keyArn = (account: string, id: string) => `arn:aws:kms:us-east-1:${account}:key/${id}0000000-0000-4000-8000-000000000000`;
const trailArn = (name: string) => `arn:aws:cloudtrail:us-east-1:${A}:trail/${name}`;

/** A key policy with the root statement and CloudTrail's statements for `trails`. */
function policy(key: string, ...trails: string[]): string {
  const statements = trails.flatMap((arn) => Object.values(cloudTrailKeyStatements({ arn }, key)));
  return JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }, ...statements] });
}

describe('Trail.kmsKeyUsable', () => {
  let temp: TempStore;
  const api = createInventoryApi();
  beforeAll(async () => {
    temp = await openTempStore();
    const trails: [string, string][] = [
      ['local-usable', keyArn(A, '1')],
      ['central-usable', keyArn(CENTRAL, '2')],
      ['disabled', keyArn(A, '3')],
      ['other-trail-only', keyArn(A, '4')],
      ['missing-key', keyArn(A, '5')],
      ['unsynced-key', keyArn(UNSYNCED, '6')],
      ['unencrypted', ''],
    ];
    await syncScope(temp.store, {
      accountId: A,
      region: 'us-east-1',
      trails: trails.map(([name, key]) => trailRecord(name, { trail: key === '' ? {} : { KmsKeyId: key } })),
    });
    const keys = [
      kmsKeyRecord(keyArn(A, '1'), { policyDocument: policy(keyArn(A, '1'), trailArn('local-usable')) }),
      kmsKeyRecord(keyArn(A, '3'), { keyState: 'Disabled', policyDocument: policy(keyArn(A, '3'), trailArn('disabled')) }),
      kmsKeyRecord(keyArn(A, '4'), { policyDocument: policy(keyArn(A, '4'), trailArn('someone-else')) }),
      kmsKeyRecord(keyArn(CENTRAL, '2'), { policyDocument: policy(keyArn(CENTRAL, '2'), trailArn('central-usable')) }),
    ];
    // Both A and the central account are synced in us-east-1; UNSYNCED never is.
    const run = await temp.store.startSyncRun({ collector: KMS_KEY.collector, requestedRegions: ['us-east-1'] });
    for (const account of [A, CENTRAL]) {
      await temp.store.writeScope(run.id, {
        assetType: KMS_KEY.name,
        accountId: account,
        region: 'us-east-1',
        status: 'ok',
        assets: keys.filter((k) => k.accountId === account),
      });
    }
    await temp.store.finishSyncRun(run.id, 'succeeded');
  });
  afterAll(() => temp.cleanup());

  it('gives each trail the verdict its key earns, also for a key in another account, and null for a trail without one', async () => {
    const result = await runQuery(api, temp.store, '{ trails { name kmsKeyUsable { verdict keyArn reasons } } }');
    expect(result.errors).toBeUndefined();
    const byName = Object.fromEntries(
      (result.data!.trails as { name: string; kmsKeyUsable: { verdict: string; keyArn: string; reasons: string[] } | null }[]).map((t) => [t.name, t.kmsKeyUsable]),
    );
    expect(Object.fromEntries(Object.entries(byName).map(([name, v]) => [name, v?.verdict ?? null]))).toEqual({
      'local-usable': 'USABLE',
      'central-usable': 'USABLE',
      disabled: 'UNUSABLE',
      'other-trail-only': 'UNUSABLE',
      'missing-key': 'UNUSABLE',
      'unsynced-key': 'UNKNOWN',
      unencrypted: null,
    });
    expect(byName.disabled!.reasons).toEqual(['the key is disabled (aws kms enable-key)']);
    expect(byName['other-trail-only']!.reasons[0]).toMatch(/^the key policy does not let CloudTrail encrypt its logs/);
    expect(byName['missing-key']!.reasons[0]).toMatch(/^the key does not exist/);
    expect(byName['unsynced-key']!.reasons[0]).toMatch(/not synced/);
    expect(byName['central-usable']!.keyArn).toBe(keyArn(CENTRAL, '2'));
  });

  it('says whether the key a trail names is stored, does not exist, or cannot be known', async () => {
    const result = await runQuery(api, temp.store, '{ trails { name kmsKey { id } kmsKeyUsable { link } } }');
    expect(result.errors).toBeUndefined();
    const links = Object.fromEntries(
      (result.data!.trails as { name: string; kmsKey: unknown; kmsKeyUsable: { link: string } | null }[]).map((t) => [
        t.name,
        [t.kmsKeyUsable?.link ?? null, t.kmsKey !== null],
      ]),
    );
    expect(links).toEqual({
      'local-usable': ['STORED', true],
      'central-usable': ['STORED', true],
      disabled: ['STORED', true],
      'other-trail-only': ['STORED', true],
      'missing-key': ['MISSING', false],
      'unsynced-key': ['UNKNOWN', false],
      unencrypted: [null, false],
    });
  });

  it('lists the trails by their verdict, within a filter and a page', async () => {
    const names = async (args: string) => {
      const result = await runQuery(api, temp.store, `{ trailsByKeyUsability(${args}) { name } }`);
      expect(result.errors, args).toBeUndefined();
      return (result.data!.trailsByKeyUsability as { name: string }[]).map((t) => t.name);
    };
    // By ARN: the order of every list.
    expect(await names('verdict: UNUSABLE')).toEqual(['disabled', 'missing-key', 'other-trail-only']);
    expect(await names('verdict: UNKNOWN')).toEqual(['unsynced-key']);
    expect(await names('verdict: USABLE')).toEqual(['central-usable', 'local-usable']);
    expect(await names('verdict: UNUSABLE, where: {name_STARTS_WITH: "m"}')).toEqual(['missing-key']);
    expect(await names('verdict: UNUSABLE, limit: 1, offset: 1')).toEqual(['missing-key']);
  });

  it('reads the keys, and the buckets, of a whole list in one store call each, shared with Trail.kmsKey and Trail.s3Bucket when asked', async () => {
    const spy = vi.spyOn(temp.store, 'relatedAssets');
    const result = await runQuery(api, temp.store, '{ trails(where: {kmsKeyID_NOT: ""}) { kmsKey { id } s3Bucket { id } kmsKeyUsable { verdict } } }');
    expect(result.errors).toBeUndefined();
    expect((result.data!.trails as unknown[]).length).toBe(6);
    expect(spy.mock.calls.map(([type, relation, ids]) => [type, relation, ids.length]).sort()).toEqual([
      ['Trail', 'kmsKey', 6],
      ['Trail', 's3Bucket', 6],
    ]);
    spy.mockRestore();
  });
});
