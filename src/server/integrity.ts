// /healthz and /readyz report a database that fails its integrity check (README, Operations). The check of a large
// inventory takes seconds, so it runs off the event loop (store.checkIntegrity({ offThread: true })), once at start, and
// again once the database has changed (store.changeStamp), at most every minIntervalMs; a probe meanwhile gets the
// latest finished result, and waits only for the very first.
import type { IntegrityReport, InventoryStore } from '../store/store.js';

/** How often a changed database is checked again, at most. */
export const DEFAULT_INTEGRITY_INTERVAL_MS = 60_000;

interface Check {
  stamp: string;
  startedAt: number;
  report: Promise<IntegrityReport>;
}

export class IntegrityWatch {
  private finished: IntegrityReport | undefined;
  private latest: Check | undefined;

  constructor(
    private readonly store: Pick<InventoryStore, 'checkIntegrity' | 'changeStamp'>,
    private readonly minIntervalMs = DEFAULT_INTEGRITY_INTERVAL_MS,
  ) {}

  /** The latest finished check; starts another when the database changed since the last and none ran for the interval. */
  async current(): Promise<IntegrityReport> {
    const stamp = await this.store.changeStamp();
    const now = Date.now();
    const due = !this.latest || (this.latest.stamp !== stamp && now - this.latest.startedAt >= this.minIntervalMs);
    if (due) {
      const report = this.store.checkIntegrity({ offThread: true });
      this.latest = { stamp, startedAt: now, report };
      void report.then((result) => {
        if (this.latest?.report === report) this.finished = result;
      });
    }
    return this.finished ?? this.latest!.report;
  }

  /** Resolves when no check is running: the server's close waits for it, so no reader of the file outlives the server. */
  async idle(): Promise<void> {
    await this.latest?.report.catch(() => undefined);
  }

  /** The check started last, when it finishes (tests, and the server's start). */
  async settled(): Promise<IntegrityReport> {
    if (!this.latest) await this.current();
    const report = await this.latest!.report;
    this.finished = report;
    return report;
  }
}
