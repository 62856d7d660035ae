// The seed query over HTTP against the same rows fetched raw: how much the GraphQL layer costs.
// Usage: npm run bench -- [trails=100000] [unencrypted=10000]. Prints one line per measurement and the ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toTrailRecord } from '../collectors/aws/cloudtrail/trails.js';
import { createInventoryApi } from '../src/graphql/execute.js';
import { silentLogger } from '../src/log.js';
import { startServer } from '../src/server/server.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { TRAIL_COLUMNS_BY_FIELD } from '../src/store/trail-columns.js';

const SEED_DOCUMENT = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';
const total = Number(process.argv[2] ?? 100_000);
const unencrypted = Number(process.argv[3] ?? total / 10);
const ROUNDS = 5;

const dir = mkdtempSync(join(tmpdir(), 'inventory-bench-'));
const store = SqliteStore.open(join(dir, 'bench.db'));
try {
  // A synthetic organization: 100 accounts, trails spread over 17 regions, every tenth one without a KMS key.
  const started = Date.now();
  const run = await store.startSyncRun({ collector: 'aws.cloudtrail.trails', requestedRegions: [] });
  const byScope = new Map<string, ReturnType<typeof toTrailRecord>[]>();
  for (let i = 0; i < total; i++) {
    const account = String(100000000000 + (i % 100));
    const region = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'sa-east-1'][i % 17]!;
    const arn = `arn:aws:cloudtrail:${region}:${account}:trail/trail-${i}`;
    const encrypted = i % Math.round(total / unencrypted) !== 0;
    const record = toTrailRecord(
      { Name: `trail-${i}`, TrailARN: arn, HomeRegion: region, S3BucketName: `logs-${account}`, IsMultiRegionTrail: i % 3 === 0, ...(encrypted ? { KmsKeyId: `arn:aws:kms:${region}:${account}:key/k${i}` } : {}) },
      { status: { IsLogging: true, $metadata: {} }, selectors: { EventSelectors: [], $metadata: {} }, insights: { InsightSelectors: [] }, tags: [{ key: 'team', value: `t${i % 7}` }], errors: [] },
    );
    const key = `${account}/${region}`;
    byScope.set(key, [...(byScope.get(key) ?? []), record]);
  }
  for (const [key, trails] of byScope) {
    const [accountId, region] = key.split('/') as [string, string];
    await store.writeTrailScope(run.id, 'aws.cloudtrail.trails', { accountId, region, status: 'ok', trails });
  }
  await store.finishSyncRun(run.id, 'succeeded');
  console.log(`built ${total} trails (${unencrypted} without a KMS key) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const server = await startServer({ store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
  // lastSeenAt is read from the scopes that see a trail (unchanged trails are not rewritten): the same SQL as the API's.
  const lastSeenAt = TRAIL_COLUMNS_BY_FIELD.get('lastSeenAt')!.sql;
  const raw = store.db.prepare(
    `SELECT trails.arn AS id, trails.arn, trails.name, 'Trail' AS assetType, 'aws' AS provider, trails.account_id AS accountId, trails.region,
            trails.first_seen_at AS firstSeenAt, ${lastSeenAt} AS lastSeenAt,
            (SELECT json_group_array(json_object('key', key, 'value', value)) FROM asset_tags WHERE asset_id = trails.arn) AS tags
       FROM trails WHERE trails.kms_key_id = '' AND trails.deleted_at IS NULL ORDER BY trails.arn`,
  );
  const timeBest = async (fn: () => Promise<number>): Promise<{ ms: number; rows: number }> => {
    let best = Infinity;
    let rows = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      rows = await fn();
      best = Math.min(best, performance.now() - t0);
    }
    return { ms: best, rows };
  };
  const reference = await timeBest(async () => {
    const rows = raw.all() as { tags: string }[];
    return JSON.parse(JSON.stringify({ data: { trails: rows.map((r) => ({ ...r, tags: JSON.parse(r.tags) })) } })).data.trails.length;
  });
  const graphql = await timeBest(async () => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SEED_DOCUMENT }) });
    return ((await response.json()) as { data: { trails: unknown[] } }).data.trails.length;
  });
  await server.close();
  if (graphql.rows !== reference.rows) throw new Error(`row counts differ: graphql ${graphql.rows}, raw ${reference.rows}`);
  console.log(`seed query over HTTP (GraphQL, ${graphql.rows} trails): ${graphql.ms.toFixed(1)} ms (best of ${ROUNDS})`);
  console.log(`raw better-sqlite3 statement + JSON (${reference.rows} trails): ${reference.ms.toFixed(1)} ms (best of ${ROUNDS})`);
  console.log(`ratio: ${(graphql.ms / reference.ms).toFixed(2)}x`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
