// Amazon S3 buckets (ListBuckets once per account, then per bucket GetBucketLocation and, in the bucket's region,
// GetBucketAcl, GetBucketPolicy, GetBucketPolicyStatus, GetBucketPublicAccessBlock, GetBucketLogging,
// GetBucketEncryption, GetBucketVersioning, GetBucketTagging; S3 Control GetPublicAccessBlock once per account): one
// asset per bucket ARN. A trail's s3BucketName is its bucket's name, so Trail.s3Bucket and Bucket.trails are declared
// here, on the type that is added, as the KMS key type declares Trail.kmsKey.
import type { BucketRecord } from '../model/bucket.js';
import type { AssetField, AssetTypeDefinition, JsonShape, SqlExpressions } from './definition.js';

const field = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField => ({
  field: name,
  column,
  kind,
  nullable: false,
  history: true,
  ...extra,
});

/** Read by a call that may fail for one bucket: NULL then, with a collection error saying why. */
const fromCall = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField =>
  field(name, column, kind, { nullable: true, ...extra });

/** `type BucketPolicy` (its SDL), as stored: the statements of a policy parsed as a key policy's are. */
const BUCKET_POLICY: JsonShape = {
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

/** `type BucketACLGrant`, as stored: `hasBucketACLGrant_SOME: {granteeURI: "...AllUsers", permission_IN: [...]}`. */
const ACL_GRANT: JsonShape = { granteeType: 'string', granteeURI: 'string', granteeID: 'string', granteeDisplayName: 'string', permission: 'string' };

const PUBLIC_ACCESS_BLOCK: JsonShape = { blockPublicAcls: 'boolean', ignorePublicAcls: 'boolean', blockPublicPolicy: 'boolean', restrictPublicBuckets: 'boolean' };

/** `type TrailEventSelectorDataResource`, as computed: `trailEventSelectorDataResources_ALL: {eventSelector: {...}}`. */
const TRAIL_DATA_RESOURCE: JsonShape = { trailARN: 'string', trailIsLogging: 'boolean', eventSelector: { readWriteType: 'string', includeManagementEvents: 'boolean' } };

/**
 * The trails whose data-event selectors log the bucket's object events (README, S3 buckets: "Object-level logging"),
 * one item per covering selector, read from the stored trails at every read: trails and buckets come from different
 * accounts and syncs. A selector covers the bucket when it selects AWS::S3::Object events with a value that names the
 * bucket (`arn:aws:s3:::<name>/` and any prefix under it, an advanced StartsWith or Equals under it), or with one that
 * covers many buckets (`arn:aws:s3`, `arn:aws:s3:::`, an advanced selector without resources.ARN, a StartsWith shorter
 * than the bucket's) and the trail logs the bucket's account (its own, or a member's for an organization trail that
 * account sees). A single-region trail logs the buckets of its home region only.
 */
const trailEventSelectorDataResources = (d: SqlExpressions): string => {
  const trail = 'covering_trail';
  const bucketPath = `buckets.arn || '/'`;
  // The value names this bucket: the bucket's ARN and a slash begin it (the bucket, or a prefix of its objects).
  const namesBucket = (value: string) => `substr(${value}, 1, length(${bucketPath})) = ${bucketPath}`;
  // The value begins the ARN of every object of the bucket and is shorter than the bucket's own: many buckets.
  const coversMany = (value: string) => `(length(${value}) < length(${bucketPath}) AND substr(${bucketPath}, 1, length(${value})) = ${value})`;
  // The trail logs the bucket's account: its own, or a member account that sees the organization trail.
  const logsAccount = `(${trail}.account_id = buckets.account_id OR (${trail}.is_organization_trail
      AND EXISTS (SELECT 1 FROM asset_sightings bucket_trail_sighting WHERE bucket_trail_sighting.asset_id = ${trail}.arn AND bucket_trail_sighting.account_id = buckets.account_id)))`;
  const inRegion = `(${trail}.is_multi_region_trail OR ${trail}.home_region = buckets.region)`;
  const covers = (value: string) => `(${namesBucket(value)} OR (${coversMany(value)} AND ${logsAccount}))`;
  const basic = `FROM trails ${trail}, ${d.jsonArrayElements(`${trail}.event_selectors`, [], 'bucket_selector')}
     WHERE ${trail}.deleted_at IS NULL AND ${inRegion}
       AND EXISTS (SELECT 1 FROM ${d.jsonArrayElements('bucket_selector.value', ['dataResources'], 'bucket_data_resource')},
                        ${d.jsonArrayElements('bucket_data_resource.value', ['values'], 'bucket_resource_value')}
                    WHERE ${d.jsonText('bucket_data_resource.value', ['type'])} = 'AWS::S3::Object' AND ${covers(d.jsonElementText('bucket_resource_value'))})`;
  // An advanced selector's condition on `fieldName` with one value under `member` (equals, startsWith) meeting `test`.
  const condition = (fieldName: string, member: string, test: (value: string) => string) =>
    `EXISTS (SELECT 1 FROM ${d.jsonArrayElements('bucket_advanced.value', ['fieldSelectors'], 'bucket_field')},
                           ${d.jsonArrayElements('bucket_field.value', [member], 'bucket_field_value')}
              WHERE ${d.jsonText('bucket_field.value', ['field'])} = '${fieldName}' AND ${test(d.jsonElementText('bucket_field_value'))})`;
  const hasField = (fieldName: string) =>
    `EXISTS (SELECT 1 FROM ${d.jsonArrayElements('bucket_advanced.value', ['fieldSelectors'], 'bucket_field')} WHERE ${d.jsonText('bucket_field.value', ['field'])} = '${fieldName}')`;
  const advanced = `FROM trails ${trail}, ${d.jsonArrayElements(`${trail}.advanced_event_selectors`, [], 'bucket_advanced')}
     WHERE ${trail}.deleted_at IS NULL AND ${inRegion}
       AND ${condition('eventCategory', 'equals', (value) => `${value} = 'Data'`)}
       AND ${condition('resources.type', 'equals', (value) => `${value} = 'AWS::S3::Object'`)}
       AND ((NOT ${hasField('resources.ARN')} AND ${logsAccount})
         OR ${condition('resources.ARN', 'startsWith', covers)}
         OR ${condition('resources.ARN', 'equals', namesBucket)})`;
  // readOnly = true logs reads, false writes; without the field, both.
  const advancedReadWrite = `CASE WHEN ${condition('readOnly', 'equals', (value) => `${value} = 'true'`)} THEN 'ReadOnly'
      WHEN ${condition('readOnly', 'equals', (value) => `${value} = 'false'`)} THEN 'WriteOnly' ELSE 'All' END`;
  const covering = `FROM (SELECT ${trail}.arn AS trail_arn, coalesce(${d.jsonText('bucket_selector.value', ['readWriteType'])}, 'All') AS read_write_type,
        ${d.jsonIsTrue('bucket_selector.value', ['includeManagementEvents'])} AS include_management_events, ${trail}.is_logging AS trail_is_logging ${basic}
      UNION ALL SELECT ${trail}.arn, ${advancedReadWrite}, 1 = 0, ${trail}.is_logging ${advanced}) covering`;
  const item = d.jsonObject([
    ['trailARN', 'covering.trail_arn'],
    // A stopped trail logs nothing: our controls ask for a logging one (false too when its status could not be read).
    ['trailIsLogging', d.jsonBoolean('covering.trail_is_logging')],
    [
      'eventSelector',
      d.jsonObject([
        ['readWriteType', 'covering.read_write_type'],
        ['includeManagementEvents', d.jsonBoolean('covering.include_management_events')],
      ]),
    ],
  ]);
  return d.jsonArrayOf(item, covering, 'covering.trail_arn, covering.read_write_type');
};

export const BUCKET: AssetTypeDefinition<BucketRecord> = {
  name: 'Bucket',
  plural: 'buckets',
  table: 'buckets',
  description: 'An Amazon S3 bucket, once per ARN: its region, ACL, policy, public access blocks, logging, encryption and versioning.',
  internalAssetType: 'Bucket',
  assetCategory: 'Storage',
  scope: 'account',
  collector: 'aws.s3.buckets',
  iamActions: [
    's3:ListAllMyBuckets',
    's3:GetBucketLocation',
    's3:GetBucketAcl',
    's3:GetBucketPolicy',
    's3:GetBucketPolicyStatus',
    's3:GetBucketPublicAccessBlock',
    's3:GetAccountPublicAccessBlock',
    's3:GetBucketLogging',
    's3:GetEncryptionConfiguration',
    's3:GetBucketVersioning',
    's3:GetBucketTagging',
  ],
  fields: [
    field('creationDate', 'creation_date', 'datetime', { nullable: true }),
    fromCall('policyDocument', 'policy_document', 'string'),
    // Derived from policyDocument, whose history already records every change of it.
    fromCall('bucketPolicy', 'bucket_policy', 'json', { history: false, shape: BUCKET_POLICY }),
    fromCall('policyIsPublic', 'policy_is_public', 'boolean'),
    fromCall('hasBucketACLGrant', 'acl_grants', 'json', { shape: [ACL_GRANT] }),
    fromCall('aclOwnerID', 'acl_owner_id', 'string'),
    fromCall('publicAccessBlock', 'public_access_block', 'json', { shape: PUBLIC_ACCESS_BLOCK }),
    fromCall('accountPublicAccessBlock', 'account_public_access_block', 'json', { shape: PUBLIC_ACCESS_BLOCK }),
    // Derived from the two blocks, whose history records every change of it.
    fromCall('publicAccessBlocked', 'public_access_blocked', 'boolean', { history: false }),
    fromCall('loggingEnabled', 'logging_enabled', 'boolean'),
    fromCall('loggingTargetBucket', 'logging_target_bucket', 'string'),
    fromCall('loggingTargetPrefix', 'logging_target_prefix', 'string'),
    fromCall('encrypted', 'encrypted', 'boolean'),
    fromCall('encryptionAlgorithm', 'encryption_algorithm', 'string'),
    fromCall('encryptionKeyID', 'encryption_key_id', 'string'),
    fromCall('bucketKeyEnabled', 'bucket_key_enabled', 'boolean'),
    fromCall('versioningStatus', 'versioning_status', 'string'),
    fromCall('versioningEnabled', 'versioning_enabled', 'boolean', { history: false }),
    fromCall('bucketVersioningMFADelete', 'bucket_versioning_mfa_delete', 'boolean'),
    field('trailEventSelectorDataResources', 'trail_event_selector_data_resources', 'json', {
      history: false,
      computed: trailEventSelectorDataResources,
      shape: [TRAIL_DATA_RESOURCE],
    }),
  ],
  rowLists: {
    service: 'S3',
    quotas: {
      'Bucket.collectionErrors': {
        most: 10,
        why: 'one per call that may fail for a bucket: GetBucketLocation, S3 Control GetPublicAccessBlock, GetBucketAcl, GetBucketPolicy (or its text is no JSON policy), GetBucketPolicyStatus, GetPublicAccessBlock, GetBucketLogging, GetBucketEncryption, GetBucketVersioning, GetBucketTagging',
      },
      'Bucket.hasBucketACLGrant': { most: 100, why: 'an access control list holds at most 100 grants' },
      // A bucket policy is at most 20 KB; the shortest statement S3 accepts, {"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}, takes 61 characters.
      'BucketPolicy.statements': { most: 335, why: 'a bucket policy is at most 20 KB, and a statement S3 accepts takes at least 61 characters' },
      'BucketPolicyStatement.conditions': { most: 2925, why: 'a bucket policy is at most 20 KB, and each condition key takes at least 7 characters' },
    },
  },
  relations: [
    // Trail.s3Bucket (one) ↔ Bucket.trails (many): a trail's s3BucketName is its bucket's name, also across accounts.
    { field: 'trails', target: 'Trail', cardinality: 'many', from: 'name', to: 's3BucketName', inverse: { field: 's3Bucket', cardinality: 'one' } },
  ],
  accountListNote:
    'every bucket ListBuckets gave for the account, by ARN. As a filter, `buckets_SOME` and `buckets_NONE` take a\n' +
    'BucketWhere, e.g. accounts with a bucket open to everyone: `accounts(where: {buckets_SOME: {policyIsPublic: true}})`.',
};
