// A synthetic organization of any size: accounts × regions, trails spread evenly over them, a chosen share of them
// without a KMS key (spread evenly too, so any slice of the inventory has that share). Deterministic: the same shape
// always gives the same inventory, so two runs and two backends compare like with like.
import { toTrailRecord } from '../../collectors/aws/cloudtrail/trails.js';
import type { TrailRecord } from '../../src/model/trail.js';
import { DEFAULT_REGIONS } from '../../src/simulator/scenario.js';
import type { InventoryStore } from '../../src/store/store.js';

export const TRAILS_COLLECTOR = 'aws.cloudtrail.trails';

export interface OrganizationShape {
  accounts: number;
  /** How many of the standard regions (at most DEFAULT_REGIONS.length) trails live in. */
  regions: number;
  trails: number;
  /** The share of trails without a KMS key, 0 to 1. */
  unencryptedShare: number;
}

export const DEFAULT_SHAPE: OrganizationShape = { accounts: 100, regions: 17, trails: 100_000, unencryptedShare: 0.1 };

export interface SyntheticScope {
  accountId: string;
  region: string;
  trails: TrailRecord[];
}

export const accountIdOf = (index: number): string => String(100_000_000_000 + index);

const primes = new Map<number, number>();

/** The smallest prime at least n (n is a count of trails: trial division is quick enough). */
function primeAtLeast(n: number): number {
  let cached = primes.get(n);
  if (cached === undefined) {
    const isPrime = (k: number) => k >= 2 && Array.from({ length: Math.floor(Math.sqrt(k)) - 1 }, (_, d) => d + 2).every((d) => k % d !== 0);
    for (cached = Math.max(2, n); !isPrime(cached); cached++);
    primes.set(n, cached);
  }
  return cached;
}

/**
 * A fixed permutation of 0..n-1 that keeps no pattern of the index: an affine map modulo a prime p ≥ n, walked until it
 * lands below n. A map modulo n itself would keep i mod k for every k dividing n, and with it the account of a trail.
 */
function spread(i: number, n: number): number {
  const p = primeAtLeast(n);
  let x = i;
  do x = ((1_000_003 % p || 1) * x + 12_345) % p;
  while (x >= n);
  return x;
}

/** Whether trail i is one of the unencrypted ones: exactly floor(trails × share) of them, spread over accounts and regions. */
export function isUnencrypted(i: number, shape: OrganizationShape): boolean {
  const j = spread(i, shape.trails);
  return Math.floor((j + 1) * shape.unencryptedShare) > Math.floor(j * shape.unencryptedShare);
}

/** Trail i as the collector would have recorded it, from API-shaped input (the collector's own mapping). */
export function syntheticTrail(i: number, shape: OrganizationShape): { accountId: string; region: string; record: TrailRecord } {
  const regions = DEFAULT_REGIONS.slice(0, Math.max(1, Math.min(shape.regions, DEFAULT_REGIONS.length)));
  const accountId = accountIdOf(i % shape.accounts);
  const region = regions[Math.floor(i / shape.accounts) % regions.length]!;
  const name = `trail-${i}`;
  const arn = `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;
  const record = toTrailRecord(
    {
      Name: name,
      TrailARN: arn,
      HomeRegion: region,
      S3BucketName: `cloudtrail-${accountId}`,
      S3KeyPrefix: i % 4 === 0 ? 'audit' : undefined,
      IsMultiRegionTrail: i % 3 === 0,
      IncludeGlobalServiceEvents: i % 3 === 0,
      LogFileValidationEnabled: i % 5 !== 0,
      HasCustomEventSelectors: false,
      HasInsightSelectors: false,
      IsOrganizationTrail: false,
      ...(i % 2 === 0
        ? { CloudWatchLogsLogGroupArn: `arn:aws:logs:${region}:${accountId}:log-group:trail-${i}:*`, CloudWatchLogsRoleArn: `arn:aws:iam::${accountId}:role/trail-logs` }
        : {}),
      ...(isUnencrypted(i, shape) ? {} : { KmsKeyId: `arn:aws:kms:${region}:${accountId}:key/${((i * 2654435761) % 2 ** 32).toString(16).padStart(8, '0')}` }),
    },
    {
      status: { IsLogging: i % 20 !== 0, StartLoggingTime: new Date(Date.UTC(2026, 0, 1) + (i % 300) * 86_400_000), $metadata: {} },
      selectors: { TrailARN: arn, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }], $metadata: {} },
      insights: { InsightSelectors: [] },
      tags: [{ key: 'team', value: `team-${i % 7}` }, ...(i % 2 === 0 ? [{ key: 'env', value: i % 4 === 0 ? 'prod' : 'dev' }] : [])],
      errors: [],
    },
  );
  return { accountId, region, record };
}

/** The organization's trails grouped by (account, region) scope, in a stable order. */
export function syntheticScopes(shape: OrganizationShape): SyntheticScope[] {
  const scopes = new Map<string, SyntheticScope>();
  for (let i = 0; i < shape.trails; i++) {
    const { accountId, region, record } = syntheticTrail(i, shape);
    const key = `${accountId}/${region}`;
    let scope = scopes.get(key);
    if (!scope) scopes.set(key, (scope = { accountId, region, trails: [] }));
    scope.trails.push(record);
  }
  return [...scopes.values()];
}

/** How many trails of the shape have no KMS key. */
export function unencryptedCount(shape: OrganizationShape): number {
  let n = 0;
  for (let i = 0; i < shape.trails; i++) if (isUnencrypted(i, shape)) n++;
  return n;
}

/**
 * Writes the organization through the sync path, as one successful sync run: every account's enabled regions
 * recorded, every scope written in its own transaction. Returns the run's id.
 */
export async function writeOrganization(store: InventoryStore, shape: OrganizationShape, scopes = syntheticScopes(shape)): Promise<number> {
  const run = await store.startSyncRun({ collector: TRAILS_COLLECTOR, requestedRegions: [] });
  const regionsOf = new Map<string, Set<string>>();
  for (const scope of scopes) regionsOf.set(scope.accountId, (regionsOf.get(scope.accountId) ?? new Set()).add(scope.region));
  for (const [accountId, regions] of regionsOf) {
    await store.recordAccount(run.id, TRAILS_COLLECTOR, { accountId, status: 'ok', enabledRegions: [...regions].sort() });
  }
  for (const scope of scopes) await store.writeTrailScope(run.id, TRAILS_COLLECTOR, { ...scope, status: 'ok' });
  await store.finishSyncRun(run.id, 'succeeded');
  return run.id;
}
