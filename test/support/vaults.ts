// A test-only asset type with a policy-shaped JSON field and a list of strings (Vault), its table as a migration would
// create it, and five vaults that differ in their policies, one of them not collected: for the filters into JSON.
import type { AssetTypeDefinition, JsonShape } from '../../src/assets/definition.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import type { CollectedAsset } from '../../src/model/asset.js';
import type { InventoryStore } from '../../src/store/store.js';
import { ON_POSTGRES, openTempStore, type TempStore } from './store.js';

interface Statement {
  sid: string;
  effect: string;
  principals: string[];
  actions: string[];
  conditions: { operator: string; key: string; values: string[] }[];
}

export interface VaultRecord extends CollectedAsset {
  policy: { version: string; statements: Statement[]; limits: { maxUses: number; enforced: boolean } } | null;
  labels: string[] | null;
}

export const POLICY_SHAPE: JsonShape = {
  version: 'string',
  statements: [
    {
      sid: 'string',
      effect: 'string',
      principals: ['string'],
      actions: ['string'],
      conditions: [{ operator: 'string', key: 'string', values: ['string'] }],
    },
  ],
  limits: { maxUses: 'integer', enforced: 'boolean' },
};

export const VAULT: AssetTypeDefinition<VaultRecord> = {
  name: 'Vault',
  plural: 'vaults',
  table: 'vaults',
  description: 'A test-only type with a policy.',
  internalAssetType: 'Test',
  assetCategory: 'Test',
  scope: 'regional',
  collector: 'test.vaults',
  iamActions: [],
  fields: [
    { field: 'policy', column: 'policy', kind: 'json', nullable: true, history: true, shape: POLICY_SHAPE },
    { field: 'labels', column: 'labels', kind: 'json', nullable: true, history: true, shape: ['string'] },
  ],
  relations: [],
};

export const CREATE_VAULTS = (postgres: boolean) => {
  const text = postgres ? 'text COLLATE "C"' : 'TEXT';
  const bool = postgres ? 'boolean' : 'INTEGER';
  const json = postgres ? 'jsonb' : 'TEXT';
  return `CREATE TABLE vaults (
    arn ${text} PRIMARY KEY, name ${text} NOT NULL, account_id ${text} NOT NULL, region ${text} NOT NULL,
    first_seen_at ${text} NOT NULL, last_seen_at ${text} NOT NULL, deleted_at ${text}, last_run_id integer NOT NULL,
    content_hash ${text} NOT NULL, config_hash ${text} NOT NULL, tags_known ${bool} NOT NULL,
    collection_errors ${json} NOT NULL, raw ${json} NOT NULL, policy ${json}, labels ${json})`;
};

export const ACCOUNT = '111122223333';
export const ANYONE = 'AWS|*';
export const ROOT = `AWS|arn:aws:iam::${ACCOUNT}:root`;

const statement = (effect: string, principals: string[], conditions: Statement['conditions'] = []): Statement => ({
  sid: '',
  effect,
  principals,
  actions: ['kms:*'],
  conditions,
});
const policy = (statements: Statement[], maxUses = 1, enforced = true): VaultRecord['policy'] => ({
  version: '2012-10-17',
  statements,
  limits: { maxUses, enforced },
});

export function vault(name: string, vaultPolicy: VaultRecord['policy'], labels: string[] | null = ['prod']): VaultRecord {
  return {
    arn: `arn:aws:test:us-east-1:${ACCOUNT}:vault/${name}`,
    name,
    accountId: ACCOUNT,
    region: 'us-east-1',
    tags: [],
    collectionErrors: vaultPolicy === null ? [{ operation: 'GetPolicy', code: 'AccessDenied', message: 'denied' }] : [],
    raw: {},
    policy: vaultPolicy,
    labels,
  };
}

export const VAULTS = [
  // Anyone may use it.
  vault('open', policy([statement('Allow', [ANYONE])], 5, false)),
  // Anyone, but only from the account.
  vault('guarded', policy([statement('Allow', [ANYONE, ROOT], [{ operator: 'StringEquals', key: 'kms:CallerAccount', values: [ACCOUNT] }])])),
  // Anyone is denied; the account's root allowed.
  vault('denied', policy([statement('Deny', [ANYONE]), statement('Allow', [ROOT])])),
  vault('empty', policy([], 10, true)),
  // The policy could not be read.
  vault('unknown', null, null),
];
export const ALL = VAULTS.map((v) => v.name);

/** A fresh inventory holding the vault table, with VAULTS synced. */
export async function openVaults(): Promise<{ temp: TempStore; store: InventoryStore }> {
  const temp = await openTempStore();
  await temp.sql(CREATE_VAULTS(ON_POSTGRES));
  const store = await temp.reopen({ assetTypes: [...ASSET_TYPES, VAULT as unknown as AssetTypeDefinition] });
  const run = await store.startSyncRun({ collector: VAULT.collector, requestedRegions: ['us-east-1'] });
  await store.writeScope(run.id, { assetType: 'Vault', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', assets: VAULTS });
  await store.finishSyncRun(run.id, 'succeeded');
  return { temp, store };
}
