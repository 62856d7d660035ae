// The store's part in scheduled syncs (README, "Scheduled syncs"): a period is claimed once, whoever else tries, and
// on PostgreSQL one process at a time leads; a process whose session ends loses the lead to the next that tries.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { InventoryStore } from '../../src/store/store.js';
import { createTestSchema, openTempStore, type TempStore } from '../support/store.js';

let temp: TempStore;
afterEach(async () => temp?.cleanup());

describe('claimSyncPeriod', () => {
  it('lets one claim of a period in, recording who made it; other periods and lengths are claims of their own', async () => {
    temp = await openTempStore();
    const other = await temp.reopen();
    try {
      const hour = { everyMs: 3_600_000, period: 490_000 };
      // Two processes claim the same period at once: exactly one gets it.
      const first = await Promise.all([temp.store.claimSyncPeriod(hour), other.claimSyncPeriod(hour)]);
      expect(first.filter(Boolean)).toHaveLength(1);
      expect(await temp.store.claimSyncPeriod(hour)).toBe(false);
      expect(await other.claimSyncPeriod({ ...hour, period: 490_001 })).toBe(true);
      expect(await other.claimSyncPeriod({ everyMs: 1_800_000, period: 490_000 })).toBe(true);
      expect(await temp.sql('SELECT every_ms, CAST(period AS INTEGER) AS period, starts_at, host, pid FROM sync_periods ORDER BY every_ms, period')).toEqual([
        { every_ms: 1_800_000, period: 490_000, starts_at: '1997-12-13T08:00:00.000Z', host: hostname(), pid: process.pid },
        { every_ms: 3_600_000, period: 490_000, starts_at: '2025-11-24T16:00:00.000Z', host: hostname(), pid: process.pid },
        { every_ms: 3_600_000, period: 490_001, starts_at: '2025-11-24T17:00:00.000Z', host: hostname(), pid: process.pid },
      ]);
    } finally {
      await other.close();
    }
  });
});

const URL_SET = Boolean(process.env.INVENTORY_TEST_POSTGRES_URL);

describe.skipIf(!URL_SET)('syncLeadership on PostgreSQL (INVENTORY_TEST_POSTGRES_URL)', () => {
  it('is held by one process at a time, per inventory; released, or its session ended, the next that tries takes it', async () => {
    const schemas = [await createTestSchema(), await createTestSchema()];
    const stores: InventoryStore[] = [];
    try {
      for (const url of [schemas[0]!.url, schemas[0]!.url, schemas[1]!.url]) stores.push(await PostgresStore.open(url));
      const [a, b, elsewhere] = stores.map((store) => store.syncLeadership());
      expect(await a!.lead()).toBe(true);
      expect(await b!.lead()).toBe(false);
      // Another inventory (schema) has a lead of its own.
      expect(await elsewhere!.lead()).toBe(true);
      // Asked again, the leader still leads, and the other still does not.
      expect(await a!.lead()).toBe(true);
      expect(await b!.lead()).toBe(false);
      await a!.release();
      expect(await b!.lead()).toBe(true);
      expect(await a!.lead()).toBe(false); // released for good

      // The leader's session ends (as when its process is killed): the next process to try takes the lead.
      const c = stores[0]!.syncLeadership();
      expect(await c.lead()).toBe(false);
      const admin = new pg.Client({ connectionString: process.env.INVENTORY_TEST_POSTGRES_URL });
      await admin.connect();
      try {
        // The lock's key as the store makes it (the schema, then what is locked), in pg_locks' two halves.
        const key = BigInt.asUintN(64, createHash('sha256').update(`${schemas[0]!.schema}\0scheduled syncs`).digest().readBigInt64BE(0));
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid = $1::oid AND objid = $2::oid
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [String(key >> 32n), String(key & 0xffffffffn)],
        );
        expect(rowCount).toBe(1);
      } finally {
        await admin.end();
      }
      await waitFor(async () => await c.lead());
      await Promise.all([b!.release(), c.release(), elsewhere!.release()]);
    } finally {
      for (const store of stores) await store.close();
      for (const schema of schemas) await schema.drop();
    }
  });
});

// The timeout is a safety net; a loaded machine may take many times longer.
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the lead');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
