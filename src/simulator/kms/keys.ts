// The scenario's KMS keys as the KMS API sees them: how a KeyId (key id, key ARN, alias name or alias ARN) resolves,
// what DescribeKey reports, and the key policies AWS writes when none was set.

import { findAccountById } from '../accounts.js';
import { AwsError } from '../errors.js';
import { EpochSeconds } from '../json.js';
import type { Scenario, SimAccount, SimKmsKey } from '../scenario.js';

/** A key with its owner. */
export interface FoundKey {
  key: SimKmsKey;
  owner: SimAccount;
  arn: string;
}

export function keyArn(ownerId: string, key: Pick<SimKmsKey, 'Region' | 'KeyId'>): string {
  return `arn:aws:kms:${key.Region}:${ownerId}:key/${key.KeyId}`;
}

export function aliasArn(ownerId: string, region: string, aliasName: string): string {
  return `arn:aws:kms:${region}:${ownerId}:${aliasName}`;
}

/** The caller's keys in one region, in scenario order (ListKeys lists every state, AWS managed keys included). */
export function keysInRegion(account: SimAccount, region: string): FoundKey[] {
  return (account.KmsKeys ?? []).filter((key) => key.Region === region).map((key) => ({ key, owner: account, arn: keyArn(account.Id, key) }));
}

export const notFound = (message: string) => new AwsError('NotFoundException', message);

export interface ResolveOptions {
  /** DescribeKey (and the cryptographic operations) also accept an alias name or alias ARN. */
  aliases: boolean;
  /** The operation's documented "Cross-account use": a key of another account may be named by its ARN. */
  crossAccount: boolean;
  operation: string;
  callerArn: string;
}

/**
 * The key a request's KeyId names, as KMS resolves it in the request's region: a bare key id or alias name is the
 * caller's; an ARN names its account, and another account's key is reachable only when the operation allows
 * cross-account use and the key policy allows the caller's account (an Allow for `*` or for its root).
 */
export function resolveKey(scenario: Scenario, caller: SimAccount, region: string, keyId: string, options: ResolveOptions): FoundKey {
  const arn = /^arn:aws:kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(keyId);
  if (keyId.startsWith('arn:') && arn === null) throw new AwsError('InvalidArnException', `Invalid arn ${keyId}`);
  const [, arnRegion = region, ownerId = caller.Id, kind = keyId.startsWith('alias/') ? 'alias' : 'key', name = keyId] = arn ?? [];
  if (kind === 'alias' && !options.aliases) throw notFound(`Invalid keyId '${keyId}'`);
  if (arnRegion !== region) throw notFound(`Invalid arn ${arnRegion}`);
  const owner = ownerId === caller.Id ? caller : findAccountById(scenario, ownerId);
  const keys = owner === undefined ? [] : keysInRegion(owner, region);
  const found = kind === 'alias' ? keys.find(({ key }) => key.Aliases?.includes(arn === null ? name : `alias/${name}`)) : keys.find(({ key }) => key.KeyId === name);
  if (found === undefined) {
    const fullArn = arn === null ? (kind === 'alias' ? aliasArn(ownerId, region, name) : `arn:aws:kms:${region}:${ownerId}:key/${name}`) : keyId;
    throw notFound(kind === 'alias' ? `Alias ${fullArn} is not found.` : `Key '${fullArn}' does not exist`);
  }
  if (found.owner.Id !== caller.Id && !(options.crossAccount && policyAllowsAccount(found, caller.Id))) {
    throw new AwsError(
      'AccessDeniedException',
      `User: ${options.callerArn} is not authorized to perform: kms:${options.operation} on resource: ${found.arn} ` +
        `because no resource-based policy allows the kms:${options.operation} action`,
    );
  }
  return found;
}

/** Whether the key policy has an Allow statement for every principal or for the account's root. */
function policyAllowsAccount(found: FoundKey, accountId: string): boolean {
  const statements = (JSON.parse(keyPolicy(found)) as { Statement?: unknown }).Statement;
  return (Array.isArray(statements) ? statements : [statements]).some((statement) => {
    const { Effect, Principal } = (statement ?? {}) as { Effect?: string; Principal?: unknown };
    if (Effect !== 'Allow') return false;
    const principals = Principal === '*' ? ['*'] : [((Principal ?? {}) as { AWS?: string | string[] }).AWS ?? []].flat();
    return principals.some((principal) => principal === '*' || principal === `arn:aws:iam::${accountId}:root` || principal === accountId);
  });
}

export const keyState = (key: SimKmsKey) => key.KeyState ?? 'Enabled';
export const keySpec = (key: SimKmsKey) => key.KeySpec ?? 'SYMMETRIC_DEFAULT';
export const keyManager = (key: SimKmsKey) => key.KeyManager ?? 'CUSTOMER';
export const keyOrigin = (key: SimKmsKey) => key.Origin ?? 'AWS_KMS';

/** DescribeKey's KeyMetadata; the algorithm lists follow the key spec and usage as AWS reports them. */
export function keyMetadata({ key, owner, arn }: FoundKey): Record<string, unknown> {
  const spec = keySpec(key);
  const usage = key.KeyUsage ?? 'ENCRYPT_DECRYPT';
  const rsa = spec.startsWith('RSA_');
  return {
    AWSAccountId: owner.Id,
    KeyId: key.KeyId,
    Arn: arn,
    CreationDate: EpochSeconds.fromIso(key.CreationDate),
    Enabled: keyState(key) === 'Enabled',
    Description: key.Description ?? '',
    KeyUsage: usage,
    KeyState: keyState(key),
    DeletionDate: key.DeletionDate === undefined ? undefined : EpochSeconds.fromIso(key.DeletionDate),
    Origin: keyOrigin(key),
    KeyManager: keyManager(key),
    CustomerMasterKeySpec: spec,
    KeySpec: spec,
    EncryptionAlgorithms:
      usage !== 'ENCRYPT_DECRYPT' ? undefined : spec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : rsa ? ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] : ['SM2PKE'],
    SigningAlgorithms: usage !== 'SIGN_VERIFY' ? undefined : rsa ? ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'] : ['ECDSA_SHA_256'],
    MacAlgorithms: usage === 'GENERATE_VERIFY_MAC' ? [`HMAC_SHA_${spec.replace('HMAC_', '')}`] : undefined,
    MultiRegion: key.MultiRegion ?? false,
    ...importedMaterial(key),
  };
}

/** ExpirationModel and ValidTo: reported for imported key material (EXTERNAL) that holds material, ValidTo only when it expires. */
function importedMaterial(key: SimKmsKey): Record<string, unknown> {
  if (keyOrigin(key) !== 'EXTERNAL' || keyState(key) === 'PendingImport') return {};
  const model = key.ExpirationModel ?? (key.ValidTo === undefined ? 'KEY_MATERIAL_DOES_NOT_EXPIRE' : 'KEY_MATERIAL_EXPIRES');
  return { ExpirationModel: model, ValidTo: model === 'KEY_MATERIAL_EXPIRES' && key.ValidTo !== undefined ? EpochSeconds.fromIso(key.ValidTo) : undefined };
}

/** The key's `default` policy: the scenario's, or the one AWS writes (CreateKey's default, or a service's for AWS managed keys). */
export function keyPolicy({ key, owner }: FoundKey): string {
  if (key.Policy !== undefined) return key.Policy;
  if (keyManager(key) === 'AWS') return awsManagedKeyPolicy(owner.Id, key);
  return writeAwsJson({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${owner.Id}:root` }, Action: 'kms:*', Resource: '*' }],
  });
}

/** An AWS managed key's policy: any principal of the account, through the service the alias names only. */
function awsManagedKeyPolicy(accountId: string, key: SimKmsKey): string {
  const service = (key.Aliases?.find((alias) => alias.startsWith('alias/aws/')) ?? 'alias/aws/s3').slice('alias/aws/'.length);
  return writeAwsJson({
    Version: '2012-10-17',
    Id: `auto-${service}-2`,
    Statement: [
      {
        Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized to use ${service.toUpperCase()}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': `${service}.${key.Region}.amazonaws.com` } },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
        Resource: '*',
      },
    ],
  });
}

/**
 * JSON as KMS prints a key policy (Jackson's default pretty printer, as in the recorded GetKeyPolicy): two-space
 * indents, `"key" : value`, arrays inline as `[ a, b ]` with objects opening on the same line.
 */
export function writeAwsJson(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? '[ ]' : `[ ${value.map((item) => writeAwsJson(item, indent)).join(', ')} ]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined);
    if (entries.length === 0) return '{ }';
    const inner = `${indent}  `;
    return `{\n${entries.map(([key, member]) => `${inner}${JSON.stringify(key)} : ${writeAwsJson(member, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
