// AWS KMS keys (ListKeys, DescribeKey, GetKeyRotationStatus, ListKeyRotations, GetKeyPolicy, ListAliases,
// ListResourceTags): one asset
// per key ARN, listed in every region. A trail's kmsKeyID is its key's ARN, so Trail.kmsKey and KmsKey.trails are
// declared here, on the type that is added, and Trail's definition is left as it is.
import type { KmsKeyRecord } from '../model/kms-key.js';
import type { AssetField, AssetTypeDefinition, JsonShape } from './definition.js';

const field = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField => ({
  field: name,
  column,
  kind,
  nullable: false,
  history: true,
  ...extra,
});

/** Read by a call that may fail for one key: NULL then, with a collection error saying why. */
const fromCall = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField =>
  field(name, column, kind, { nullable: true, ...extra });

/** `type KeyPolicy` (its SDL), as stored: `keyPolicy: {statements_SOME: {effect: "Allow", principals_INCLUDES: "AWS|*"}}`. */
const KEY_POLICY: JsonShape = {
  statements: [
    {
      sid: 'string',
      effect: 'string',
      principals: ['string'],
      actions: ['string'],
      notActions: ['string'],
      resources: ['string'],
      conditions: [{ operator: 'string', key: 'string', values: ['string'] }],
    },
  ],
};

export const KMS_KEY: AssetTypeDefinition<KmsKeyRecord> = {
  name: 'KmsKey',
  plural: 'kmsKeys',
  table: 'kms_keys',
  description: 'An AWS KMS key, once per key ARN: its state, rotation, key policy and aliases.',
  internalAssetType: 'KMSKey',
  assetCategory: 'Encryption',
  scope: 'regional',
  collector: 'aws.kms.keys',
  iamActions: ['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:ListKeyRotations', 'kms:GetKeyPolicy', 'kms:ListAliases', 'kms:ListResourceTags'],
  fields: [
    field('keyId', 'key_id', 'string'),
    fromCall('aliases', 'aliases', 'json', { shape: ['string'] }),
    fromCall('description', 'description', 'string'),
    fromCall('keyManager', 'key_manager', 'string'),
    fromCall('managementType', 'management_type', 'string'),
    fromCall('keyState', 'key_state', 'string'),
    fromCall('enabled', 'enabled', 'boolean'),
    fromCall('scheduleForDeletion', 'schedule_for_deletion', 'boolean'),
    fromCall('deletionDate', 'deletion_date', 'datetime'),
    fromCall('keySpec', 'key_spec', 'string'),
    fromCall('keyUsage', 'key_usage', 'string'),
    fromCall('origin', 'origin', 'string'),
    fromCall('multiRegion', 'multi_region', 'boolean'),
    fromCall('creationDate', 'creation_date', 'datetime'),
    fromCall('validTo', 'valid_to', 'datetime'),
    fromCall('expirationModel', 'expiration_model', 'string'),
    fromCall('automaticRotationEnabled', 'automatic_rotation_enabled', 'boolean'),
    fromCall('lastRotationDate', 'last_rotation_date', 'datetime'),
    // Derived from creationDate and lastRotationDate, whose history records every change of it.
    fromCall('keyMaterialDate', 'key_material_date', 'datetime', { history: false }),
    fromCall('policyDocument', 'policy_document', 'string'),
    // Derived from policyDocument, whose history already records every change of it.
    fromCall('keyPolicy', 'key_policy', 'json', { history: false, shape: KEY_POLICY }),
  ],
  rowLists: {
    service: 'KMS',
    quotas: {
      'KmsKey.collectionErrors': {
        most: 6,
        why: 'one per call that may fail for a key: DescribeKey, GetKeyRotationStatus, ListKeyRotations, GetKeyPolicy, ListResourceTags, ListAliases',
      },
      // A key policy is at most 32 KB (32,768 characters); KMS accepts no statement without Effect, Principal and Action,
      // so the shortest, {"Effect":"Deny","Principal":"*","Action":"*"}, takes 46 of them.
      'KeyPolicy.statements': { most: 712, why: 'a key policy is at most 32 KB, and a statement KMS accepts takes at least 46 characters' },
      // Across all statements: each condition key takes at least 7 characters ("k":"v").
      'KeyPolicyStatement.conditions': { most: 4681, why: 'a key policy is at most 32 KB, and each condition key takes at least 7 characters' },
    },
  },
  relations: [
    // Trail.kmsKey (one) ↔ KmsKey.trails (many): a trail's kmsKeyID equals the key's ARN, also across accounts.
    { field: 'trails', target: 'Trail', cardinality: 'many', from: 'arn', to: 'kmsKeyID', inverse: { field: 'kmsKey', cardinality: 'one' } },
  ],
};
