// inventory store copy: a SQLite inventory with real content (syncs with a failed scope, a trail changed between syncs,
// tags, a retired account, a recorded control run with failing and excepted assets and per-account results, stored
// exceptions, an API token) is copied through the CLI into an empty PostgreSQL inventory, and then answers every query
// the same on both. A target that is not empty is refused, and a table that does not match rolls everything back.
// Needs a PostgreSQL server: INVENTORY_TEST_POSTGRES_URL (see the README); without it this file is skipped, and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { AWS_COLLECTORS } from '../../collectors/aws/index.js';
import { KMS_KEY } from '../../src/assets/kms-key.js';
import { TRAIL } from '../../src/assets/trail.js';
import { DEFAULT_REGIONS, demoScenario, startSimulator } from '../../src/simulator/index.js';
import { RunClients } from '../../src/sync/clients.js';
import { CallLimiter, DEFAULT_LIMITS } from '../../src/sync/limits.js';
import { COPY_TABLES, copyInventory } from '../../src/store/copy.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { InventoryStore } from '../../src/store/store.js';
import { stubAwsEnv } from '../support/aws.js';
import { runCli } from '../support/cli.js';
import { COLLECTOR, kmsKeyRecord, trailRecord } from '../support/records.js';
import { createTestSchema, openTempSqliteStore, type TempSqliteStore } from '../support/store.js';

const URL_SET = Boolean(process.env.INVENTORY_TEST_POSTGRES_URL);
if (!URL_SET) console.log('store copy tests skipped: INVENTORY_TEST_POSTGRES_URL is not set (see README, "Testing against PostgreSQL")');

const A = '111122223333';
const B = '222233334444';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k';
const CONTROL = 'cloudtrail-kms-encryption';
const arn = (account: string, region: string, name: string) => `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;

/** Builds the source inventory through the store's own API, as syncs, checks and the API would. */
async function seed(store: SqliteStore): Promise<void> {
  const regions = ['us-east-1', 'eu-west-1'];
  // Run 1: account A in two regions (eu-west-1 fails), account B in one.
  const one = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: regions });
  await store.recordAccount(one.id, COLLECTOR, { accountId: A, status: 'ok', enabledRegions: regions });
  await store.writeTrailScope(one.id, COLLECTOR, {
    accountId: A,
    region: 'us-east-1',
    status: 'ok',
    trails: [
      trailRecord('plain', {
        account: A,
        tags: [
          { key: 'team', value: 'platform' },
          { key: 'env', value: 'prod' },
        ],
      }),
      trailRecord('keyed', { account: A, trail: { KmsKeyId: KEY, IsMultiRegionTrail: true }, status: null }),
      trailRecord('changing', { account: A, trail: { KmsKeyId: KEY } }),
    ],
  });
  await store.writeTrailScope(one.id, COLLECTOR, {
    accountId: A,
    region: 'eu-west-1',
    status: 'failed',
    error: { code: 'AccessDenied', message: 'not authorized to DescribeTrails' },
    trails: [],
  });
  await store.recordAccount(one.id, COLLECTOR, { accountId: B, status: 'ok', enabledRegions: ['us-east-1'] });
  await store.writeTrailScope(one.id, COLLECTOR, {
    accountId: B,
    region: 'us-east-1',
    status: 'ok',
    trails: [trailRecord('b-trail', { account: B, region: 'us-east-1', selectors: null })],
  });
  await store.finishSyncRun(one.id, 'partial');
  // Run 2: the changing trail loses its key and its bucket, so it has history; eu-west-1 now succeeds.
  const two = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: regions });
  await store.recordAccount(two.id, COLLECTOR, { accountId: A, status: 'ok', enabledRegions: regions });
  await store.writeTrailScope(two.id, COLLECTOR, {
    accountId: A,
    region: 'us-east-1',
    status: 'ok',
    trails: [
      trailRecord('plain', {
        account: A,
        tags: [
          { key: 'team', value: 'platform' },
          { key: 'env', value: 'prod' },
        ],
      }),
      trailRecord('keyed', { account: A, trail: { KmsKeyId: KEY, IsMultiRegionTrail: true }, status: null }),
      trailRecord('changing', { account: A, trail: { S3BucketName: 'moved-logs' } }),
    ],
  });
  await store.writeTrailScope(two.id, COLLECTOR, { accountId: A, region: 'eu-west-1', status: 'ok', trails: [] });
  await store.finishSyncRun(two.id, 'succeeded');
  // Run 3 retires account B (closed).
  const three = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
  await store.retireAccount(three.id, COLLECTOR, B, 'closed');
  await store.finishSyncRun(three.id, 'succeeded');

  await store.recordControlRun(
    [
      {
        controlId: CONTROL,
        title: 'Trails are encrypted with KMS',
        severity: 'high',
        verdict: 'FAIL',
        reason: '2 trails are not encrypted',
        failingAssets: [{ id: arn(A, 'us-east-1', 'plain'), accountId: A, region: 'us-east-1' }],
        exceptedAssets: [{ id: arn(A, 'us-east-1', 'changing'), accountId: A, region: 'us-east-1', exception: { owner: 'team-a', expires: '2099-12-31' } }],
        evaluatedCount: 3,
        accounts: [{ accountId: A, verdict: 'FAIL', evaluated: 3, failing: 1, excepted: 1 }],
        evaluatedAt: '2026-01-02T03:04:05.678Z',
      },
    ],
    'check',
    [
      { id: CONTROL, title: 'Trails are encrypted with KMS', severity: 'high' },
      { id: 'never-evaluated', title: 'Not yet run', severity: 'low' },
    ],
  );
  const kept = {
    control: CONTROL,
    asset: arn(A, 'us-east-1', 'changing'),
    owner: 'team-a',
    reason: 'moving to a new key',
    approver: 'ciso',
    expires: '2099-12-31',
    createdBy: 'local',
  };
  await store.addControlException(kept);
  const revoked = await store.addControlException({ ...kept, asset: `${A}`, reason: 'the whole account, for a while' });
  await store.revokeControlException(revoked.id, 'cli');
  await store.createApiToken({ name: 'reader', scope: 'read', hash: 'ab'.repeat(32) });

  // Run 4: the KMS key collector lists the trails' key, so kms_keys has a row to copy.
  const keys = await store.startSyncRun({ collector: KMS_KEY.collector, requestedRegions: ['us-east-1'] });
  await store.recordAccount(keys.id, KMS_KEY.collector, { accountId: A, status: 'ok', enabledRegions: regions });
  const key = kmsKeyRecord(KEY, {
    name: 'k',
    aliases: ['alias/logs'],
    automaticRotationEnabled: false,
    tags: [{ key: 'team', value: 'security' }],
  });
  await store.writeScope(keys.id, { assetType: KMS_KEY.name, accountId: A, region: 'us-east-1', status: 'ok', assets: [key] });
  await store.finishSyncRun(keys.id, 'succeeded');
}

/**
 * Runs 5 on: every other type of the registry, collected by its own collector from the simulated demo organization's
 * management account, so that each type's table has rows to copy.
 */
async function seedOtherTypes(store: SqliteStore): Promise<void> {
  const sim = await startSimulator(demoScenario());
  // The sync's own client factory, as a sync makes its calls (S3 Control's account endpoint included).
  const clients = new RunClients({}, new CallLimiter(DEFAULT_LIMITS), { maxAttempts: 1, requestHandler: {} });
  try {
    stubAwsEnv(sim);
    const account = sim.scenario.accounts[0]!;
    const accountClients = clients.forAccount(account.Id, { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey });
    for (const collector of AWS_COLLECTORS.filter((c) => c.definition !== TRAIL && c.definition !== (KMS_KEY as unknown))) {
      const { definition } = collector;
      const regions = definition.scope === 'regional' ? [...DEFAULT_REGIONS] : ['us-east-1'];
      const run = await store.startSyncRun({ collector: definition.collector, requestedRegions: regions });
      await store.recordAccount(run.id, definition.collector, { accountId: account.Id, status: 'ok', enabledRegions: [...DEFAULT_REGIONS] });
      for (const scope of await collector.collect({ accountId: account.Id, regions, clients: accountClients })) await store.writeScope(run.id, scope);
      await store.finishSyncRun(run.id, 'succeeded');
    }
  } finally {
    await clients.close();
    await sim.close();
  }
}

const QUERIES: [string, string, Record<string, unknown>?][] = [
  ['the seed query', '{ trails(where:{kmsKeyID:""}){...AssetFragment} }'],
  ['KMS keys and their trails', '{ kmsKeys { id keyState automaticRotationEnabled aliases policyDocument tags { key value } trails { id } } }'],
  ['every trail, deleted ones too', '{ trails(options: { includeDeleted: true }) { id name deletedAt kmsKeyID isLogging tags { key value } raw } }'],
  ['a trailsConnection page', '{ trailsConnection(first: 2) { totalCount edges { cursor node { id name s3BucketName } } pageInfo { endCursor hasNextPage } } }'],
  [
    'sync runs with their scopes',
    `{ syncRuns { id collector status startedAt finishedAt heartbeatAt requestedRegions error { code message }
      totals { scopesOk scopesSkipped scopesFailed accountsFailed seen new changed deleted }
      scopes { accountId region status finishedAt error { code message } seen new changed deleted } } }`,
  ],
  ['coverage', '{ coverage(assetType: "Trail") { accountId region } }'],
  ['accounts', '{ accounts { id accountId lastSyncedAt status enabledRegions } }'],
  [
    'controls with accounts',
    `{ controls { id title severity verdict reason evaluatedAt runId failingCount exceptedCount evaluatedCount
      failingAssets { id accountId region state asset { id } } exceptedAssets { id state exceptionOwner exceptionExpires }
      accounts { accountId verdict evaluatedCount failingCount exceptedCount } }
    controlRuns { id startedAt finishedAt controlsEvaluated source results { controlId verdict accounts { accountId verdict } } } }`,
  ],
  ['exceptions', '{ exceptions(includeRevoked: true) { id control asset owner reason approver expires createdAt createdBy revokedAt } }'],
  ["a trail's history", 'query($id: ID!) { trail(id: $id) { history { runId changedAt kind field from to } } }', { id: arn(A, 'us-east-1', 'changing') }],
];

describe.skipIf(!URL_SET)('inventory store copy (INVENTORY_TEST_POSTGRES_URL)', () => {
  const api = createInventoryApi();
  let source: TempSqliteStore;
  let target: { url: string; drop(): Promise<void> };
  let copied: PostgresStore;
  let copy: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    source = openTempSqliteStore();
    await seed(source.store);
    await seedOtherTypes(source.store);
    target = await createTestSchema();
    copy = await runCli(['store', 'copy', '--from', source.path, '--to', target.url]);
    copied = await PostgresStore.open(target.url);
  });
  afterAll(async () => {
    await copied?.close();
    await target?.drop();
    await source?.cleanup();
  });

  it('copies every table, reporting its rows and that its checksums match', async () => {
    expect(copy.code, copy.stderr).toBe(0);
    for (const table of COPY_TABLES) {
      const rows = (source.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      expect(copy.stdout).toMatch(new RegExp(`^${table}\\s+${rows} rows copied, checksums match`, 'm'));
      const {
        rows: [target],
      } = await copied.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect(target.n, table).toBe(rows);
    }
    // Every table has content, so the checksums prove something of each.
    for (const table of COPY_TABLES) expect(copy.stdout, table).not.toMatch(new RegExp(`^${table}\\s+0 rows`, 'm'));
    expect(copy.stdout).toMatch(new RegExp(`${COPY_TABLES.length} tables, \\d+ rows at schema version 17: checksums match; committed`));
  });

  it.each(QUERIES)('answers %s the same on both stores', async (_name, query, variables) => {
    const ask = (store: InventoryStore) => runQuery(api, store, query, variables);
    const [fromSqlite, fromPostgres] = await Promise.all([ask(source.store), ask(copied)]);
    expect(fromSqlite.errors).toBeUndefined();
    expect(JSON.stringify(fromSqlite.data)).not.toMatch(/^\{("\w+":\[\],?)*\}$/);
    expect(fromPostgres).toEqual(fromSqlite);
  });

  it('keeps ids, and later inserts take the next ones', async () => {
    const lastRun = (source.store.db.prepare('SELECT max(id) AS id FROM sync_runs').get() as { id: number }).id;
    expect((await copied.startSyncRun({ collector: COLLECTOR, requestedRegions: [] })).id).toBe(lastRun + 1);
    expect((await copied.createApiToken({ name: 'writer', scope: 'admin', hash: 'cd'.repeat(32) }))!.id).toBe(2);
    const exception = await copied.addControlException({
      control: CONTROL,
      asset: arn(A, 'us-east-1', 'plain'),
      owner: 'o',
      reason: 'r',
      approver: 'a',
      expires: '2099-01-01',
      createdBy: 'local',
    });
    expect(exception.id).toBe(3);
  });

  it('gives the same counts and checksums when copying in batches of 2 rows (several batches and cursor fetches per table)', async () => {
    const other = await createTestSchema();
    try {
      const store = await PostgresStore.open(other.url);
      try {
        const report = await copyInventory(source.store, store, { batchRows: 2 });
        expect(report.tables.map((t) => t.table)).toEqual([...COPY_TABLES]);
        expect(report.tables.some((t) => t.rows > 4)).toBe(true);
        for (const table of report.tables) {
          expect(copy.stdout).toMatch(new RegExp(`^${table.table}\\s+${table.rows} rows copied, checksums match \\(sha256 ${table.checksum.slice(0, 16)}\\)`, 'm'));
        }
        // Four runs of the seed, then one per other collector.
        expect(report.identities['sync_runs.id']).toBe(4 + AWS_COLLECTORS.length - 2 + 1);
      } finally {
        await store.close();
      }
    } finally {
      await other.drop();
    }
  });

  it('never gives an API token an id the source once gave, though its row is gone (an exception may name "token 7")', async () => {
    const old = openTempSqliteStore();
    const other = await createTestSchema();
    try {
      await old.store.createApiToken({ name: 'reader', scope: 'read', hash: 'ef'.repeat(32) });
      // As migration 0008 leaves an inventory whose exceptions name a token deleted before tokens were kept.
      old.store.db.prepare(`UPDATE sqlite_sequence SET seq = 7 WHERE name = 'api_tokens'`).run();
      const store = await PostgresStore.open(other.url);
      try {
        expect((await copyInventory(old.store, store)).identities['api_tokens.id']).toBe(8);
        expect((await store.createApiToken({ name: 'writer', scope: 'admin', hash: 'cd'.repeat(32) }))!.id).toBe(8);
      } finally {
        await store.close();
      }
    } finally {
      await other.drop();
      await old.cleanup();
    }
  });

  it('refuses a target that is not empty (exit 2), naming the table, and changes nothing', async () => {
    const again = await runCli(['store', 'copy', '--from', source.path, '--to', target.url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/the target is not empty: table sync_runs has \d+ row/);
    expect(again.stdout).toBe('');
  });

  it('rolls everything back (exit 3), naming the table, when a table does not match', async () => {
    const other = await createTestSchema();
    try {
      const store = await PostgresStore.open(other.url);
      // A trigger on the target changes what is written: the copy must notice, and leave the target as it was.
      await store.pool.query(`CREATE FUNCTION shout() RETURNS trigger AS $$ BEGIN NEW.value := upper(NEW.value); RETURN NEW; END $$ LANGUAGE plpgsql`);
      await store.pool.query(`CREATE TRIGGER shout BEFORE INSERT ON asset_tags FOR EACH ROW EXECUTE FUNCTION shout()`);
      await store.close();
      const result = await runCli(['store', 'copy', '--from', source.path, '--to', other.url]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/table asset_tags does not match: asset_tags: checksums differ .*; rolled back, nothing was copied/);
      const check = await PostgresStore.open(other.url);
      try {
        for (const table of COPY_TABLES) {
          const {
            rows: [row],
          } = await check.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
          expect(row.n, table).toBe(0);
        }
      } finally {
        await check.close();
      }
    } finally {
      await other.drop();
    }
  });
});
