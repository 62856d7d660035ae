// KMS keys, per region: ListKeys, ListAliases once, then per key DescribeKey, GetKeyRotationStatus (customer managed
// symmetric keys), ListKeyRotations (symmetric keys whose material can be rotated), GetKeyPolicy (`default`) and
// ListResourceTags. A call that fails for one key leaves the attributes
// it feeds unknown (null) and is recorded on the key; only a failed ListKeys fails the region.
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  paginateListAliases,
  paginateListKeyRotations,
  paginateListKeys,
  paginateListResourceTags,
  type AliasListEntry,
  type KeyListEntry,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { KMS_KEY } from '../../../src/assets/kms-key.js';
import type { CollectionError, Tag } from '../../../src/model/asset.js';
import { parseKeyPolicy, type KeyPolicy, type KmsKeyRecord } from '../../../src/model/kms-key.js';
import type { ScopeResult } from '../../../src/model/scope.js';
import type { Collector, CollectorRun } from '../../collector.js';
import { describeAwsError } from '../errors.js';

/** The largest page each listing allows (KMS API reference, Limit), so a region takes as few calls as it can. */
export const KMS_LIST_LIMITS: PageLimits = { ListKeys: 1000, ListAliases: 100, ListResourceTags: 50, ListKeyRotations: 1000 };

export interface PageLimits {
  ListKeys: number;
  ListAliases: number;
  ListResourceTags: number;
  ListKeyRotations: number;
}

/** The order a key's collection errors are listed in, whatever order its calls finished in. */
const OPERATION_ORDER = ['ListAliases', 'DescribeKey', 'GetKeyRotationStatus', 'ListKeyRotations', 'GetKeyPolicy', 'ListResourceTags'];

export const KMS_KEYS_COLLECTOR: Collector<KmsKeyRecord> = kmsKeysCollector();

/** The collector, with other page sizes (tests page through a few keys instead of a thousand). */
export function kmsKeysCollector(limits: PageLimits = KMS_LIST_LIMITS): Collector<KmsKeyRecord> {
  return { definition: KMS_KEY, collect: (run) => Promise.all(run.regions.map((region) => collectRegion({ ...run, limits }, region))) };
}

type Run = CollectorRun & { limits: PageLimits };

type Attempt = <T>(operation: string, call: () => Promise<T>) => Promise<T | undefined>;

async function collectRegion(run: Run, region: string): Promise<ScopeResult<KmsKeyRecord>> {
  const scope = { assetType: KMS_KEY.name, accountId: run.accountId, region };
  const kms = run.clients.client(KMSClient, region, 'kms');
  let keys: KeyListEntry[];
  try {
    keys = [];
    for await (const page of paginateListKeys({ client: kms, pageSize: run.limits.ListKeys }, {})) keys.push(...(page.Keys ?? []));
  } catch (error) {
    return { ...scope, status: 'failed', error: describeAwsError(error), assets: [] };
  }
  // Aliases are listed once for the region and matched to keys by TargetKeyId (an alias may point at no key yet).
  const aliases = listAliases(kms, run);
  const records = await Promise.all(keys.map((entry) => collectKey(run, region, kms, entry, aliases)));
  // A key deleted between ListKeys and DescribeKey no longer exists: it is left out, not recorded as unknown.
  return { ...scope, status: 'ok', assets: records.filter((record): record is KmsKeyRecord => record !== undefined) };
}

async function listAliases(kms: KMSClient, run: Run): Promise<{ byKeyId: Map<string, string[]> } | { error: CollectionError }> {
  try {
    const byKeyId = new Map<string, string[]>();
    const entries: AliasListEntry[] = [];
    for await (const page of paginateListAliases({ client: kms, pageSize: run.limits.ListAliases }, {})) entries.push(...(page.Aliases ?? []));
    for (const { AliasName, TargetKeyId } of entries) {
      if (!AliasName || !TargetKeyId) continue;
      byKeyId.set(TargetKeyId, [...(byKeyId.get(TargetKeyId) ?? []), AliasName]);
    }
    return { byKeyId };
  } catch (error) {
    return { error: { operation: 'ListAliases', ...describeAwsError(error) } };
  }
}

async function collectKey(
  run: Run,
  region: string,
  kms: KMSClient,
  entry: KeyListEntry,
  aliasesOfRegion: ReturnType<typeof listAliases>,
): Promise<KmsKeyRecord | undefined> {
  const keyId = entry.KeyId ?? entry.KeyArn?.split('/').pop() ?? '';
  const arn = entry.KeyArn ?? `arn:aws:kms:${region}:${run.accountId}:key/${keyId}`;
  const errors: CollectionError[] = [];
  let vanished = false;
  const attempt: Attempt = async (operation, call) => {
    try {
      return await call();
    } catch (error) {
      if (operation === 'DescribeKey' && (error as Error).name === 'NotFoundException') vanished = true;
      errors.push({ operation, ...describeAwsError(error) });
      return undefined;
    }
  };

  // By ARN, as the API reference recommends; the policy and the tags do not depend on what DescribeKey says.
  const [described, policy, tags] = await Promise.all([
    attempt('DescribeKey', () => kms.send(new DescribeKeyCommand({ KeyId: arn }))),
    attempt('GetKeyPolicy', () => kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' }))),
    attempt('ListResourceTags', () => listTags(kms, arn, run)),
  ]);
  if (vanished) return undefined;
  const metadata = described?.KeyMetadata;
  const [rotation, rotations] =
    metadata === undefined ? [null, null] : await Promise.all([rotationStatus(kms, arn, metadata, attempt), keyRotations(kms, arn, metadata, run, attempt)]);
  const aliasResult = await aliasesOfRegion;
  if ('error' in aliasResult) errors.push(aliasResult.error);
  const aliases = 'error' in aliasResult ? null : (aliasResult.byKeyId.get(keyId) ?? []).sort();

  let keyPolicy: KeyPolicy | null = null;
  // The policy as compact JSON, as the field's stored checks match it (`.+"Effect":"Allow".+`: no spaces, and no
  // newline for `.` to stop at); raw keeps the text as GetKeyPolicy returned it.
  let policyDocument = policy === undefined ? null : (policy.Policy ?? '');
  if (policy?.Policy !== undefined) {
    try {
      policyDocument = JSON.stringify(JSON.parse(policy.Policy));
      keyPolicy = parseKeyPolicy(policy.Policy);
    } catch (error) {
      errors.push({ operation: 'GetKeyPolicy', code: 'MalformedPolicyDocument', message: `the key policy is not a JSON policy: ${(error as Error).message}` });
    }
  }
  errors.sort((a, b) => OPERATION_ORDER.indexOf(a.operation) - OPERATION_ORDER.indexOf(b.operation));

  return {
    arn,
    // The key's first alias names it, as the console does; a key without one is named by its id.
    name: aliases?.[0] ?? keyId,
    accountId: run.accountId,
    region,
    tags: tags ?? null,
    collectionErrors: errors,
    raw: {
      ...(metadata === undefined ? {} : { DescribeKey: { KeyMetadata: metadata } }),
      ...(rotation === null ? {} : { GetKeyRotationStatus: rotation.raw }),
      ...(rotations?.raw === undefined ? {} : { ListKeyRotations: rotations.raw }),
      ...(policy?.Policy === undefined ? {} : { GetKeyPolicy: { Policy: policy.Policy, PolicyName: policy.PolicyName ?? 'default' } }),
    },
    keyId,
    aliases,
    ...describedFields(metadata),
    automaticRotationEnabled: rotation?.enabled ?? null,
    ...materialDates(metadata, rotations),
    policyDocument,
    keyPolicy,
  };
}

type DescribedFields = Pick<
  KmsKeyRecord,
  | 'description'
  | 'keyManager'
  | 'managementType'
  | 'keyState'
  | 'enabled'
  | 'scheduleForDeletion'
  | 'deletionDate'
  | 'keySpec'
  | 'keyUsage'
  | 'origin'
  | 'multiRegion'
  | 'creationDate'
  | 'validTo'
  | 'expirationModel'
>;

/** DescribeKey's members, or every one null when it failed. */
function describedFields(metadata: KeyMetadata | undefined): DescribedFields {
  if (metadata === undefined) {
    return {
      description: null,
      keyManager: null,
      managementType: null,
      keyState: null,
      enabled: null,
      scheduleForDeletion: null,
      deletionDate: null,
      keySpec: null,
      keyUsage: null,
      origin: null,
      multiRegion: null,
      creationDate: null,
      validTo: null,
      expirationModel: null,
    };
  }
  const keyManager = metadata.KeyManager ?? '';
  return {
    description: metadata.Description ?? '',
    keyManager,
    managementType: keyManager === 'AWS' ? 'AWSManaged' : keyManager === 'CUSTOMER' ? 'CustomerManaged' : null,
    keyState: metadata.KeyState ?? '',
    enabled: metadata.Enabled ?? false,
    scheduleForDeletion: metadata.KeyState === 'PendingDeletion',
    deletionDate: metadata.DeletionDate?.toISOString() ?? null,
    keySpec: specOf(metadata),
    keyUsage: metadata.KeyUsage ?? '',
    origin: metadata.Origin ?? '',
    // Responses from before multi-Region keys (2021) leave the member out: those keys are single-Region.
    multiRegion: metadata.MultiRegion ?? false,
    creationDate: metadata.CreationDate?.toISOString() ?? null,
    // Present only for imported key material (EXTERNAL) that holds material; ValidTo only when it expires.
    validTo: metadata.ValidTo?.toISOString() ?? null,
    expirationModel: metadata.ExpirationModel ?? '',
  };
}

/**
 * KeySpec, or its older name CustomerMasterKeySpec; a response with neither predates key specs (2019), when every
 * KMS key was a symmetric encryption key.
 */
function specOf(metadata: KeyMetadata): string {
  return metadata.KeySpec ?? metadata.CustomerMasterKeySpec ?? (metadata.KeyUsage === 'ENCRYPT_DECRYPT' ? 'SYMMETRIC_DEFAULT' : '');
}

/**
 * Whether the key rotates automatically, as AWS documents it: AWS managed keys always do (yearly since 2022); only
 * customer managed symmetric keys can be asked, and one that cannot rotate (imported key material, a custom key
 * store: UnsupportedOperationException) does not; asymmetric and HMAC keys never do.
 */
async function rotationStatus(kms: KMSClient, arn: string, metadata: KeyMetadata, attempt: Attempt): Promise<{ enabled: boolean | null; raw?: unknown } | null> {
  if (metadata.KeyManager === 'AWS') return { enabled: true };
  if (specOf(metadata) !== 'SYMMETRIC_DEFAULT') return { enabled: false };
  let unsupported = false;
  const status = await attempt('GetKeyRotationStatus', async () => {
    try {
      return await kms.send(new GetKeyRotationStatusCommand({ KeyId: arn }));
    } catch (error) {
      if ((error as Error).name !== 'UnsupportedOperationException') throw error;
      unsupported = true;
      return undefined;
    }
  });
  if (unsupported) return { enabled: false };
  if (status === undefined) return { enabled: null };
  const { $metadata: _, ...raw } = status;
  return { enabled: status.KeyRotationEnabled ?? false, raw };
}

/**
 * The key's completed rotations, every page (ListKeyRotations lists them by default, ROTATIONS_ONLY). Asked, as the
 * API reference allows, of the keys whose material can be rotated: symmetric encryption keys with material KMS
 * generated (automatic and on-demand rotation, AWS managed keys included, which KMS rotates yearly) or imported
 * (on-demand rotation of imported material). Asymmetric and HMAC keys and keys in custom key stores cannot be rotated
 * and are not asked (AWS answers UnsupportedOperationException, read as "never rotated" should it still come).
 */
async function keyRotations(kms: KMSClient, arn: string, metadata: KeyMetadata, run: Run, attempt: Attempt): Promise<{ dates: string[]; raw?: unknown } | null> {
  if (!materialRotates(metadata)) return { dates: [] };
  let unsupported = false;
  const listed = await attempt('ListKeyRotations', async () => {
    try {
      const rotations = [];
      for await (const page of paginateListKeyRotations({ client: kms, pageSize: run.limits.ListKeyRotations }, { KeyId: arn }))
        rotations.push(...(page.Rotations ?? []));
      return rotations;
    } catch (error) {
      if ((error as Error).name !== 'UnsupportedOperationException') throw error;
      unsupported = true;
      return [];
    }
  });
  if (listed === undefined) return null;
  const dates = listed.flatMap((rotation) => (rotation.RotationDate === undefined ? [] : [rotation.RotationDate.toISOString()]));
  return { dates, raw: unsupported ? undefined : { Rotations: listed } };
}

/** Symmetric encryption keys whose material KMS generated or that was imported: the keys KMS can rotate. */
function materialRotates(metadata: KeyMetadata): boolean {
  return specOf(metadata) === 'SYMMETRIC_DEFAULT' && (metadata.Origin === 'AWS_KMS' || metadata.Origin === 'EXTERNAL' || metadata.Origin === undefined);
}

/**
 * The key material's dates: the newest rotation, and since when the current material is in use (that rotation, else
 * the key's creation). Unknown (null) when DescribeKey or ListKeyRotations failed.
 */
function materialDates(metadata: KeyMetadata | undefined, rotations: { dates: string[] } | null): Pick<KmsKeyRecord, 'lastRotationDate' | 'keyMaterialDate'> {
  if (metadata === undefined || rotations === null) return { lastRotationDate: null, keyMaterialDate: null };
  const lastRotationDate = rotations.dates.reduce<string | null>((newest, date) => (newest === null || date > newest ? date : newest), null);
  return { lastRotationDate, keyMaterialDate: lastRotationDate ?? metadata.CreationDate?.toISOString() ?? null };
}

/** Every tag of the key, in key order: the same tags always make the same record. */
async function listTags(kms: KMSClient, arn: string, run: Run): Promise<Tag[]> {
  const tags: Tag[] = [];
  for await (const page of paginateListResourceTags({ client: kms, pageSize: run.limits.ListResourceTags }, { KeyId: arn })) {
    for (const tag of page.Tags ?? []) tags.push({ key: tag.TagKey ?? '', value: tag.TagValue ?? '' });
  }
  return tags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
