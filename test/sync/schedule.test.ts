// The scheduler of scheduled syncs (src/sync/schedule.ts, README "Scheduled syncs") over a store that only claims
// periods and answers who leads: one sync at a time, a period skipped while a sync runs, nothing synced without the
// lead or the claim, and stop() aborting the running sync and waiting for it. Periods here are tens of milliseconds.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { InventoryStore, SyncPeriod } from '../../src/store/store.js';
import { SyncSchedule } from '../../src/sync/schedule.js';
import type { SyncSummary } from '../../src/sync/sync.js';

const EVERY_MS = 20;

function harness(options: { leads?: () => boolean; claims?: boolean } = {}) {
  const claimed: number[] = [];
  const lines: { msg: string; period?: number }[] = [];
  let released = false;
  const store = {
    async claimSyncPeriod({ period }: SyncPeriod) {
      if (options.claims === false || claimed.includes(period)) return false;
      claimed.push(period);
      return true;
    },
    syncLeadership: () => ({
      lead: async () => options.leads?.() ?? true,
      release: async () => {
        released = true;
      },
    }),
  } as unknown as InventoryStore;
  const log = createLogger('debug', { out: { write: (line: string) => lines.push(JSON.parse(line)) } });
  const logged = (msg: string) => lines.filter((line) => line.msg === msg);
  return { store, log, claimed, logged, released: () => released };
}

const summary = { runs: [{ id: 1, status: 'succeeded' }], totals: {}, durationMs: 0 } as unknown as SyncSummary;

describe('SyncSchedule', () => {
  it('runs one sync at a time: a period that comes while a sync runs is skipped, and said so', async () => {
    const { store, log, claimed, logged } = harness();
    const periods: number[] = [];
    let inFlight = 0;
    let most = 0;
    let release: () => void = () => undefined;
    const schedule = new SyncSchedule({
      everyMs: EVERY_MS,
      store,
      log,
      sync: async (_signal, syncLog) => {
        periods.push((syncLog.bindings() as { period: number }).period);
        most = Math.max(most, ++inFlight);
        // The first sync lasts until released; the others end at once.
        if (periods.length === 1) await new Promise<void>((resolve) => (release = resolve));
        inFlight--;
        return summary;
      },
    });
    schedule.start();
    try {
      await waitFor(() => logged('scheduled sync skipped: the previous one is still running').length >= 2);
      expect(periods).toHaveLength(1);
      release();
      await waitFor(() => periods.length >= 3);
    } finally {
      await schedule.stop();
    }
    expect(most).toBe(1);
    // Every sync had a period of its own, claimed first, later than the one before.
    expect(periods).toEqual([...new Set(periods)].sort((a, b) => a - b));
    for (const period of periods) expect(claimed).toContain(period);
    const skipped = logged('scheduled sync skipped: the previous one is still running').map((line) => line.period!);
    for (const period of skipped) expect(claimed).not.toContain(period);
    expect(logged('scheduled sync started').length).toBe(periods.length);
  });

  it('syncs nothing while another process leads, and begins when this one takes the lead', async () => {
    let leads = false;
    const { store, log, claimed, logged } = harness({ leads: () => leads });
    let syncs = 0;
    const schedule = new SyncSchedule({ everyMs: EVERY_MS, store, log, sync: async () => (syncs++, summary) });
    schedule.start();
    try {
      await waitFor(() => logged('another process runs the scheduled syncs').length === 1 && claimed.length === 0);
      expect(syncs).toBe(0);
      leads = true;
      await waitFor(() => syncs >= 1);
      expect(logged('this process runs the scheduled syncs')).toHaveLength(1);
    } finally {
      await schedule.stop();
    }
  });

  it('syncs no period another process claimed', async () => {
    const { store, log, logged } = harness({ claims: false });
    let syncs = 0;
    const schedule = new SyncSchedule({ everyMs: EVERY_MS, store, log, sync: async () => (syncs++, summary) });
    schedule.start();
    try {
      await waitFor(() => logged('scheduled sync skipped: another process has synced this period').length >= 2);
    } finally {
      await schedule.stop();
    }
    expect(syncs).toBe(0);
  });

  it('stop() aborts the running sync, waits for it to end, starts no other, and gives up the lead', async () => {
    const { store, log, released } = harness();
    let started = 0;
    let ended = false;
    const schedule = new SyncSchedule({
      everyMs: EVERY_MS,
      store,
      log,
      sync: async (signal) => {
        started++;
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        // The accounts in progress finish after the abort: the sync ends a little later.
        await new Promise((resolve) => setTimeout(resolve, 10));
        ended = true;
        return summary;
      },
    });
    schedule.start();
    await waitFor(() => started === 1);
    await schedule.stop();
    expect(ended).toBe(true);
    expect(released()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, EVERY_MS * 3));
    expect(started).toBe(1);
  });
});

// The timeout is a safety net; a loaded machine may take many times longer.
async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the schedule');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
