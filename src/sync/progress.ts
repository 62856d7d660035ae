// What a running sync has done so far, and a one-line display of it for terminals.
import { terminalValue } from '../terminal-text.js';
import type { ScopeCounts, ScopeStatus } from '../store/store.js';

export interface ProgressState {
  accountsTotal: number;
  accountsDone: number;
  accountsFailed: number;
  /** Scopes known so far: an account's regions are known once it has been reached. */
  scopesTotal: number;
  scopesOk: number;
  scopesSkipped: number;
  scopesFailed: number;
  trailsSeen: number;
  startedAt: number;
}

export class SyncProgress {
  readonly state: ProgressState = {
    accountsTotal: 0,
    accountsDone: 0,
    accountsFailed: 0,
    scopesTotal: 0,
    scopesOk: 0,
    scopesSkipped: 0,
    scopesFailed: 0,
    trailsSeen: 0,
    startedAt: Date.now(),
  };

  accountsPlanned(count: number): void {
    this.state.accountsTotal = count;
  }

  scopesPlanned(count: number): void {
    this.state.scopesTotal += count;
  }

  scopeWritten(status: ScopeStatus, counts: ScopeCounts): void {
    if (status === 'ok') this.state.scopesOk += 1;
    else if (status === 'skipped') this.state.scopesSkipped += 1;
    else this.state.scopesFailed += 1;
    this.state.trailsSeen += counts.seen;
  }

  accountDone(): void {
    this.state.accountsDone += 1;
  }

  accountFailed(): void {
    this.state.accountsDone += 1;
    this.state.accountsFailed += 1;
  }
}

/** "accounts 45/200 (1 failed) · regions 760/3400 (2 failed) · trail sightings 812 · 12.3s" */
export function progressLine(state: ProgressState, now = Date.now()): string {
  const scopesDone = state.scopesOk + state.scopesSkipped + state.scopesFailed;
  const failed = (n: number): string => (n > 0 ? ` (${n} failed)` : '');
  return [
    `accounts ${state.accountsDone}/${state.accountsTotal}${failed(state.accountsFailed)}`,
    `regions ${scopesDone}/${state.scopesTotal}${failed(state.scopesFailed)}`,
    `trail sightings ${state.trailsSeen}`,
    `${((now - state.startedAt) / 1000).toFixed(1)}s`,
  ].join(' · ');
}

/** Redraws the progress line on a terminal a few times a second; `clear` makes room for a log line, `redraw` follows it. */
export class ProgressDisplay {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly progress: SyncProgress,
    private readonly out: NodeJS.WriteStream,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  /** Draws the line again at once after a log line, unless the display is stopped (or not yet started). */
  redraw(): void {
    if (this.timer) this.draw();
  }

  draw(): void {
    // Only the display's own sequence (carriage return, erase line) drives the terminal; the line itself is escaped.
    this.out.write(`\r\x1b[2K${terminalValue(progressLine(this.progress.state))}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}
