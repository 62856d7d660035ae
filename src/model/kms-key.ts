// A KMS key as the inventory stores it: one record per key ARN. Field names follow Cyscale's control library where it
// names them (managementType, automaticRotationEnabled, scheduleForDeletion, policyDocument, keyPolicy).
import type { CollectedAsset } from './asset.js';

export const KMS_KEY_ASSET_TYPE = 'KmsKey';

/** One condition of a statement: `"StringEquals": {"kms:CallerAccount": "111122223333"}` gives one per key. */
export interface KeyPolicyCondition {
  operator: string;
  key: string;
  values: string[];
}

/** One statement of a key policy, normalised: every list a list, principals written `TYPE|value`. */
export interface KeyPolicyStatement {
  sid: string;
  effect: string;
  /** `AWS|arn:aws:iam::111122223333:root`, `Service|cloudtrail.amazonaws.com`; a Principal of "*" is `AWS|*`. */
  principals: string[];
  actions: string[];
  notActions: string[];
  resources: string[];
  conditions: KeyPolicyCondition[];
}

export interface KeyPolicy {
  statements: KeyPolicyStatement[];
}

/** DescribeKey's KeyManager as Cyscale's managementType. */
export type ManagementType = 'CustomerManaged' | 'AWSManaged';

/**
 * Strings AWS leaves out are ''; `null` means the call that feeds the attribute failed (collectionErrors says why).
 * A time AWS leaves out (deletionDate of a key not pending deletion) is null as well: a time has no empty value.
 */
export interface KmsKeyRecord extends CollectedAsset {
  keyId: string;
  /** The aliases pointing at the key (`alias/...`), sorted; null when ListAliases failed. */
  aliases: string[] | null;

  // DescribeKey
  description: string | null;
  keyManager: string | null;
  managementType: ManagementType | null;
  keyState: string | null;
  enabled: boolean | null;
  /** KeyState is PendingDeletion. */
  scheduleForDeletion: boolean | null;
  deletionDate: string | null;
  keySpec: string | null;
  keyUsage: string | null;
  origin: string | null;
  multiRegion: boolean | null;
  creationDate: string | null;
  /**
   * When the imported key material expires (DescribeKey ValidTo): only for EXTERNAL keys whose expirationModel is
   * KEY_MATERIAL_EXPIRES; null for any other key, and when DescribeKey failed.
   */
  validTo: string | null;
  /** KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE for imported key material (origin EXTERNAL); '' for other keys. */
  expirationModel: string | null;

  /** GetKeyRotationStatus for customer managed symmetric keys; true for AWS managed keys, false for keys that cannot rotate. */
  automaticRotationEnabled: boolean | null;

  /**
   * The newest completed rotation of the key material (ListKeyRotations: the latest RotationDate, automatic or on
   * demand); null when it was never rotated, when its material cannot be rotated (ListKeyRotations is not asked), and
   * when ListKeyRotations or DescribeKey failed (keyMaterialDate is then null too).
   */
  lastRotationDate: string | null;
  /** When the current key material came into use: lastRotationDate, else creationDate. Null when either call failed. */
  keyMaterialDate: string | null;

  /** The `default` key policy, as GetKeyPolicy returned it. */
  policyDocument: string | null;
  /** The policy parsed; null when it could not be read or parsed. */
  keyPolicy: KeyPolicy | null;
}

/**
 * Parses a key policy into statements. Throws on text that is not a JSON policy object; a statement member of the
 * wrong shape is read as absent.
 */
export function parseKeyPolicy(text: string): KeyPolicy {
  const document = JSON.parse(text) as unknown;
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new Error('the policy is not a JSON object');
  const statement = (document as { Statement?: unknown }).Statement;
  const statements = statement === undefined ? [] : Array.isArray(statement) ? statement : [statement];
  return { statements: statements.map((entry) => parseStatement((entry ?? {}) as Record<string, unknown>)) };
}

function parseStatement(statement: Record<string, unknown>): KeyPolicyStatement {
  return {
    sid: typeof statement.Sid === 'string' ? statement.Sid : '',
    effect: typeof statement.Effect === 'string' ? statement.Effect : '',
    principals: principals(statement.Principal),
    actions: strings(statement.Action),
    notActions: strings(statement.NotAction),
    resources: strings(statement.Resource),
    conditions: conditions(statement.Condition),
  };
}

/** `"*"` is every AWS principal (IAM: `"Principal": "*"` equals `{"AWS": "*"}`). */
function principals(principal: unknown): string[] {
  if (principal === undefined || principal === null) return [];
  if (typeof principal === 'string') return [principal === '*' ? 'AWS|*' : `AWS|${principal}`];
  if (typeof principal !== 'object') return [];
  return Object.entries(principal as Record<string, unknown>).flatMap(([type, values]) => strings(values).map((value) => `${type}|${value}`));
}

function conditions(condition: unknown): KeyPolicyCondition[] {
  if (condition === null || typeof condition !== 'object') return [];
  return Object.entries(condition as Record<string, unknown>).flatMap(([operator, entries]) =>
    entries === null || typeof entries !== 'object'
      ? []
      : Object.entries(entries as Record<string, unknown>).map(([key, values]) => ({ operator, key, values: strings(values) })),
  );
}

/** A policy's "one or a list" member as a list of strings (booleans and numbers as written: "true", "3"). */
function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((item) => item !== null && typeof item !== 'object').map(String);
}
