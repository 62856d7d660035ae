// The named checks Cyscale's control library calls as root fields (schema/named-checks.graphql): AWSLogging1, the
// accounts without a logging multi-region trail that records every management event, and AWSLogging4, the trails not
// delivering to CloudWatch Logs within a day. Each case is one way an account or trail passes or fails; what could not
// be read fails. "Now" is given to each query, so no case depends on when it runs. On both stores (INVENTORY_TEST_DB).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadControl } from '../../src/controls/catalog.js';
import { evaluateControl } from '../../src/controls/evaluate.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import type { TrailRecord } from '../../src/model/trail.js';
import type { InventoryStore } from '../../src/store/store.js';
import { COLLECTOR, trailRecord, type RecordInput } from '../support/records.js';
import { openTempStore, removeDir, tempDir, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const ALL_MANAGEMENT_EVENTS: RecordInput['selectors'] = { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] };

/** A multi-region trail that logs and records every management event, unless `input` says otherwise. */
const trail = (name: string, account: string, input: RecordInput = {}): TrailRecord =>
  trailRecord(name, { account, selectors: ALL_MANAGEMENT_EVENTS, ...input, trail: { IsMultiRegionTrail: true, ...input.trail } });

/** One sync run: each account's outcome, then the trails each account's scope lists. */
async function sync(store: InventoryStore, accounts: { id: string; status?: 'ok' | 'failed'; lists?: TrailRecord[] }[]): Promise<void> {
  const run = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: ['us-east-1'] });
  for (const account of accounts) {
    const failed = account.status === 'failed';
    await store.recordAccount(run.id, COLLECTOR, {
      accountId: account.id,
      status: failed ? 'failed' : 'ok',
      enabledRegions: failed ? null : ['us-east-1'],
      ...(failed ? { error: { code: 'AccessDenied', message: 'the role cannot be assumed' } } : {}),
    });
    if (!failed) await store.writeTrailScope(run.id, COLLECTOR, { accountId: account.id, region: 'us-east-1', status: 'ok', trails: account.lists ?? [] });
  }
  await store.finishSyncRun(run.id, 'succeeded');
}

async function query(store: InventoryStore, text: string, now?: Date): Promise<Record<string, unknown>> {
  const result = await runQuery(api, store, text, undefined, now ? { now } : {});
  expect(result.errors, text).toBeUndefined();
  return result.data as Record<string, unknown>;
}

describe('AWSLogging1: accounts without a logging multi-region trail that records all management events', () => {
  const MANAGEMENT = '100000000001';
  const MEMBER = '100000000002';
  const NO_TRAIL = '100000000003';
  const SINGLE_REGION = '100000000004';
  const NOT_LOGGING = '100000000005';
  const STATUS_UNKNOWN = '100000000006';
  const SELECTORS_UNKNOWN = '100000000007';
  const WRITE_ONLY = '100000000008';
  const FAILED = '100000000009';
  const OUTSIDE_MEMBER = '100000000010';
  const OUTSIDE_OWNER = '100000000011';
  let temp: TempStore;

  beforeAll(async () => {
    temp = await openTempStore();
    const orgTrail = trail('org-trail', MANAGEMENT, { trail: { IsOrganizationTrail: true } });
    // The organization trail of an owner the inventory never synced: its member cannot read its status (null).
    const unreadOrgTrail = trail('outside-org-trail', OUTSIDE_OWNER, { trail: { IsOrganizationTrail: true }, status: null });
    await sync(temp.store, [
      { id: MANAGEMENT, lists: [orgTrail] },
      { id: MEMBER, lists: [orgTrail] }, // the management account's organization trail, seen from the member
      { id: NO_TRAIL },
      { id: SINGLE_REGION, lists: [trail('regional', SINGLE_REGION, { trail: { IsMultiRegionTrail: false } })] },
      { id: NOT_LOGGING, lists: [trail('stopped', NOT_LOGGING, { status: { IsLogging: false } })] },
      { id: STATUS_UNKNOWN, lists: [trail('status-unknown', STATUS_UNKNOWN, { status: null })] },
      { id: SELECTORS_UNKNOWN, lists: [trail('selectors-unknown', SELECTORS_UNKNOWN, { selectors: null })] },
      { id: WRITE_ONLY, lists: [trail('write-only', WRITE_ONLY, { selectors: { EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] } })] },
      { id: FAILED, status: 'failed' },
      { id: OUTSIDE_MEMBER, lists: [unreadOrgTrail] },
    ]);
  });
  afterAll(() => temp.cleanup());

  it('returns every such account, by id, selectable with the stored AssetFragment', async () => {
    const failing = [NO_TRAIL, SINGLE_REGION, NOT_LOGGING, STATUS_UNKNOWN, SELECTORS_UNKNOWN, WRITE_ONLY, FAILED, OUTSIDE_MEMBER];
    expect(await query(temp.store, '{ AWSLogging1 {...AssetFragment} }')).toEqual({
      AWSLogging1: failing.map((id) => ({ id, accountId: id, cloudAccountName: null })),
    });
  });

  it("counts an organization trail for the members that see it, and never judges an owner the inventory only knows from its members' view", async () => {
    const ids = ((await query(temp.store, '{ AWSLogging1 { id } }')).AWSLogging1 as { id: string }[]).map((a) => a.id);
    expect(ids).not.toContain(MANAGEMENT);
    expect(ids).not.toContain(MEMBER);
    expect(ids).not.toContain(OUTSIDE_OWNER);
    // The owner is known to the inventory (it owns a live trail), just not judged.
    expect(await query(temp.store, `{ accounts(where: {id: "${OUTSIDE_OWNER}"}) { id status } }`)).toEqual({ accounts: [{ id: OUTSIDE_OWNER, status: null }] });
  });

  it("answers Cyscale's query as its library writes it, with Cyscale's fragment", async () => {
    const result = await query(
      temp.store,
      `{
  AWSLogging1 {...AssetFragment}
}
fragment AssetFragment on IAsset { identifier accountID cloudAccountID cloudAccountName cloudProvider idFromProvider internalAssetType internalName internalRegion assetCategory contentHash }`,
    );
    expect((result.AWSLogging1 as unknown[])[0]).toEqual({
      identifier: NO_TRAIL,
      accountID: NO_TRAIL,
      cloudAccountID: NO_TRAIL,
      cloudAccountName: null,
      cloudProvider: 'aws',
      idFromProvider: NO_TRAIL,
      internalAssetType: 'Connector',
      internalName: null,
      internalRegion: '',
      assetCategory: 'Account',
      contentHash: null,
    });
  });

  it('returns an account again once its only qualifying trail stops logging, and drops it once it logs again', async () => {
    const own = await openTempStore();
    try {
      await sync(own.store, [{ id: MANAGEMENT, lists: [trail('main', MANAGEMENT)] }]);
      expect(await query(own.store, '{ AWSLogging1 { id } }')).toEqual({ AWSLogging1: [] });
      await sync(own.store, [{ id: MANAGEMENT, lists: [trail('main', MANAGEMENT, { status: { IsLogging: false } })] }]);
      expect(await query(own.store, '{ AWSLogging1 { id } }')).toEqual({ AWSLogging1: [{ id: MANAGEMENT }] });
      // A second, qualifying trail beside the stopped one: the account has one.
      await sync(own.store, [{ id: MANAGEMENT, lists: [trail('main', MANAGEMENT, { status: { IsLogging: false } }), trail('backup', MANAGEMENT)] }]);
      expect(await query(own.store, '{ AWSLogging1 { id } }')).toEqual({ AWSLogging1: [] });
    } finally {
      await own.cleanup();
    }
  });
});

describe('AWSLogging4: trails not delivering to CloudWatch Logs within a day', () => {
  const ACCOUNT = '200000000001';
  const NOW = new Date('2026-06-01T12:00:00.000Z');
  const hoursBefore = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000);
  const LOG_GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:cloudtrail:*`;
  const integrated = (name: string, status: RecordInput['status']) =>
    trail(name, ACCOUNT, { trail: { CloudWatchLogsLogGroupArn: LOG_GROUP, CloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/ct` }, status });
  let temp: TempStore;

  beforeAll(async () => {
    temp = await openTempStore();
    await sync(temp.store, [
      {
        id: ACCOUNT,
        lists: [
          trail('a-no-log-group', ACCOUNT, { status: { LatestCloudWatchLogsDeliveryTime: hoursBefore(1) } }),
          integrated('b-fresh', { LatestCloudWatchLogsDeliveryTime: hoursBefore(1) }),
          integrated('c-a-day-ago', { LatestCloudWatchLogsDeliveryTime: hoursBefore(24) }),
          integrated('d-stale', { LatestCloudWatchLogsDeliveryTime: hoursBefore(25) }),
          integrated('e-never-delivered', {}),
          integrated('f-status-unknown', null),
        ],
      },
    ]);
  });
  afterAll(() => temp.cleanup());

  const names = async (now: Date) => ((await query(temp.store, '{ AWSLogging4 { name } }', now)).AWSLogging4 as { name: string }[]).map((t) => t.name);

  it('returns the trails without a log group, or whose latest delivery is older than a day, missing or unknown', async () => {
    expect(await names(NOW)).toEqual(['a-no-log-group', 'd-stale', 'e-never-delivered', 'f-status-unknown']);
  });

  it('judges at the time it is asked: the same trails a day later', async () => {
    expect(await names(new Date(NOW.getTime() + 23 * 3_600_000))).toEqual(['a-no-log-group', 'c-a-day-ago', 'd-stale', 'e-never-delivered', 'f-status-unknown']);
    expect(await names(new Date(NOW.getTime() + 48 * 3_600_000))).toEqual([
      'a-no-log-group',
      'b-fresh',
      'c-a-day-ago',
      'd-stale',
      'e-never-delivered',
      'f-status-unknown',
    ]);
  });

  it('returns trails like any list, selectable with the stored AssetFragment', async () => {
    const result = await query(temp.store, '{ AWSLogging4 {...AssetFragment} }', NOW);
    expect((result.AWSLogging4 as { id: string; assetType: string; accountId: string }[])[0]).toMatchObject({
      id: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/a-no-log-group`,
      assetType: 'Trail',
      accountId: ACCOUNT,
    });
  });
});

describe('the control engine over the named checks', () => {
  /** A control of the shipped format whose stored query calls a named check. */
  function control(id: string, assetType: string, query: string, evaluates?: string) {
    const dir = tempDir();
    try {
      let source = readFileSync(join(CONTROLS_DIR, 'aws', 'cloudtrail-logging.yaml'), 'utf8')
        .replace(/^id: .*$/m, `id: ${id}`)
        .replace(/^assetTypes: .*$/m, `assetTypes: [${assetType}]`)
        .replace(/^query: \|\n.*$/m, `query: |\n  ${query}`);
      if (evaluates) source = source.replace(/^expect: /m, `evaluates: |\n  ${evaluates}\nexpect: `);
      const path = join(dir, `${id}.yaml`);
      writeFileSync(path, source);
      return loadControl(api, path, dir);
    } finally {
      removeDir(dir);
    }
  }

  it("names each account AWSLogging1 returns, as an account-level control's failing accounts", async () => {
    const temp = await openTempStore();
    try {
      const [owner, member, bare] = ['300000000001', '300000000002', '300000000003'];
      const orgTrail = trail('org', owner, { trail: { IsOrganizationTrail: true } });
      await sync(temp.store, [{ id: owner, lists: [orgTrail] }, { id: member, lists: [orgTrail] }, { id: bare }]);
      const verdict = await evaluateControl(
        api,
        temp.store,
        control('aws-logging-1', 'Trail', 'AWSLogging1 {...AssetFragment}', 'accounts(where:{status:OK}){ id accountId }'),
      );
      expect(verdict).toMatchObject({ verdict: 'FAIL', evaluatedUnit: 'account', evaluatedCount: 3 });
      expect(verdict.failingAssets).toEqual([{ id: bare, name: '', assetType: 'Account', accountId: bare, region: '' }]);
      expect(verdict.accounts!.map((a) => [a.accountId, a.verdict])).toEqual([
        [owner, 'PASS'],
        [member, 'PASS'],
        [bare, 'FAIL'],
      ]);
    } finally {
      await temp.cleanup();
    }
  });

  it("judges AWSLogging4 at the verdict's time", async () => {
    const temp = await openTempStore();
    try {
      const account = '300000000004';
      const synced = new Date();
      await sync(temp.store, [
        {
          id: account,
          lists: [
            trail('delivering', account, {
              trail: { CloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${account}:log-group:ct:*` },
              status: { LatestCloudWatchLogsDeliveryTime: new Date(synced.getTime() - 3_600_000) },
            }),
          ],
        },
      ]);
      const check = control('aws-logging-4', 'Trail', 'AWSLogging4 {...AssetFragment}');
      // The sync's own time, then a day later (the sync is still fresh then: its inventory is complete either way).
      expect((await evaluateControl(api, temp.store, check, { now: synced })).verdict).toBe('PASS');
      const later = await evaluateControl(api, temp.store, check, { now: new Date(synced.getTime() + 25 * 3_600_000) });
      expect(later.verdict).toBe('FAIL');
      expect(later.failingAssets.map((a) => a.name)).toEqual(['delivering']);
    } finally {
      await temp.cleanup();
    }
  });
});
