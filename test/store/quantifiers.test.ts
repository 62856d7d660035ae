// The quantifiers of lists (README, Querying: "Relations and lists"): `_SOME`, `_NONE`, `_ALL`, `_SINGLE` on relations
// and on lists of objects held in JSON, `{}` meaning any item and `_SOME: null` "has none", on both engines; every one
// two-valued, so NOT is its exact complement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import type { InventoryStore } from '../../src/store/store.js';
import { kmsKeyRecord, syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';
import { ALL, ANYONE, openVaults, ROOT } from '../support/vaults.js';

const ACCOUNT = '111122223333';
const sorted = (list: readonly string[]): string[] => [...list].sort();

describe('quantifiers on a list of objects held in JSON', () => {
  let temp: TempStore;
  let store: InventoryStore;
  beforeAll(async () => {
    ({ temp, store } = await openVaults());
  });
  afterAll(async () => {
    if (store !== temp.store) await store.close();
    await temp.cleanup();
  });
  const names = async (where: unknown): Promise<string[]> => sorted((await store.findAssetsOfType('Vault', where)).map((v) => v.name as string));
  /** The filter gives `expected`, and its NOT every other vault: each vault exactly once. */
  async function expectWithComplement(where: unknown, expected: string[]): Promise<void> {
    expect(await names(where)).toEqual(sorted(expected));
    expect(await names({ NOT: where })).toEqual(sorted(ALL.filter((n) => !expected.includes(n))));
  }

  it('_ALL holds when no item fails the filter: an empty list, and an unknown one, hold it vacuously', async () => {
    // open: [Allow anyone]; guarded: [Allow anyone and root, with a condition]; denied: [Deny anyone, Allow root];
    // empty: []; unknown: the policy could not be read.
    await expectWithComplement({ policy: { statements_ALL: { effect: 'Allow' } } }, ['open', 'guarded', 'empty', 'unknown']);
    await expectWithComplement({ policy: { statements_ALL: { principals_INCLUDES: ANYONE } } }, ['open', 'guarded', 'empty', 'unknown']);
    await expectWithComplement({ policy: { statements_ALL: { conditions_NONE: {} } } }, ['open', 'denied', 'empty', 'unknown']);
    await expectWithComplement({ policy: { statements_ALL: {} } }, ALL);
  });

  it('_SINGLE holds when exactly one item matches', async () => {
    await expectWithComplement({ policy: { statements_SINGLE: { effect: 'Allow' } } }, ['open', 'guarded', 'denied']);
    await expectWithComplement({ policy: { statements_SINGLE: { principals_INCLUDES: ROOT } } }, ['guarded', 'denied']);
    await expectWithComplement({ policy: { statements_SINGLE: {} } }, ['open', 'guarded']);
    await expectWithComplement({ policy: { statements_SINGLE: { effect: 'Other' } } }, []);
  });

  it('_SOME: null reads "has none", exactly as _NONE: {}', async () => {
    await expectWithComplement({ policy: { statements_SOME: null } }, ['empty', 'unknown']);
    expect(await names({ policy: { statements_SOME: null } })).toEqual(await names({ policy: { statements_NONE: {} } }));
  });
});

describe('quantifiers on relations', () => {
  let temp: TempStore;
  const key = (id: string): string => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      trails: [
        trailRecord('a-logging', { trail: { KmsKeyId: key('one') }, tags: [{ key: 'team', value: 'blue' }], status: { IsLogging: true } }),
        trailRecord('b-stopped', {
          trail: { KmsKeyId: key('two') },
          tags: [
            { key: 'team', value: 'red' },
            { key: 'env', value: 'dev' },
          ],
          status: { IsLogging: false },
        }),
        trailRecord('c-logging', { trail: { KmsKeyId: key('two') }, tags: [], status: { IsLogging: true } }),
        trailRecord('d-plain', {
          trail: { KmsKeyId: '' },
          tags: [
            { key: 'team', value: 'blue' },
            { key: 'team2', value: 'blue' },
          ],
          status: { IsLogging: true },
        }),
      ],
    });
    const run = await temp.store.startSyncRun({ collector: KMS_KEY.collector, requestedRegions: ['us-east-1'] });
    const keys = ['one', 'two', 'three'].map((id) => kmsKeyRecord(key(id)));
    await temp.store.writeScope(run.id, { assetType: 'KmsKey', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', assets: keys });
    await temp.store.finishSyncRun(run.id, 'succeeded');
  });
  afterAll(() => temp.cleanup());

  const trails = async (where: unknown): Promise<string[]> => sorted((await temp.store.findTrails(where)).map((t) => t.name));
  const keys = async (where: unknown): Promise<string[]> => sorted((await temp.store.findAssetsOfType('KmsKey', where)).map((k) => k.name as string));

  it('quantifies tags: _ALL, _SINGLE and _SOME: null, each with its exact complement', async () => {
    const every = await trails({});
    const withComplement = async (where: unknown, expected: string[]) => {
      expect(await trails(where)).toEqual(expected);
      expect(await trails({ NOT: where })).toEqual(every.filter((n) => !expected.includes(n)));
    };
    await withComplement({ tags_ALL: { value: 'blue' } }, ['a-logging', 'c-logging', 'd-plain']);
    await withComplement({ tags_SINGLE: { key_STARTS_WITH: 'team' } }, ['a-logging', 'b-stopped']);
    await withComplement({ tags_SINGLE: {} }, ['a-logging']);
    await withComplement({ tags_SOME: null }, ['c-logging']);
  });

  it('quantifies the trails of a key (another table), each with its complement', async () => {
    expect(await keys({ trails_SOME: {} })).toEqual(['one', 'two']);
    expect(await keys({ trails_SOME: null })).toEqual(['three']);
    expect(await keys({ trails_ALL: { isLogging: true } })).toEqual(['one', 'three']);
    expect(await keys({ NOT: { trails_ALL: { isLogging: true } } })).toEqual(['two']);
    expect(await keys({ trails_SINGLE: {} })).toEqual(['one']);
    expect(await keys({ trails_SINGLE: { isLogging: true } })).toEqual(['one', 'two']);
    expect(await keys({ trails_NONE: { isLogging: false } })).toEqual(['one', 'three']);
  });

  it("quantifies an account's assets", async () => {
    const api = createInventoryApi();
    const accounts = async (where: string) => {
      const result = await runQuery(api, temp.store, `{ accounts(where: ${where}) { accountId } }`);
      expect(result.errors).toBeUndefined();
      return (result.data as { accounts: { accountId: string }[] }).accounts.map((a) => a.accountId);
    };
    expect(await accounts('{trails_ALL: {isLogging: true}}')).toEqual([]);
    expect(await accounts('{trails_SINGLE: {isLogging: false}}')).toEqual([ACCOUNT]);
    expect(await accounts('{trails_SINGLE: {isLogging: true}}')).toEqual([]);
    expect(await accounts('{kmsKeys_ALL: {keyState: "Enabled"}}')).toEqual([ACCOUNT]);
  });
});
