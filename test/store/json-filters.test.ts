// Filters into JSON fields (README, Querying: "Filters into JSON"), on both engines, for a type defined only here: a
// policy-shaped object field and a list of strings. Lists of objects are quantified (_SOME, _NONE, `{}` any), lists of
// strings searched (_INCLUDES, _NOT_INCLUDES), objects entered; an unknown (NULL) value is "not equal" to everything,
// so NOT is an exact complement of every filter.
import { afterEach, describe, expect, it } from 'vitest';
import type { InventoryStore } from '../../src/store/store.js';
import { FilterError } from '../../src/store/where.js';
import type { TempStore } from '../support/store.js';
import { ACCOUNT, ALL, ANYONE, openVaults, ROOT, VAULT, VAULTS, vault, type VaultRecord } from '../support/vaults.js';

let temp: TempStore;
let store: InventoryStore;
afterEach(async () => {
  if (store && store !== temp?.store) await store.close();
  await temp?.cleanup();
});

async function open(): Promise<void> {
  ({ temp, store } = await openVaults());
}

const names = async (where: unknown): Promise<string[]> => (await store.findAssetsOfType('Vault', where)).map((v) => v.name as string).sort();
const sorted = (list: string[]): string[] => [...list].sort();
/** The filter and its NOT: together every vault, each exactly once. */
async function expectWithComplement(where: unknown, expected: string[]): Promise<void> {
  expect(await names(where)).toEqual(sorted(expected));
  expect(await names({ NOT: where })).toEqual(sorted(ALL.filter((n) => !expected.includes(n))));
}

const ALLOWS_ANYONE = { effect: 'Allow', principals_INCLUDES: ANYONE };

describe('filters into JSON fields', () => {
  it('quantifies lists of objects, searches lists of strings and enters objects; NOT is the exact complement', async () => {
    await open();
    // The example: a statement that allows anyone.
    await expectWithComplement({ policy: { statements_SOME: ALLOWS_ANYONE } }, ['open', 'guarded']);
    // No statement allows anyone: an unknown policy has no such statement known, so it is listed (never hidden from a check).
    await expectWithComplement({ policy: { statements_NONE: ALLOWS_ANYONE } }, ['denied', 'empty', 'unknown']);
    // {} is any: a policy with some statement, and with none.
    await expectWithComplement({ policy: { statements_SOME: {} } }, ['open', 'guarded', 'denied']);
    await expectWithComplement({ policy: { statements_NONE: {} } }, ['empty', 'unknown']);
    // {} on the object itself is no constraint, as everywhere.
    expect(await names({ policy: {} })).toEqual(sorted(ALL));
    // Nested lists of objects, with two fields of one condition.
    await expectWithComplement({ policy: { statements_SOME: { conditions_SOME: { operator: 'StringEquals', key: 'kms:CallerAccount' } } } }, ['guarded']);
    await expectWithComplement({ policy: { statements_SOME: { conditions_SOME: { operator: 'StringEquals', key: 'aws:SourceArn' } } } }, []);
    await expectWithComplement({ policy: { statements_SOME: { ...ALLOWS_ANYONE, conditions_NONE: {} } } }, ['open']);
    await expectWithComplement({ policy: { statements_SOME: { conditions_SOME: { values_INCLUDES: ACCOUNT } } } }, ['guarded']);
    // Every field of one statement holds together: denied has anyone (denied) and an Allow, in two statements.
    await expectWithComplement({ policy: { statements_SOME: { effect: 'Deny', principals_INCLUDES: ANYONE } } }, ['denied']);
    await expectWithComplement({ policy: { statements_SOME: { effect_NOT: 'Allow' } } }, ['denied']);
    await expectWithComplement({ policy: { statements_SOME: { principals_NOT_INCLUDES: ANYONE } } }, ['denied']);
    await expectWithComplement({ policy: { statements_SOME: { effect_IN: ['Deny', 'Other'], sid: '' } } }, ['denied']);
    await expectWithComplement({ policy: { statements_SOME: { actions_INCLUDES: 'kms:*', principals_INCLUDES: ROOT } } }, ['guarded', 'denied']);
  });

  it('compares the scalars of a JSON object by their kinds; an unknown one is "not equal" to every value', async () => {
    await open();
    await expectWithComplement({ policy: { version: '2012-10-17' } }, ['open', 'guarded', 'denied', 'empty']);
    await expectWithComplement({ policy: { version_NOT: '2012-10-17' } }, ['unknown']);
    await expectWithComplement({ policy: { version_STARTS_WITH: '2012' } }, ['open', 'guarded', 'denied', 'empty']);
    await expectWithComplement({ policy: { limits: { maxUses_GT: 1 } } }, ['open', 'empty']);
    await expectWithComplement({ policy: { limits: { maxUses_IN: [1, 10] } } }, ['guarded', 'denied', 'empty']);
    await expectWithComplement({ policy: { limits: { maxUses_NOT_IN: [1, 10] } } }, ['open', 'unknown']);
    await expectWithComplement({ policy: { limits: { enforced: true } } }, ['guarded', 'denied', 'empty']);
    await expectWithComplement({ policy: { limits: { enforced: false } } }, ['open']);
    await expectWithComplement({ policy: { limits: { enforced_NOT: true } } }, ['open', 'unknown']);
  });

  it('searches a JSON list of strings held in a column, an unknown list holding nothing', async () => {
    await open();
    await expectWithComplement({ labels_INCLUDES: 'prod' }, ['open', 'guarded', 'denied', 'empty']);
    await expectWithComplement({ labels_NOT_INCLUDES: 'prod' }, ['unknown']);
    await expectWithComplement({ labels_INCLUDES: 'pro' }, []);
  });

  it('merges and combines JSON filters in AND, OR and NOT like any relation filter', async () => {
    await open();
    await expectWithComplement({ OR: [{ policy: { statements_SOME: { effect: 'Deny' } } }, { policy: { statements_SOME: { conditions_SOME: {} } } }] }, [
      'guarded',
      'denied',
    ]);
    await expectWithComplement({ AND: [{ policy: { statements_NONE: { effect: 'Deny' } } }, { policy: { statements_NONE: ALLOWS_ANYONE } }] }, ['empty', 'unknown']);
    await expectWithComplement({ AND: [{ policy: { limits: { enforced: true } } }, { policy: { statements_SOME: {} } }] }, ['guarded', 'denied']);
    await expectWithComplement({ policy: { NOT: { statements_SOME: {} } } }, ['empty', 'unknown']);
    await expectWithComplement({ policy: { OR: [{ version: 'x' }, { limits: { maxUses: 5 } }] } }, ['open']);
    expect(await store.countAssets('Vault', { policy: { statements_SOME: ALLOWS_ANYONE } })).toBe(2);
  });

  it('says where a filter names what the JSON field does not hold, and refuses null', async () => {
    await open();
    const refusal = async (where: unknown): Promise<string> => {
      try {
        await names(where);
      } catch (error) {
        expect(error).toBeInstanceOf(FilterError);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(await refusal({ policy: { statements_SOME: { effectt: 'Allow' } } })).toBe('where.policy.statements_SOME.effectt: unknown filter field "effectt"');
    expect(await refusal({ policy: { statements: {} } })).toContain(
      'where.policy.statements: "statements" is not a filter: statements is filtered as statements_SOME, statements_NONE',
    );
    expect(await refusal({ policy: { statements_SOME: { principals: ANYONE } } })).toContain('where.policy.statements_SOME.principals: "principals" is not a filter');
    expect(await refusal({ labels_INCLUDES: null })).toContain('where.labels_INCLUDES: null is not a value');
    expect(await refusal({ policy: null })).toContain('where.policy: null is not a filter');
    expect(await refusal({ labels_INCLUDES: 3 })).toContain('labels takes a string');
  });
});

describe('a JSON value not of its declared shape', () => {
  it('is unknown where it differs, never an error', async () => {
    await open();
    const odd = {
      ...vault('odd', null),
      policy: { version: 7, statements: { effect: 'Allow' }, limits: { maxUses: 'many', enforced: 'yes' } },
    } as unknown as VaultRecord;
    const run = await store.startSyncRun({ collector: VAULT.collector, requestedRegions: ['us-east-1'] });
    await store.writeScope(run.id, { assetType: 'Vault', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', assets: [...VAULTS, odd] });
    await store.finishSyncRun(run.id, 'succeeded');
    expect(await names({ name: 'odd', policy: { statements_SOME: {} } })).toEqual([]);
    expect(await names({ name: 'odd', policy: { statements_NONE: {} } })).toEqual(['odd']);
    expect(await names({ name: 'odd', policy: { limits: { maxUses_GT: 0 } } })).toEqual([]);
    expect(await names({ name: 'odd', policy: { limits: { enforced_NOT: true } } })).toEqual(['odd']);
    expect(await names({ name: 'odd', policy: { version: '7' } })).toEqual([]);
    expect(await names({ name: 'odd', policy: { version_NOT: '7' } })).toEqual(['odd']);
  });
});
