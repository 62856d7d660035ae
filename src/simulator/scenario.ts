// The data that drives the simulated AWS endpoint: accounts, their trails, and the faults to inject.
// Field names follow the AWS API shapes (PascalCase) so a scenario reads like a DescribeTrails response.
import type { SimConfigurationRecorder } from './config/scenario.js';
import type { SimVpc } from './ec2/scenario.js';
import type { SimBucket, SimPublicAccessBlock } from './s3/scenario.js';
import type { SimMetricAlarm, SimMetricFilter, SimSnsTopic } from './monitoring-shapes.js';

export type { SimConfigurationRecorder } from './config/scenario.js';
export type { SimFlowLog, SimVpc } from './ec2/scenario.js';
export type * from './monitoring-shapes.js';
export type { SimBucket, SimBucketGrant, SimPublicAccessBlock } from './s3/scenario.js';

/** Regions enabled in every account unless the scenario says otherwise (AWS: opt-in-not-required). */
export const DEFAULT_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'sa-east-1',
] as const;

/** Regions an account must opt in to; DescribeRegions lists them as `not-opted-in` unless enabled. */
export const OPT_IN_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
] as const;

export interface SimDataResource {
  Type: string;
  Values: string[];
}

export interface SimEventSelector {
  ReadWriteType?: 'All' | 'ReadOnly' | 'WriteOnly';
  IncludeManagementEvents?: boolean;
  DataResources?: SimDataResource[];
  ExcludeManagementEventSources?: string[];
}

export interface SimFieldSelector {
  Field: string;
  Equals?: string[];
  StartsWith?: string[];
  EndsWith?: string[];
  NotEquals?: string[];
  NotStartsWith?: string[];
  NotEndsWith?: string[];
}

export interface SimAdvancedEventSelector {
  Name?: string;
  FieldSelectors: SimFieldSelector[];
}

export interface SimInsightSelector {
  InsightType: 'ApiCallRateInsight' | 'ApiErrorRateInsight';
}

/** Status fields beyond IsLogging that a scenario may set (GetTrailStatus members; times are ISO strings). */
export interface SimTrailStatus {
  LatestDeliveryError?: string;
  LatestNotificationError?: string;
  LatestCloudWatchLogsDeliveryError?: string;
  LatestDigestDeliveryError?: string;
  LatestDeliveryTime?: string;
  LatestNotificationTime?: string;
  StartLoggingTime?: string;
  StopLoggingTime?: string;
  LatestCloudWatchLogsDeliveryTime?: string;
  LatestDigestDeliveryTime?: string;
}

/** One trail as its owner account holds it. The ARN is derived: arn:aws:cloudtrail:<HomeRegion>:<owner>:trail/<Name>. */
export interface SimTrail {
  Name: string;
  HomeRegion: string;
  S3BucketName: string;
  S3KeyPrefix?: string;
  SnsTopicName?: string;
  SnsTopicARN?: string;
  IncludeGlobalServiceEvents?: boolean;
  IsMultiRegionTrail: boolean;
  /** Only meaningful in the organization's management account; the trail then appears in every member account. */
  IsOrganizationTrail?: boolean;
  LogFileValidationEnabled?: boolean;
  CloudWatchLogsLogGroupArn?: string;
  CloudWatchLogsRoleArn?: string;
  /** Absent means "not encrypted with a KMS key": DescribeTrails then leaves the member out, as AWS does. */
  KmsKeyId?: string;
  IsLogging: boolean;
  Status?: SimTrailStatus;
  EventSelectors?: SimEventSelector[];
  AdvancedEventSelectors?: SimAdvancedEventSelector[];
  InsightSelectors?: SimInsightSelector[];
  Tags?: Record<string, string>;
}

/** An IAM role in an account that STS AssumeRole can assume (arn:aws:iam::<account>:role/<Name>). */
export interface SimRole {
  Name: string;
  /** Accounts whose principals the role's trust policy admits; default: every account of the scenario. */
  TrustedAccountIds?: string[];
  /** When set, AssumeRole must carry exactly this ExternalId (the trust policy's sts:ExternalId condition). */
  ExternalId?: string;
}

/** DescribeKey KeyState values. */
export type SimKeyState = 'Creating' | 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'PendingReplicaDeletion' | 'Unavailable' | 'Updating';

/**
 * One KMS key as its account holds it, in one region. The ARN is derived: arn:aws:kms:<Region>:<owner>:key/<KeyId>.
 * Unset members take AWS's defaults for a key made by CreateKey with no options.
 */
export interface SimKmsKey {
  KeyId: string;
  Region: string;
  /** Default "". */
  Description?: string;
  /** CUSTOMER (default) or AWS: an AWS managed key, made by a service under an `alias/aws/<service>` alias. */
  KeyManager?: 'CUSTOMER' | 'AWS';
  /** Default Enabled. PendingDeletion needs DeletionDate. */
  KeyState?: SimKeyState;
  /** Default SYMMETRIC_DEFAULT; e.g. RSA_2048, ECC_NIST_P256, HMAC_256. */
  KeySpec?: string;
  /** Default ENCRYPT_DECRYPT (SIGN_VERIFY, GENERATE_VERIFY_MAC for asymmetric and HMAC keys). */
  KeyUsage?: string;
  /** Default AWS_KMS; EXTERNAL for imported key material, AWS_CLOUDHSM or EXTERNAL_KEY_STORE for custom key stores. */
  Origin?: string;
  MultiRegion?: boolean;
  /** ISO-8601. */
  CreationDate: string;
  /** ISO-8601, for a key pending deletion. */
  DeletionDate?: string;
  /** Automatic rotation of a customer managed symmetric key (default false); AWS managed keys always rotate. */
  RotationEnabled?: boolean;
  /**
   * The key material's completed rotations (ListKeyRotations), in the order listed; default none. Only keys whose
   * material can rotate have any: symmetric keys of KMS-generated or imported material.
   */
  Rotations?: SimKeyRotation[];
  /**
   * For imported key material (Origin EXTERNAL): whether it expires (DescribeKey ExpirationModel); default
   * KEY_MATERIAL_EXPIRES when ValidTo is set, else KEY_MATERIAL_DOES_NOT_EXPIRE. Not reported while PendingImport.
   */
  ExpirationModel?: 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';
  /** ISO-8601: when imported key material expires (DescribeKey ValidTo). */
  ValidTo?: string;
  /** The `default` key policy, as GetKeyPolicy returns it; default: AWS's default key policy for the owner account. */
  Policy?: string;
  /** Alias names (`alias/<name>`) pointing at this key. */
  Aliases?: string[];
  Tags?: Record<string, string>;
}

/** One completed rotation of a key's material (ListKeyRotations' RotationsListEntry). */
export interface SimKeyRotation {
  /** ISO-8601. */
  RotationDate: string;
  RotationType: 'AUTOMATIC' | 'ON_DEMAND';
}

/** AWS Organizations account status (ListAccounts `Status`). */
export type SimAccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';

export interface SimAccount {
  Id: string;
  /** Organizations ListAccounts `Name`; defaults to `account-<Id>`. */
  Name?: string;
  /** Organizations ListAccounts `Email`; defaults to `aws+<Id>@example.com`. */
  Email?: string;
  /** Organizations ListAccounts `Status`; defaults to ACTIVE. STS refuses to assume roles in a SUSPENDED account. */
  Status?: SimAccountStatus;
  /** Static credentials that identify this account to the simulator (the access key id picks the account). */
  AccessKeyId: string;
  SecretAccessKey: string;
  /** The ARN GetCallerIdentity returns; defaults to arn:aws:iam::<Id>:user/inventory-reader. */
  CallerArn?: string;
  /** Regions enabled for the account; defaults to DEFAULT_REGIONS. Opt-in regions not listed answer UnrecognizedClientException. */
  EnabledRegions?: string[];
  Trails: SimTrail[];
  /** Roles STS AssumeRole can assume in this account. */
  Roles?: SimRole[];
  /** KMS keys in every region of the account. */
  KmsKeys?: SimKmsKey[];
  /** VPCs (with their flow logs) in every region of the account. */
  Vpcs?: SimVpc[];
  /** AWS Config configuration recorders in every region of the account. */
  ConfigurationRecorders?: SimConfigurationRecorder[];
  /** CloudWatch Logs metric filters, CloudWatch metric alarms and SNS topics, each in its region (monitoring-shapes.ts). */
  MetricFilters?: SimMetricFilter[];
  MetricAlarms?: SimMetricAlarm[];
  SnsTopics?: SimSnsTopic[];
  /** S3 buckets of the account, each in its own region, and its account-level Block Public Access (absent: none set). */
  Buckets?: SimBucket[];
  PublicAccessBlock?: SimPublicAccessBlock;
}

/** The services that apply faults, the rate limit and transient errors. */
export type FaultService = 'cloudtrail' | 'kms' | 'ec2' | 'config' | 'logs' | 'cloudwatch' | 'sns' | 's3' | 's3control';

/**
 * A fault the simulator injects. Unset selectors match everything, except `service`: a fault without it applies to
 * CloudTrail calls only (`service: 'kms'` for KMS calls).
 */
export type SimFault =
  /** AccessDeniedException for calls in the matching account/region/operation (and, with `resource`, naming that ARN). */
  | { kind: 'accessDenied'; service?: FaultService; accountId?: string; region?: string; operation?: string; resource?: string }
  /** ThrottlingException ("Rate exceeded") for the first `times` matching calls (every matching call when times is omitted). */
  | { kind: 'throttle'; service?: FaultService; accountId?: string; region?: string; operation?: string; times?: number }
  /** TrailNotFoundException for per-trail calls naming this trail: it vanished between DescribeTrails and the detail call. */
  | { kind: 'unknownTrail'; trailArn: string; operation?: string }
  /** HTTP 500 InternalFailure for the first `times` matching calls. */
  | { kind: 'internalError'; service?: FaultService; accountId?: string; region?: string; operation?: string; times?: number }
  /** Matching calls are answered only after `delayMs` (a slow or hung endpoint, for client timeouts). */
  | { kind: 'slow'; accountId?: string; region?: string; operation?: string; delayMs: number };

/** A recorded AWS response served verbatim instead of the simulated one (real responses from test/fixtures). */
export interface RecordedResponse {
  /** The service that serves it; default cloudtrail. */
  service?: FaultService;
  accountId: string;
  region: string;
  /** The operation, e.g. DescribeTrails. */
  operation: string;
  /** For per-key KMS operations: the key id or ARN in the request that this response answers. */
  key?: string;
  /** For per-trail operations: the trail name or ARN in the request that this response answers. */
  trail?: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Scenario {
  /**
   * When set, every account is a member of one organization managed by this account. `id` (o-<10 to 32 chars>)
   * defaults to one derived from the management account id.
   */
  organization?: { managementAccountId: string; id?: string };
  accounts: SimAccount[];
  faults?: SimFault[];
  /** Added to every response, in milliseconds. */
  latencyMs?: number;
  /** Client-side rate limit AWS enforces per account and region: calls above it get ThrottlingException. */
  rateLimit?: { callsPerSecond: number };
  /** Fraction (0..1) of calls answered with HTTP 500 InternalFailure, drawn from a seeded generator. */
  transientErrorRate?: number;
  seed?: number;
  recorded?: RecordedResponse[];
  /**
   * When set, every AssumeRole session lasts this many seconds whatever DurationSeconds asks for (tests use a
   * second or two to force credential refresh and expiry).
   */
  sessionLifetimeSeconds?: number;
}

/** One request the simulator answered, for tests to inspect. */
export interface SimCall {
  service: 'cloudtrail' | 'sts' | 'ec2' | 'organizations' | 'kms' | 'config' | 'logs' | 'cloudwatch' | 'sns' | 's3' | 's3control';
  operation: string;
  region: string;
  accountId: string | undefined;
  params: Record<string, unknown>;
  status: number;
  errorCode?: string;
  /** The exact response body sent, so tests can assert on the wire form (e.g. that KmsKeyId is absent, not null). */
  responseBody?: string;
}
