// The KMS operations the simulator answers (AWS KMS API reference): ListKeys, ListAliases, ListResourceTags,
// ListKeyRotations (paginated with Limit, Marker, NextMarker and Truncated), DescribeKey, GetKeyRotationStatus,
// GetKeyPolicy.

import { AwsError } from '../errors.js';
import { EpochSeconds } from '../json.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';
import type { Scenario, SimAccount } from '../scenario.js';
import { aliasArn, keyManager, keyMetadata, keyOrigin, keyPolicy, keySpec, keyState, keysInRegion, notFound, resolveKey, type FoundKey } from './keys.js';

export interface KmsRequestContext {
  scenario: Scenario;
  caller: SimAccount;
  callerArn: string;
  region: string;
  operation: string;
}

type Input = Record<string, unknown>;
type Operation = (context: KmsRequestContext, input: Input) => Record<string, unknown>;

/** Page sizes per operation: [largest Limit, the default] (API reference, each operation's Limit). */
export const KMS_PAGE_LIMITS = { ListKeys: [1000, 100], ListAliases: [100, 50], ListResourceTags: [50, 50], ListKeyRotations: [1000, 100] } as const;

/** Days between automatic rotations when a request does not say (EnableKeyRotation's default RotationPeriodInDays). */
const DEFAULT_ROTATION_PERIOD_DAYS = 365;

export const KMS_OPERATIONS: Record<string, Operation> = {
  ListKeys: (context, input) =>
    page(context, input, 'ListKeys', keysInRegion(context.caller, context.region), ({ key, arn }) => ({ KeyId: key.KeyId, KeyArn: arn }), 'Keys'),
  ListAliases: listAliases,
  ListResourceTags: listResourceTags,
  DescribeKey: (context, input) => ({ KeyMetadata: keyMetadata(keyOf(context, input, { aliases: true, crossAccount: true })) }),
  GetKeyRotationStatus: getKeyRotationStatus,
  ListKeyRotations: listKeyRotations,
  GetKeyPolicy: getKeyPolicy,
};

/** The key named by the KeyId member (required). */
function keyOf(context: KmsRequestContext, input: Input, options: { aliases: boolean; crossAccount: boolean }): FoundKey {
  const keyId = input.KeyId;
  if (keyId === undefined || keyId === null) throw validation(`Value null at 'keyId' failed to satisfy constraint: Member must not be null`);
  if (typeof keyId !== 'string') throw new AwsError('SerializationException', 'Expected string for member KeyId.');
  if (keyId.length < 1 || keyId.length > 2048) throw validation(`Value '${keyId}' at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048`);
  return resolveKey(context.scenario, context.caller, context.region, keyId, { ...options, operation: context.operation, callerArn: context.callerArn });
}

function validation(detail: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: ${detail}`);
}

/**
 * Documented rotation status: AWS managed keys always rotate; asymmetric, HMAC, imported-material and custom key store
 * keys answer UnsupportedOperationException; a key pending deletion reports false ("its key rotation status is false"),
 * and a disabled key keeps its status.
 */
function getKeyRotationStatus(context: KmsRequestContext, input: Input): Record<string, unknown> {
  const found = keyOf(context, input, { aliases: false, crossAccount: true });
  const { key, arn } = found;
  if (keyManager(key) === 'AWS') return { KeyRotationEnabled: true, KeyId: arn, RotationPeriodInDays: DEFAULT_ROTATION_PERIOD_DAYS };
  if (keyOrigin(key) !== 'AWS_KMS') {
    throw new AwsError('UnsupportedOperationException', `${arn} origin is ${keyOrigin(key)} which is not valid for this operation.`);
  }
  if (keySpec(key) !== 'SYMMETRIC_DEFAULT') {
    throw new AwsError('UnsupportedOperationException', 'You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage.');
  }
  const enabled = keyState(key) !== 'PendingDeletion' && (key.RotationEnabled ?? false);
  return { KeyRotationEnabled: enabled, KeyId: arn, RotationPeriodInDays: enabled ? DEFAULT_ROTATION_PERIOD_DAYS : undefined };
}

/**
 * The key's completed rotations (IncludeKeyMaterial ROTATIONS_ONLY, the default), paginated. Not cross-account. Only
 * symmetric encryption keys of KMS-generated or imported material rotate, AWS managed keys included; asymmetric and
 * HMAC keys and keys in custom key stores answer UnsupportedOperationException.
 */
function listKeyRotations(context: KmsRequestContext, input: Input): Record<string, unknown> {
  const { key, arn } = keyOf(context, input, { aliases: false, crossAccount: false });
  const include = input.IncludeKeyMaterial;
  if (include !== undefined && include !== 'ALL_KEY_MATERIAL' && include !== 'ROTATIONS_ONLY') {
    throw validation(
      `Value '${String(include)}' at 'includeKeyMaterial' failed to satisfy constraint: Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]`,
    );
  }
  if (keyOrigin(key) !== 'AWS_KMS' && keyOrigin(key) !== 'EXTERNAL') {
    throw new AwsError('UnsupportedOperationException', `${arn} origin is ${keyOrigin(key)} which is not valid for this operation.`);
  }
  if (keySpec(key) !== 'SYMMETRIC_DEFAULT') {
    throw new AwsError('UnsupportedOperationException', 'You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage.');
  }
  const rotations = (key.Rotations ?? []).map(({ RotationDate, RotationType }) => ({ KeyId: key.KeyId, RotationDate: EpochSeconds.fromIso(RotationDate), RotationType }));
  return page(context, input, 'ListKeyRotations', rotations, (rotation) => rotation, 'Rotations');
}

/** PolicyName defaults to `default`, the only policy a key has. */
function getKeyPolicy(context: KmsRequestContext, input: Input): Record<string, unknown> {
  const found = keyOf(context, input, { aliases: false, crossAccount: true });
  const policyName = input.PolicyName ?? 'default';
  if (typeof policyName !== 'string' || !/^[\w]+$/.test(policyName)) {
    throw validation(`Value '${String(policyName)}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+`);
  }
  if (policyName !== 'default') throw notFound(`No such policy exists: ${policyName}`);
  return { Policy: keyPolicy(found), PolicyName: 'default' };
}

/** Every alias in the region (or of one key, with KeyId): AWS managed aliases are listed like the caller's own. */
function listAliases(context: KmsRequestContext, input: Input): Record<string, unknown> {
  let keys = keysInRegion(context.caller, context.region);
  if (input.KeyId !== undefined) {
    const only = keyOf(context, input, { aliases: false, crossAccount: false });
    keys = keys.filter(({ key }) => key.KeyId === only.key.KeyId);
  }
  const aliases = keys.flatMap(({ key, owner }) =>
    (key.Aliases ?? []).map((name) => ({
      AliasName: name,
      AliasArn: aliasArn(owner.Id, context.region, name),
      TargetKeyId: key.KeyId,
      CreationDate: EpochSeconds.fromIso(key.CreationDate),
      LastUpdatedDate: EpochSeconds.fromIso(key.CreationDate),
    })),
  );
  return page(context, input, 'ListAliases', aliases, (alias) => alias, 'Aliases');
}

/** The key's tags as TagKey/TagValue; an AWS managed key has none (it cannot be tagged). Not cross-account. */
function listResourceTags(context: KmsRequestContext, input: Input): Record<string, unknown> {
  const { key } = keyOf(context, input, { aliases: false, crossAccount: false });
  const tags = keyManager(key) === 'AWS' ? [] : Object.entries(key.Tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
  return page(context, input, 'ListResourceTags', tags, (tag) => tag, 'Tags');
}

/** One page: Limit (1..max, default per operation), an opaque Marker, and Truncated with NextMarker while more remain. */
function page<T>(
  context: KmsRequestContext,
  input: Input,
  operation: keyof typeof KMS_PAGE_LIMITS,
  items: readonly T[],
  shape: (item: T) => unknown,
  member: string,
): Record<string, unknown> {
  const [max, fallback] = KMS_PAGE_LIMITS[operation];
  const limit = input.Limit ?? fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit)) throw new AwsError('SerializationException', 'Expected integer for member Limit.');
  if (limit < 1 || limit > max) {
    throw validation(
      `Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`,
    );
  }
  const scope = `${operation}:${context.caller.Id}:${context.region}:${String(input.KeyId ?? '')}`;
  const start =
    input.Marker === undefined || input.Marker === null
      ? 0
      : decodePageToken(input.Marker, scope, items.length, () => new AwsError('InvalidMarkerException', 'Invalid marker'));
  const end = Math.min(items.length, start + limit);
  const truncated = end < items.length;
  return { [member]: items.slice(start, end).map(shape), NextMarker: truncated ? encodePageToken(scope, end) : undefined, Truncated: truncated };
}
