// How fast a sync may call AWS: calls in flight at once (in all, and per account), and calls per second per account,
// region and service, as AWS meters them. Every attempt passes here, retries included, so the limits hold for what
// AWS actually receives.
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer, MiddlewareStack } from '@smithy/types';
import pLimit, { type LimitFunction } from 'p-limit';
import { accountCallOf, signAs } from './account-call.js';
import type { SyncLimits } from './settings.js';

export { DEFAULT_LIMITS, type SyncLimits } from './settings.js';

/** Runs a call once one of a fixed number of slots is free. */
type SlotLimit = <T>(call: () => Promise<T>) => Promise<T>;

export class CallLimiter {
  private readonly global: SlotLimit;
  private readonly accounts = new Map<string, LimitFunction>();
  private readonly rates = new Map<string, RateLimit>();

  /** `slots`: the run's global slots when they are shared with other threads (src/sync/sdk-threads.ts). */
  constructor(
    readonly limits: SyncLimits,
    slots?: SharedSlots,
  ) {
    this.global = slots ? (call) => slots.run(call) : pLimit(limits.concurrency);
  }

  /**
   * Runs one AWS call once the rate of (account, region, service), then a slot of the account and a global slot allow it.
   * The rate comes first so that a call waiting for its turn holds no slot another scope's call could use; a call that
   * then waits for a slot goes later than its turn, which no rate limit minds.
   */
  run<T>(account: string, region: string, service: string, call: () => Promise<T>): Promise<T> {
    let accountLimit = this.accounts.get(account);
    if (!accountLimit) this.accounts.set(account, (accountLimit = pLimit(this.limits.accountConcurrency)));
    const key = `${account}/${region}/${service}`;
    let rate = this.rates.get(key);
    if (!rate) this.rates.set(key, (rate = new RateLimit(this.limits.callsPerSecond)));
    const limited = accountLimit;
    return rate.take().then(() => limited(() => this.global(call)));
  }

  /**
   * Makes every attempt of this client's calls go through the limiter (after the retry step, right before signing),
   * counted against the account that sent the call, which then signs it, whichever call's completion let it go.
   */
  attach(client: { middlewareStack: MiddlewareStack<object, MetadataBearer> }, region: string, service: string): void {
    const middleware =
      <Output extends MetadataBearer>(next: FinalizeHandler<object, Output>): FinalizeHandler<object, Output> =>
      (args: FinalizeHandlerArguments<object>) => {
        const call = accountCallOf(args);
        return this.run(call.limitKey, region, service, () => signAs(call, () => next(args)));
      };
    client.middlewareStack.addRelativeTo(middleware as never, {
      name: 'inventoryCallLimiter',
      relation: 'before',
      toMiddleware: 'httpSigningMiddleware',
      override: true,
    });
  }
}

/**
 * A token bucket kept as the time the next call may go (GCRA): waiters are served in order. Its burst is half of the
 * one second of calls AWS's bucket holds, so calls that reach AWS closer together than they left never overflow it.
 */
export class RateLimit {
  private readonly interval: number;
  private readonly burst: number;
  /** When the bucket will be full again if no more calls are made, in ms. */
  private theoreticalArrival = 0;

  constructor(
    callsPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.interval = 1000 / callsPerSecond;
    this.burst = burstOf(callsPerSecond);
  }

  /** Resolves when the call may be made. */
  async take(): Promise<void> {
    const now = this.now();
    const arrival = Math.max(this.theoreticalArrival, now);
    const allowedAt = arrival - (this.burst - 1) * this.interval;
    this.theoreticalArrival = arrival + this.interval;
    const wait = allowedAt - now;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
  }

  /** The least time `calls` calls can take from a full bucket: what the bench's lower bound uses. */
  static minimumDurationMs(calls: number, callsPerSecond: number): number {
    return Math.max(0, calls - burstOf(callsPerSecond)) * (1000 / callsPerSecond);
  }
}

function burstOf(callsPerSecond: number): number {
  return Math.max(1, Math.floor(callsPerSecond / 2));
}

/**
 * A count of free slots in shared memory, so that threads each running their accounts' calls keep one global limit.
 * Waiting is asynchronous (Atomics.waitAsync): a thread waiting for a slot goes on with its other work.
 */
export class SharedSlots {
  /** [free slots, calls waiting for one]. */
  private readonly cells: Int32Array;

  /** Slots over `memory`, which SharedSlots.create made and every thread of the run shares. */
  constructor(readonly memory: SharedArrayBuffer) {
    this.cells = new Int32Array(memory);
  }

  static create(slots: number): SharedSlots {
    const shared = new SharedSlots(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    Atomics.store(shared.cells, FREE, slots);
    return shared;
  }

  run<T>(call: () => Promise<T>): Promise<T> {
    const release = () => {
      Atomics.add(this.cells, FREE, 1);
      // Waking a waiter is a message to its thread: sent only when a call waits.
      if (Atomics.load(this.cells, WAITING) > 0) Atomics.notify(this.cells, FREE, 1);
    };
    const slotted = () => call().finally(release);
    return this.take() ? slotted() : this.waitForSlot().then(slotted);
  }

  /** Takes a free slot if there is one. */
  private take(): boolean {
    for (;;) {
      const free = Atomics.load(this.cells, FREE);
      if (free <= 0) return false;
      if (Atomics.compareExchange(this.cells, FREE, free, free - 1) === free) return true;
    }
  }

  private async waitForSlot(): Promise<void> {
    Atomics.add(this.cells, WAITING, 1);
    try {
      // Sleeps only while none is free: a slot released since the last look wakes it at once ('not-equal').
      while (!this.take()) {
        const wait = Atomics.waitAsync(this.cells, FREE, 0);
        if (wait.async) await wait.value;
      }
    } finally {
      Atomics.sub(this.cells, WAITING, 1);
    }
  }
}

const FREE = 0;
const WAITING = 1;
