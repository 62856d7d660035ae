// How fast a sync may call AWS: calls in flight at once (in all, and per account), and calls per second per account,
// region and service, as AWS meters them. Every attempt passes here, retries included, so the limits hold for what
// AWS actually receives.
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer, MiddlewareStack } from '@smithy/types';
import pLimit, { type LimitFunction } from 'p-limit';
import { accountCallOf, signAs } from './account-call.js';

export interface SyncLimits {
  /** AWS calls in flight at once, across every account. */
  concurrency: number;
  /** AWS calls in flight at once for one account. */
  accountConcurrency: number;
  /** Calls per second per account, region and service (CloudTrail documents about 10 for its read calls). */
  callsPerSecond: number;
}

export const DEFAULT_LIMITS: SyncLimits = { concurrency: 32, accountConcurrency: 8, callsPerSecond: 10 };

export class CallLimiter {
  private readonly global: LimitFunction;
  private readonly accounts = new Map<string, LimitFunction>();
  private readonly rates = new Map<string, RateLimit>();

  constructor(readonly limits: SyncLimits) {
    this.global = pLimit(limits.concurrency);
  }

  /** Runs one AWS call once a slot of the account, a global slot and the rate of (account, region, service) allow it. */
  run<T>(account: string, region: string, service: string, call: () => Promise<T>): Promise<T> {
    let accountLimit = this.accounts.get(account);
    if (!accountLimit) this.accounts.set(account, (accountLimit = pLimit(this.limits.accountConcurrency)));
    const key = `${account}/${region}/${service}`;
    let rate = this.rates.get(key);
    if (!rate) this.rates.set(key, (rate = new RateLimit(this.limits.callsPerSecond)));
    const limitedRate = rate;
    return accountLimit(() =>
      this.global(async () => {
        await limitedRate.take();
        return call();
      }),
    );
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
