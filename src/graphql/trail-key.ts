// Trail.kmsKeyUsable (schema/kms-key.graphql): the verdict on a trail's KMS key (src/model/trail-key-verdict.ts), read
// from the store as the request's other fields are: the key through the same loader as Trail.kmsKey, wherever it is
// stored, and the coverage of KMS keys once per request, to tell a key that does not exist from one never synced.
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

/** The verdict on the trail's key; null for a trail that names none. */
export async function kmsKeyUsable(
  trail: AssetRow & { kmsKeyID?: unknown; homeRegion?: unknown },
  context: GraphQLContext,
  loadKey: (trailId: string) => Promise<AssetRow | undefined>,
): Promise<TrailKeyVerdict | null> {
  const kmsKeyID = trail.kmsKeyID as string;
  if (kmsKeyID === '') return null;
  const [key, scopes] = await Promise.all([loadKey(trail.id), keyScopesOf(context)]);
  let keyScopeSynced = false;
  try {
    const { accountId, region } = parseArn(kmsKeyID);
    keyScopeSynced = scopes.has(`${accountId}/${region}`);
  } catch {
    // Not an ARN: the verdict says so.
  }
  const verdict = trailKeyVerdict({
    trail: { arn: trail.arn, homeRegion: trail.homeRegion as string, kmsKeyID },
    key: key as unknown as VerdictKey | undefined,
    keyScopeSynced,
  });
  return verdict ?? null;
}
