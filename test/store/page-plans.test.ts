// The dashboards' pages read their rows in order from an index and stop, and count from an index alone (README,
// Querying: "Paging"): EXPLAINed on the backend under test. Counts kept between requests change with every write, on
// the store that wrote and on another store of the same inventory (another process, or a replica's server).
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE, writeOrganization } from '../../bench/lib/synthetic.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { InventoryStore } from '../../src/store/store.js';
import type { SortSpec } from '../../src/store/where.js';
import { syncRun, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

// One inventory for every test (the sync path on PostgreSQL takes seconds): the count test, last, leaves it as it was.
let temp: TempStore | undefined;
const others: InventoryStore[] = [];
beforeAll(async () => {
  temp = await openTempStore();
  await writeOrganization(temp.store, SHAPE);
  // Statistics and the visibility map, as autovacuum leaves them: PostgreSQL's index-only scans rely on the latter.
  if (temp.backend === 'postgres') await (temp.store as PostgresStore).pool.query('VACUUM ANALYZE');
});
afterAll(async () => {
  for (const store of others.splice(0)) await store.close();
  await temp?.cleanup();
});

/** The dashboard page of bench/dashboard-page.ts. */
const DASHBOARD = { where: { kmsKeyID: '', isLogging: true }, sort: [{ region: 'ASC' }] as SortSpec[] };
const SHAPE = { ...DEFAULT_SHAPE, trails: 1000 };

interface Plan {
  /** Each step of the plan, one line each, of the statement itself (not of the subqueries of its select list). */
  steps: string[];
}

/**
 * The plan of one statement of the core. SQLite: the top-level steps of EXPLAIN QUERY PLAN. PostgreSQL: the plan's
 * nodes above any subplan, with sequential and bitmap scans off, so that the plan is the index's wherever one serves
 * (at a dashboard's size the planner picks it by cost; at a test's it might read the small table whole).
 */
async function planOf(statement: { sql: string; params: readonly unknown[] }): Promise<Plan> {
  if (temp!.backend === 'sqlite') {
    const rows = (temp!.store as SqliteStore).db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as { parent: number; detail: string }[];
    return { steps: rows.filter((row) => row.parent === 0 && !/SCALAR SUBQUERY/.test(row.detail)).map((row) => row.detail) };
  }
  const client: pg.PoolClient = await (temp!.store as PostgresStore).pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL enable_seqscan = off');
    await client.query('SET LOCAL enable_bitmapscan = off');
    let n = 0;
    const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (FORMAT JSON, COSTS OFF) ${statement.sql.replace(/\?/g, () => `$${++n}`)}`,
      statement.params as unknown[],
    );
    await client.query('ROLLBACK');
    const steps: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      if (node['Parent Relationship'] === 'SubPlan' || node['Parent Relationship'] === 'InitPlan') return;
      steps.push(`${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`);
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk((rows[0]!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan);
    return { steps };
  } finally {
    client.release();
  }
}

const dashboardInventory = (): InventoryStore => temp!.store;

const core = (store: InventoryStore) => store as SqliteStore | PostgresStore;

describe('the dashboard page reads an index in order', () => {
  it('the trail page: its rows from the index of its filter and sort, without a sort step; its count from that index alone', async () => {
    const store = dashboardInventory();
    const { page, count } = core(store).assetPageStatements('Trail', DASHBOARD.where, { first: 50, sort: DASHBOARD.sort });
    const pagePlan = await planOf(page);
    const countPlan = await planOf(count);
    if (temp!.backend === 'sqlite') {
      expect(pagePlan.steps).toEqual(['SEARCH trails USING INDEX trails_by_kms_key_id (kms_key_id=? AND is_logging=?)']);
      expect(countPlan.steps).toEqual(['SEARCH trails USING COVERING INDEX trails_by_kms_key_id (kms_key_id=? AND is_logging=?)']);
    } else {
      expect(pagePlan.steps).toEqual(['Limit', 'Index Scan using trails_by_kms_key_id']);
      expect(countPlan.steps).toEqual(['Aggregate', 'Index Only Scan using trails_by_kms_key_id']);
    }
    // The page is the first 50 matches in region order, then by id.
    const { trails } = await store.findTrailsPage(DASHBOARD.where, { first: 50, sort: DASHBOARD.sort });
    const keys = trails.map((t) => `${t.region}\0${t.arn}`);
    expect(keys).toEqual([...keys].sort());
    expect(trails.every((t) => t.kmsKeyID === '' && t.isLogging === true)).toBe(true);
  });

  it('pages of every type by account then region, or by region, read in order; so does a page of one account by region', async () => {
    const store = dashboardInventory();
    const cases: { where: unknown; sort: SortSpec[]; index: string }[] = [
      { where: {}, sort: [{ region: 'ASC' }], index: 'by_region' },
      { where: {}, sort: [{ accountId: 'ASC' }, { region: 'ASC' }], index: 'by_account' },
      // A type without rows has no statistics: PostgreSQL may read it by region and keep the account's rows.
      { where: { accountId: '100000000007' }, sort: [{ region: 'ASC' }], index: 'by_' },
    ];
    for (const { name: type } of ASSET_TYPES) {
      for (const { where, sort, index } of cases) {
        const { steps } = await planOf(core(store).assetPageStatements(type, where, { first: 50, sort }).page);
        const reads = steps.filter((step) => /^(SCAN|SEARCH) |Index Scan/.test(step));
        expect({ type, where, sort, steps }).toEqual({
          type,
          where,
          sort,
          steps: expect.not.arrayContaining([expect.stringMatching(/TEMP B-TREE|^Sort|^Incremental Sort/)]),
        });
        expect(reads.length, `${type} ${JSON.stringify(sort)}: ${steps.join('; ')}`).toBe(1);
        expect(reads[0], `${type} ${JSON.stringify(sort)}`).toContain(type === 'Trail' && index === 'by_' ? 'by_account' : index);
      }
    }
  });
});

describe('counts', () => {
  /** One unencrypted, logging trail in an account of its own; an empty list deletes it. */
  const writeExtra = (store: InventoryStore, names: string[]) =>
    syncRun(store, [{ accountId: '999999999999', region: 'us-east-1', trails: names.map((name) => trailRecord(name, { account: '999999999999' })) }]);

  it('a count kept between requests changes with every write, of this store or of another on the same inventory', async () => {
    const store = dashboardInventory();
    const base = await store.countTrails(DASHBOARD.where);
    expect(base).toBeGreaterThan(50);
    expect(await store.countTrails(DASHBOARD.where)).toBe(base);

    await writeExtra(store, ['extra-1']);
    expect(await store.countTrails(DASHBOARD.where)).toBe(base + 1);
    expect(await store.countTrails({ ...DASHBOARD.where, accountId: '999999999999' })).toBe(1);

    // Another process or replica writes: this store sees it at its next count.
    const other = await temp!.reopen();
    others.push(other);
    expect(await other.countTrails(DASHBOARD.where)).toBe(base + 1);
    await writeExtra(other, ['extra-1', 'extra-2']);
    expect(await store.countTrails(DASHBOARD.where)).toBe(base + 2);
    await writeExtra(other, []);
    expect(await store.countTrails(DASHBOARD.where)).toBe(base);
    expect(await store.countTrails({ ...DASHBOARD.where, accountId: '999999999999' })).toBe(0);
    expect(await other.countTrails(DASHBOARD.where)).toBe(base);
  });
});
