// A generated AWS organization for multi-account discovery tests and benchmarks: a management account with
// an encrypted organization trail, members reached through one role, and the awkward cases a discovery must
// handle (a role that refuses, a denied region, suspended accounts). Deterministic from the seed.

import { addOrganizationBuckets } from '../s3/scenario-buckets.js';
import { createHash } from 'node:crypto';
import { mulberry32 } from '../faults.js';
import { DEFAULT_REGIONS, type Scenario, type SimAccount, type SimKmsKey, type SimTrail } from '../scenario.js';
import { generatedRecorders, generatedVpcs } from './vpc-config.js';
import { monitoringOf } from './monitoring.js';

export interface OrganizationScenarioOptions {
  /** Total accounts including the management account, default 200. */
  accounts?: number;
  /** Enabled regions of every account, default DEFAULT_REGIONS (17). */
  regions?: readonly string[];
  /** Default 1; everything below is deterministic from it. */
  seed?: number;
  /** Default 20. */
  latencyMs?: number;
  /** CloudTrail rate limit per account and region, default 10. */
  callsPerSecond?: number;
  /** Default 0.02. */
  transientErrorRate?: number;
  /** Default 'InventoryReader'. */
  memberRoleName?: string;
  /** Default true: one member account's role does not trust the management account. */
  unassumableRole?: boolean;
  /** Default true: an accessDenied fault on one region of another member account. */
  deniedRegion?: boolean;
  /** Default 1: SUSPENDED accounts (discovery must skip them). */
  suspendedAccounts?: number;
}

export interface OrganizationScenario {
  scenario: Scenario;
  /** Its AccessKeyId/SecretAccessKey are the starting credentials. */
  management: SimAccount;
  memberRoleName: string;
  /** Sorted, management included. */
  activeAccountIds: string[];
  suspendedAccountIds: string[];
  unassumableAccountId?: string;
  deniedScope?: { accountId: string; region: string };
  /** Every trail ARN that exists (owner's view), and those without a KMS key. */
  trailArns: string[];
  unencryptedTrailArns: string[];
  /** Every KMS key (one per encrypted trail, in its owner account and home region), and those without rotation. */
  kmsKeyArns: string[];
  unrotatedKmsKeyArns: string[];
}

/** The instant generated logging start times count back from, so a scenario never depends on the clock. */
const ANCHOR_MS = Date.UTC(2026, 0, 1);
const ACCOUNT_PURPOSES = ['prod', 'staging', 'dev', 'sandbox', 'data', 'shared', 'network', 'logs', 'security', 'ml'] as const;
const TAG_OWNERS = ['platform-team', 'security-team', 'data-team', 'payments-team'] as const;

/**
 * A generated organization. Account ids are 12 distinct digits; the management account comes first in
 * `scenario.accounts`, then the members. Every account enables `regions` and holds `memberRoleName`
 * trusting only the management account, except the unassumable one, whose role trusts only its own account.
 * The management account owns one multi-region organization trail with a KMS key, homed in us-east-1 (or the
 * first region when us-east-1 is not enabled). Every active account owns 0 to 2 trails of its own (about half
 * multi-region, the others single-region in a random enabled region; about a third without KmsKeyId; about
 * half tagged). Suspended accounts are closed and own no trails; STS refuses to assume roles in them.
 * The unassumable and the denied account are distinct active members, when there are enough of them.
 */
export function organizationScenario(options: OrganizationScenarioOptions = {}): OrganizationScenario {
  const total = options.accounts ?? 200;
  if (!Number.isInteger(total) || total < 1) throw new Error(`accounts must be a positive integer, got ${total}`);
  const regions = [...(options.regions ?? DEFAULT_REGIONS)];
  if (regions.length === 0) throw new Error('regions must not be empty');
  const seed = options.seed ?? 1;
  const memberRoleName = options.memberRoleName ?? 'InventoryReader';
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const ids = distinctAccountIds(total, random);
  const managementId = ids[0]!;
  const members = ids.slice(1);
  const suspendedCount = Math.min(Math.max(0, Math.floor(options.suspendedAccounts ?? 1)), members.length);
  const suspended = new Set(members.slice(members.length - suspendedCount));
  const activeMembers = members.filter((id) => !suspended.has(id));
  const chosen = [...activeMembers];
  const takeMember = (): string | undefined => (chosen.length === 0 ? undefined : chosen.splice(Math.floor(random() * chosen.length), 1)[0]);
  const unassumableAccountId = (options.unassumableRole ?? true) ? takeMember() : undefined;
  const deniedAccountId = (options.deniedRegion ?? true) ? takeMember() : undefined;
  const deniedScope = deniedAccountId === undefined ? undefined : { accountId: deniedAccountId, region: pick(regions) };

  const trailArns: string[] = [];
  const unencryptedTrailArns: string[] = [];
  const kmsKeyArns: string[] = [];
  const unrotatedKmsKeyArns: string[] = [];
  const keysOf = new Map<string, SimKmsKey[]>();
  const addTrail = (owner: string, trail: SimTrail): SimTrail => {
    const arn = `arn:aws:cloudtrail:${trail.HomeRegion}:${owner}:trail/${trail.Name}`;
    trailArns.push(arn);
    if (trail.KmsKeyId === undefined) unencryptedTrailArns.push(arn);
    else {
      // The trail's key exists in its account; whether it rotates comes from its id, not from the seeded sequence,
      // so adding keys left every other generated value as it was.
      const key = trailKey(trail.KmsKeyId, trail.Name);
      keysOf.set(owner, [...(keysOf.get(owner) ?? []), key]);
      kmsKeyArns.push(trail.KmsKeyId);
      if (!key.RotationEnabled) unrotatedKmsKeyArns.push(trail.KmsKeyId);
    }
    return trail;
  };
  const orgTrailHome = regions.includes('us-east-1') ? 'us-east-1' : regions[0]!;

  const accounts: SimAccount[] = ids.map((id, index) => {
    const isManagement = id === managementId;
    const isSuspended = suspended.has(id);
    const name = isManagement ? 'management' : `${pick(ACCOUNT_PURPOSES)}-${String(index).padStart(3, '0')}`;
    const trails: SimTrail[] = [];
    if (isManagement) {
      trails.push(
        addTrail(id, {
          Name: 'organization-trail',
          HomeRegion: orgTrailHome,
          S3BucketName: `org-cloudtrail-logs-${id}`,
          S3KeyPrefix: 'organization',
          IncludeGlobalServiceEvents: true,
          IsMultiRegionTrail: true,
          IsOrganizationTrail: true,
          LogFileValidationEnabled: true,
          KmsKeyId: kmsKeyArn(orgTrailHome, id, seed, 'organization-trail'),
          CloudWatchLogsLogGroupArn: `arn:aws:logs:${orgTrailHome}:${id}:log-group:organization-trail:*`,
          CloudWatchLogsRoleArn: `arn:aws:iam::${id}:role/CloudTrailToCloudWatchLogs`,
          IsLogging: true,
          Status: { StartLoggingTime: daysBeforeAnchor(900) },
          Tags: { Owner: 'security-team', Scope: 'organization' },
        }),
      );
    }
    const ownTrails = isSuspended ? 0 : Math.floor(random() * 3);
    for (let n = 1; n <= ownTrails; n += 1) {
      const multiRegion = random() < 0.5;
      const home = multiRegion && regions.includes('us-east-1') && random() < 0.5 ? 'us-east-1' : pick(regions);
      const encrypted = random() >= 1 / 3;
      const logging = random() < 0.9;
      const tagged = random() < 0.5;
      const trailName = `${name}-${multiRegion ? 'audit' : 'regional'}-${n}`;
      trails.push(
        addTrail(id, {
          Name: trailName,
          HomeRegion: home,
          S3BucketName: `cloudtrail-${id}-${home}`,
          IncludeGlobalServiceEvents: multiRegion,
          IsMultiRegionTrail: multiRegion,
          LogFileValidationEnabled: random() < 0.7,
          ...(encrypted ? { KmsKeyId: kmsKeyArn(home, id, seed, trailName) } : {}),
          IsLogging: logging,
          Status: logging
            ? { StartLoggingTime: daysBeforeAnchor(30 + Math.floor(random() * 700)) }
            : { StartLoggingTime: daysBeforeAnchor(800), StopLoggingTime: daysBeforeAnchor(Math.floor(random() * 30) + 1) },
          ...(tagged ? { Tags: { Owner: pick(TAG_OWNERS), Environment: name.split('-')[0]! } } : {}),
        }),
      );
    }
    return {
      Id: id,
      Name: name,
      Email: `aws+${name}@example.com`,
      Status: isSuspended ? 'SUSPENDED' : 'ACTIVE',
      AccessKeyId: `AKIA${id}SIM${String.fromCharCode(65 + (index % 26))}`,
      SecretAccessKey: createHash('sha256').update(`secret:${seed}:${id}`).digest('base64').slice(0, 40),
      EnabledRegions: [...regions],
      Trails: trails,
      Roles: [{ Name: memberRoleName, TrustedAccountIds: [id === unassumableAccountId ? id : managementId] }],
      KmsKeys: keysOf.get(id) ?? [],
      // A closed account holds nothing to list.
      Vpcs: isSuspended ? [] : generatedVpcs(id, regions),
      ConfigurationRecorders: isSuspended ? [] : generatedRecorders(id, regions),
      // CIS's monitoring of the organization trail's log group: some chains complete, some broken (scenarios/monitoring.ts).
      ...(isManagement ? monitoringOf(id, orgTrailHome, 'organization-trail') : {}),
    };
  });

  addOrganizationBuckets(accounts, seed);
  const scenario: Scenario = {
    organization: { managementAccountId: managementId },
    accounts,
    faults: deniedScope === undefined ? [] : [{ kind: 'accessDenied', accountId: deniedScope.accountId, region: deniedScope.region }],
    latencyMs: options.latencyMs ?? 20,
    rateLimit: { callsPerSecond: options.callsPerSecond ?? 10 },
    transientErrorRate: options.transientErrorRate ?? 0.02,
    seed,
  };
  return {
    scenario,
    management: accounts[0]!,
    memberRoleName,
    activeAccountIds: [managementId, ...activeMembers].sort(),
    suspendedAccountIds: [...suspended].sort(),
    ...(unassumableAccountId === undefined ? {} : { unassumableAccountId }),
    ...(deniedScope === undefined ? {} : { deniedScope }),
    trailArns,
    unencryptedTrailArns,
    kmsKeyArns,
    unrotatedKmsKeyArns,
  };
}

/** A customer managed symmetric key for a trail; about one in four is not rotated. */
function trailKey(arn: string, trailName: string): SimKmsKey {
  const [, , , region = '', , resource = ''] = arn.split(':');
  const keyId = resource.slice('key/'.length);
  return {
    KeyId: keyId,
    Region: region,
    Description: `CloudTrail logs of ${trailName}`,
    CreationDate: daysBeforeAnchor(1000),
    RotationEnabled: Number.parseInt(keyId.slice(0, 1), 16) >= 4,
  };
}

/** `count` distinct 12-digit account ids (no leading zero), in generation order. */
function distinctAccountIds(count: number, random: () => number): string[] {
  const ids = new Set<string>();
  while (ids.size < count) ids.add(String(100_000_000_000 + Math.floor(random() * 900_000_000_000)));
  return [...ids];
}

function kmsKeyArn(region: string, accountId: string, seed: number, trailName: string): string {
  const hex = createHash('sha256').update(`kms:${seed}:${accountId}:${trailName}`).digest('hex');
  return `arn:aws:kms:${region}:${accountId}:key/${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function daysBeforeAnchor(days: number): string {
  return new Date(ANCHOR_MS - days * 86_400_000).toISOString();
}
