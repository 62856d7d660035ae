// Scheduled syncs (README, "Scheduled syncs"): `inventory serve --sync-every` runs the sync once per period, in the
// server's process. Periods are aligned on the Unix epoch (period = floor(epoch ms / every)), so that every process
// sharing the inventory counts the same ones. At each period this process runs the sync only when it leads (the store's
// SyncLeadership: on PostgreSQL one replica at a time), when it claims the period (sync_periods: one claim gets in),
// and when its previous sync has ended: a period that comes while a sync still runs is skipped, never run alongside.
import type { Logger } from '../log.js';
import type { InventoryStore, SyncLeadership } from '../store/store.js';
import type { SyncSummary } from './sync.js';

/** The longest a Node timer may wait; a longer wait is made of several. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SyncScheduleOptions {
  /** The period's length in milliseconds. */
  everyMs: number;
  /** The store the sync writes: where periods are claimed and the lead is held. */
  store: InventoryStore;
  /** Runs one sync, the one `inventory sync` runs; its signal aborts it as Ctrl-C aborts `inventory sync`. */
  sync: (signal: AbortSignal, log: Logger) => Promise<SyncSummary>;
  log: Logger;
}

export class SyncSchedule {
  private readonly abort = new AbortController();
  private readonly leadership: SyncLeadership;
  private timer: NodeJS.Timeout | undefined;
  /** The period being handled (lead, claim, sync), while it is. */
  private current: { period: number; done: Promise<void> } | undefined;
  private leading: boolean | undefined;
  private stopped = false;

  constructor(private readonly options: SyncScheduleOptions) {
    this.leadership = options.store.syncLeadership();
  }

  /** Starts with the current period: a process started mid-period syncs it unless another process has. */
  start(): void {
    this.tick(this.periodAt(Date.now()));
  }

  /** No more periods; a sync running is aborted (its accounts in progress finish) and awaited; the lead is given up. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.current) this.options.log.warn({ period: this.current.period }, 'stopping: the scheduled sync finishes the accounts in progress');
    this.abort.abort();
    await this.current?.done;
    await this.leadership.release();
  }

  private periodAt(ms: number): number {
    return Math.floor(ms / this.options.everyMs);
  }

  /** Waits for the start of `period` (in steps a timer can take), then handles it. */
  private waitFor(period: number): void {
    if (this.stopped) return;
    const delay = period * this.options.everyMs - Date.now();
    this.timer = setTimeout(() => (delay > MAX_TIMER_MS ? this.waitFor(period) : this.tick(period)), Math.max(0, Math.min(delay, MAX_TIMER_MS)));
  }

  private tick(due: number): void {
    if (this.stopped) return;
    // A timer may fire a little early, or late: the period is the one waited for, or the one now if that is later.
    const period = Math.max(due, this.periodAt(Date.now()));
    this.waitFor(period + 1);
    if (this.current) {
      this.options.log.warn({ period, startsAt: this.startOf(period), running: this.current.period }, 'scheduled sync skipped: the previous one is still running');
      return;
    }
    const done = this.handle(period).finally(() => {
      this.current = undefined;
    });
    this.current = { period, done };
  }

  private async handle(period: number): Promise<void> {
    const { store, everyMs } = this.options;
    const log = this.options.log.child({ period, startsAt: this.startOf(period) });
    try {
      if (!(await this.lead(log))) return;
      if (!(await store.claimSyncPeriod({ everyMs, period }))) {
        log.info('scheduled sync skipped: another process has synced this period');
        return;
      }
      if (this.abort.signal.aborted) return;
      log.info({ everyMs }, 'scheduled sync started');
      const summary = await this.options.sync(this.abort.signal, log);
      log.info(
        { runIds: summary.runs.map((r) => r.id), statuses: [...new Set(summary.runs.map((r) => r.status))], ...summary.totals, durationMs: summary.durationMs },
        'scheduled sync finished',
      );
    } catch (error) {
      log.error({ err: error }, 'scheduled sync failed');
    }
  }

  /** Whether this process leads now, said in the log when that changes. */
  private async lead(log: Logger): Promise<boolean> {
    let leads: boolean;
    try {
      leads = await this.leadership.lead();
    } catch (error) {
      log.warn({ err: error }, 'scheduled sync skipped: the lead could not be checked');
      this.leading = undefined;
      return false;
    }
    if (leads !== this.leading) log.info(leads ? 'this process runs the scheduled syncs' : 'another process runs the scheduled syncs');
    this.leading = leads;
    return leads;
  }

  private startOf(period: number): string {
    return new Date(period * this.options.everyMs).toISOString();
  }
}
