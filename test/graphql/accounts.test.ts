// Accounts: the accounts query, Trail.account through a per-request DataLoader (no N+1), and `account: AccountWhere`
// as a relation filter on trails.
import DataLoader from 'dataloader';
import { isInputObjectType } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { COLLECTOR, syncRun, trailRecord, type RecordInput } from '../support/records.js';
import { openTempStore, type TempStore, ON_POSTGRES, sqliteOf } from '../support/store.js';

const api = createInventoryApi();
const OK = '111122223333';
const FAILED = '222233334444';
const OWNER = '999988887777'; // owns an organization trail that only OK's view lists; never synced itself

describe('accounts', () => {
  let temp: TempStore;
  let syncedAt: string;
  beforeAll(async () => {
    temp = await openTempStore();
    const store = temp.store;
    const run = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    await store.recordAccount(run.id, COLLECTOR, { accountId: OK, status: 'ok', enabledRegions: ['eu-west-1', 'us-east-1'] });
    await store.writeTrailScope(run.id, COLLECTOR, {
      accountId: OK,
      region: 'us-east-1',
      status: 'ok',
      trails: [trailRecord('own', { account: OK }), trailRecord('org', { account: OWNER, trail: { IsOrganizationTrail: true } })],
    });
    await store.writeTrailScope(run.id, COLLECTOR, { accountId: OK, region: 'eu-west-1', status: 'failed', error: { code: 'AccessDenied', message: 'no' }, trails: [] });
    await store.recordAccount(run.id, COLLECTOR, {
      accountId: FAILED,
      status: 'failed',
      enabledRegions: null,
      error: { code: 'AccessDenied', message: 'cannot assume role' },
    });
    await store.finishSyncRun(run.id, 'partial');
    syncedAt = (await store.scopeStates(COLLECTOR)).find((s) => s.region === 'us-east-1')!.lastSuccessAt!;
  });
  afterAll(() => temp.cleanup());

  const query = async (source: string) => {
    const result = await runQuery(api, temp.store, source);
    expect(result.errors).toBeUndefined();
    return result.data as Record<string, unknown>;
  };

  it('lists every account the inventory knows, with its freshness, latest attempt and enabled regions', async () => {
    expect(await query('{ accounts { id accountId lastSyncedAt status enabledRegions } }')).toEqual({
      accounts: [
        { id: OK, accountId: OK, lastSyncedAt: syncedAt, status: 'OK', enabledRegions: ['eu-west-1', 'us-east-1'] },
        { id: FAILED, accountId: FAILED, lastSyncedAt: null, status: 'FAILED', enabledRegions: null },
        { id: OWNER, accountId: OWNER, lastSyncedAt: null, status: null, enabledRegions: null },
      ],
    });
  });

  it('filters accounts with the generated AccountWhere', async () => {
    const where = api.schema.getType('AccountWhere');
    if (!isInputObjectType(where)) throw new Error('AccountWhere is not an input type');
    expect(Object.keys(where.getFields())).toEqual(
      expect.arrayContaining(['AND', 'OR', 'NOT', 'accountId', 'accountId_IN', 'accountId_STARTS_WITH', 'accountId_NOT_CONTAINS', 'lastSyncedAt_LT']),
    );
    const ids = async (filter: string) => ((await query(`{ accounts(where: ${filter}) { accountId } }`)).accounts as { accountId: string }[]).map((a) => a.accountId);
    expect(await ids('{accountId_STARTS_WITH: "2"}')).toEqual([FAILED]);
    expect(await ids(`{OR: [{accountId: "${OWNER}"}, {accountId_ENDS_WITH: "3333"}]}`)).toEqual([OK, OWNER]);
    // Never synced is unknown freshness: NOT keeps it, so a question about stale accounts never loses one.
    expect(await ids(`{NOT: {lastSyncedAt_GTE: "2000-01-01T00:00:00Z"}}`)).toEqual([FAILED, OWNER]);
    expect(await ids(`{lastSyncedAt_GTE: "2000-01-01T00:00:00Z"}`)).toEqual([OK]);
  });

  it('gives each trail its owner account, known or not', async () => {
    expect(await query('{ trails { name account { id status lastSyncedAt } } }')).toEqual({
      trails: [
        { name: 'own', account: { id: OK, status: 'OK', lastSyncedAt: syncedAt } },
        { name: 'org', account: { id: OWNER, status: null, lastSyncedAt: null } },
      ],
    });
  });

  it('filters trails by their account, two-valued under NOT', async () => {
    const names = async (filter: string) => ((await query(`{ trails(where: ${filter}) { name } }`)).trails as { name: string }[]).map((t) => t.name);
    expect(await names(`{account: {accountId: "${OWNER}"}}`)).toEqual(['org']);
    expect(await names('{account: {lastSyncedAt_GT: "2000-01-01T00:00:00Z"}}')).toEqual(['own']);
    expect(await names('{NOT: {account: {lastSyncedAt_GT: "2000-01-01T00:00:00Z"}}}')).toEqual(['org']);
    expect(await names('{account: {accountId_IN: []}}')).toEqual([]);
    const bad = await runQuery(api, temp.store, '{ trails(where: {account: {accountId: null}}) { name } }');
    expect(bad.errors?.[0]?.message).toContain('AccountWhere.accountId: null is not a filter value');
  });
});

describe('Trail.account without N+1', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    // 1,000 trails in 50 accounts, one region each.
    const accounts = Array.from({ length: 50 }, (_, a) => String(100000000000 + a));
    await syncRun(
      temp.store,
      accounts.map((accountId, a) => ({
        accountId,
        region: 'us-east-1',
        trails: Array.from({ length: 20 }, (_, t) => trailRecord(`trail-${a}-${t}`, { account: accountId })),
      })),
    );
  });
  afterAll(() => temp.cleanup());
  afterEach(() => vi.restoreAllMocks());

  // Counts better-sqlite3 statements: SQLite's own machinery, so it runs on SQLite only.
  it.skipIf(ON_POSTGRES)('reads 1,000 trails and their 50 accounts in two SQL statements (SQLite statements)', async () => {
    // Every statement better-sqlite3 runs goes through one of these Statement methods, cached or not.
    const statement = Object.getPrototypeOf(sqliteOf(temp).db.prepare('SELECT 1')) as Record<'all' | 'get' | 'run' | 'iterate', (...args: unknown[]) => unknown>;
    const spies = (['all', 'get', 'run', 'iterate'] as const).map((method) => vi.spyOn(statement, method));
    const result = await runQuery(api, temp.store, '{ trails(options:{limit:1000}) { id account { accountId lastSyncedAt } } }');
    const executed = spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    expect(result.errors).toBeUndefined();
    const trails = result.data!.trails as { id: string; account: { accountId: string; lastSyncedAt: string | null } }[];
    expect(trails).toHaveLength(1000);
    expect(new Set(trails.map((t) => t.account.accountId)).size).toBe(50);
    expect(trails.every((t) => t.id.split(':')[4] === t.account.accountId && typeof t.account.lastSyncedAt === 'string')).toBe(true);
    expect(executed).toBe(2); // the trails, then the accounts of all of them in one batch
  });

  // Counts better-sqlite3 statements: SQLite's own machinery, so it runs on SQLite only.
  it.skipIf(ON_POSTGRES)('reads a page with its accounts, tags and total in four statements, and the page resolves without a loader (SQLite statements)', async () => {
    const statement = Object.getPrototypeOf(sqliteOf(temp).db.prepare('SELECT 1')) as Record<'all' | 'get' | 'run' | 'iterate', (...args: unknown[]) => unknown>;
    const spies = (['all', 'get', 'run', 'iterate'] as const).map((method) => vi.spyOn(statement, method));
    const accountsById = vi.spyOn(temp.store, 'accountsById');
    const loads = vi.spyOn(DataLoader.prototype, 'load');
    const result = await runQuery(
      api,
      temp.store,
      '{ trailsConnection(first: 50, sort: [{region: ASC}]) { totalCount edges { node { id account { accountId lastSyncedAt } tags { key } } } } }',
    );
    const executed = spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    expect(result.errors).toBeUndefined();
    const { totalCount, edges } = result.data!.trailsConnection as {
      totalCount: number;
      edges: { node: { id: string; account: { accountId: string; lastSyncedAt: string | null } } }[];
    };
    expect(totalCount).toBe(1000);
    expect(edges).toHaveLength(50);
    expect(edges.every(({ node }) => node.id.split(':')[4] === node.account.accountId && typeof node.account.lastSyncedAt === 'string')).toBe(true);
    expect(executed).toBe(5); // the page, its tags, its accounts, the inventory's version, the count
    // One call for the page's distinct accounts, made with the page: the 50 edges resolve without a promise each.
    expect(accountsById).toHaveBeenCalledTimes(1);
    expect(accountsById.mock.calls[0]![0]).toEqual([...new Set(edges.map(({ node }) => node.account.accountId))]);
    expect(loads).not.toHaveBeenCalled();
    // Asked again with nothing written: the count is the one kept at this version of the inventory.
    for (const spy of spies) spy.mockClear();
    const again = await runQuery(
      api,
      temp.store,
      '{ trailsConnection(first: 50, sort: [{region: ASC}]) { totalCount edges { node { id account { accountId lastSyncedAt } tags { key } } } } }',
    );
    expect((again.data!.trailsConnection as { totalCount: number }).totalCount).toBe(1000);
    expect(spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0)).toBe(4);
  });
});

describe('Account.trails: the trails that apply to an account, as a field and as a filter', () => {
  let temp: TempStore;
  const MEMBER = '444455556666'; // sees the organization trail only
  const LONE = '777788889999'; // its own single-region trail only
  const management = (selectors: RecordInput['selectors']) =>
    trailRecord('org-trail', { account: OK, trail: { IsOrganizationTrail: true, IsMultiRegionTrail: true }, selectors });
  beforeAll(async () => {
    temp = await openTempStore();
    const allManagement: RecordInput['selectors'] = { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] };
    const orgTrail = management(allManagement);
    const run = await temp.store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
    for (const accountId of [OK, MEMBER, LONE, FAILED]) {
      await temp.store.recordAccount(
        run.id,
        COLLECTOR,
        accountId === FAILED
          ? { accountId, status: 'failed', enabledRegions: null, error: { code: 'AccessDenied', message: 'cannot assume role' } }
          : { accountId, status: 'ok', enabledRegions: ['us-east-1', 'eu-west-1'] },
      );
    }
    for (const region of ['us-east-1', 'eu-west-1']) {
      await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: OK, region, status: 'ok', trails: [orgTrail] });
      await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: MEMBER, region, status: 'ok', trails: [orgTrail] });
    }
    await temp.store.writeTrailScope(run.id, COLLECTOR, {
      accountId: LONE,
      region: 'us-east-1',
      status: 'ok',
      trails: [trailRecord('lone', { account: LONE, selectors: allManagement })],
    });
    await temp.store.writeTrailScope(run.id, COLLECTOR, { accountId: LONE, region: 'eu-west-1', status: 'ok', trails: [] });
    await temp.store.finishSyncRun(run.id, 'partial');
  });
  afterAll(() => temp.cleanup());

  const ids = async (source: string) => {
    const result = await runQuery(api, temp.store, source);
    expect(result.errors).toBeUndefined();
    return (Object.values(result.data!)[0] as { id?: string; name?: string }[]).map((item) => item.id ?? item.name);
  };
  const orgArn = `arn:aws:cloudtrail:us-east-1:${OK}:trail/org-trail`;

  it("lists each account's trails: its own, and the organization trails it sees", async () => {
    const result = await runQuery(api, temp.store, '{ accounts { id trails { id } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data!.accounts).toEqual([
      { id: OK, trails: [{ id: orgArn }] },
      { id: FAILED, trails: [] },
      { id: MEMBER, trails: [{ id: orgArn }] },
      { id: LONE, trails: [{ id: `arn:aws:cloudtrail:us-east-1:${LONE}:trail/lone` }] },
    ]);
  });

  it('filters accounts by their trails: trails_SOME, trails_NONE, and by status', async () => {
    const multiRegionLogging = '{isMultiRegionTrail: true, isLogging: true, recordsAllManagementEvents: true}';
    expect(await ids(`{ accounts(where: {trails_SOME: ${multiRegionLogging}}) { id } }`)).toEqual([OK, MEMBER]);
    expect(await ids(`{ accounts(where: {trails_NONE: ${multiRegionLogging}}) { id } }`)).toEqual([FAILED, LONE]);
    expect(await ids(`{ accounts(where: {status: OK, trails_NONE: ${multiRegionLogging}}) { id } }`)).toEqual([LONE]);
    expect(await ids('{ accounts(where: {status_IN: [FAILED]}) { id } }')).toEqual([FAILED]);
    // An account no sync attempted has no status: NOT keeps it (two-valued), the positive filter does not.
    expect(await ids('{ accounts(where: {NOT: {status: OK}}) { id } }')).toEqual([FAILED]);
    expect(await ids(`{ accounts(where: {trails_SOME: {tags_SOME: {key: "nope"}}}) { id } }`)).toEqual([]);
  });

  it("follows the relation from trails too: the outer trail's account is not confused with the inner trails", async () => {
    // Trails whose owner account has a trail that is not multi-region: only LONE's own trail.
    expect(await ids('{ trails(where: {account: {trails_SOME: {isMultiRegionTrail: false}}}) { name } }')).toEqual(['lone']);
    expect(await ids('{ trails(where: {account: {trails_NONE: {isMultiRegionTrail: false}}}) { name } }')).toEqual(['org-trail']);
  });

  it('says clearly that a filter inside trails_SOME cannot follow account.trails again', async () => {
    const result = await runQuery(api, temp.store, '{ accounts(where: {trails_SOME: {account: {trails_SOME: {}}}}) { id } }');
    expect(result.errors?.[0]?.message).toBe('where.trails_SOME.account.trails_SOME: unknown filter field "trails"');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
