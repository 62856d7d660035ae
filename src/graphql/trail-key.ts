// Trail.kmsKeyUsable (schema/kms-key.graphql): the verdict on a trail's KMS key (src/model/trail-key-verdict.ts), read
// from the store as the request's other fields are: the key through the same loader as Trail.kmsKey, wherever it is
// stored, the trail's bucket through Trail.s3Bucket's (its region is where the key must be), and the coverage of KMS
// keys once per request, to tell a key that does not exist from one never synced.
import { KMS_KEY } from '../assets/kms-key.js';
import { parseArn } from '../model/arn.js';
import { trailKeyVerdict, type TrailKeyVerdict, type VerdictKey } from '../model/trail-key-verdict.js';
import { computeCoverage } from '../store/coverage.js';
import type { AssetRow } from './asset-reader.js';
import type { GraphQLContext } from './context.js';

/** The (account/region) scopes of KMS keys whose latest attempt succeeded, once per request. */
const syncedKeyScopes = new WeakMap<GraphQLContext, Promise<ReadonlySet<string>>>();

function keyScopesOf(context: GraphQLContext): Promise<ReadonlySet<string>> {
  let scopes = syncedKeyScopes.get(context);
  if (!scopes) {
    scopes = computeCoverage(context.store, KMS_KEY.name).then(
      (entries) => new Set(entries.filter((e) => e.lastAttemptStatus === 'ok' && !e.latestAttemptFailed).map((e) => `${e.accountId}/${e.region}`)),
    );
    syncedKeyScopes.set(context, scopes);
  }
  return scopes;
}

/** What the inventory knows of the key a trail names (TrailKeyVerdict.link). */
export type KmsKeyLink = 'STORED' | 'MISSING' | 'UNKNOWN';

/** "account/region" of a key ARN, as keyScopesOf keys them; undefined when it is not an ARN. */
function keyScopeOf(kmsKeyID: string): string | undefined {
  try {
    const { accountId, region } = parseArn(kmsKeyID);
    return `${accountId}/${region}`;
  } catch {
    return undefined;
  }
}

/**
 * The verdict on the trail's key, with its link: STORED (the inventory holds the key, in any account), MISSING (the
 * key's account and region are synced and hold no such key: it does not exist), UNKNOWN (they are not synced, or their
 * latest sync failed, so the inventory cannot tell). Null for a trail that names no key.
 */
export async function kmsKeyUsable(
  trail: AssetRow & { kmsKeyID?: unknown; homeRegion?: unknown; s3BucketName?: unknown },
  context: GraphQLContext,
  loadKey: (trailId: string) => Promise<AssetRow | undefined>,
  loadBucket: (trailId: string) => Promise<AssetRow | undefined>,
): Promise<(TrailKeyVerdict & { link: KmsKeyLink }) | null> {
  const kmsKeyID = trail.kmsKeyID as string;
  if (kmsKeyID === '') return null;
  // The bucket's own region, when the inventory holds the bucket (Trail.s3Bucket, in any account).
  const [key, scopes, bucket] = await Promise.all([loadKey(trail.id), keyScopesOf(context), loadBucket(trail.id)]);
  // Not an ARN: not synced, and the verdict says why.
  const keyScopeSynced = scopes.has(keyScopeOf(kmsKeyID) ?? '');
  const verdict = trailKeyVerdict({
    trail: { arn: trail.arn, homeRegion: trail.homeRegion as string, kmsKeyID, s3BucketName: trail.s3BucketName as string },
    key: key as unknown as VerdictKey | undefined,
    keyScopeSynced,
    ...(bucket === undefined ? {} : { bucketRegion: (bucket as AssetRow & { region: string }).region }),
  });
  if (!verdict) return null;
  const link: KmsKeyLink = key ? 'STORED' : keyScopeSynced ? 'MISSING' : 'UNKNOWN';
  return { ...verdict, link };
}
