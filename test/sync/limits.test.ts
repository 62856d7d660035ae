// The call limiter: the global and per-account caps on calls in flight, and the per-scope rate, as AWS meters it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallLimiter, RateLimit } from '../../src/sync/limits.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The limits run on a fake clock, moved on timer by timer: the times they give are exact, however loaded the machine.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs every timer `work` sets, and the ones those set, until it is done. */
async function finish<T>(work: Promise<T>): Promise<T> {
  await vi.runAllTimersAsync();
  return work;
}

describe('RateLimit', () => {
  it('lets half a second of calls through at once, then spaces calls evenly', async () => {
    const rate = new RateLimit(20);
    const started = Date.now();
    const times: number[] = [];
    await finish(Promise.all(Array.from({ length: 30 }, () => rate.take().then(() => times.push(Date.now() - started)))));
    times.sort((a, b) => a - b);
    // The first 10 at once: the burst, half of AWS's one-second bucket; then 20 more at 20 per second, 50 ms apart.
    expect(times).toEqual([...Array<number>(10).fill(0), ...Array.from({ length: 20 }, (_, i) => 50 * (i + 1))]);
    // Never more calls in any one-second window than the one second of calls AWS's bucket holds, plus the refill.
    for (let i = 0; i < times.length; i++) expect(times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length).toBeLessThanOrEqual(30);
  });

  it('serves waiters in the order they came', async () => {
    const rate = new RateLimit(5);
    const order: number[] = [];
    await finish(Promise.all(Array.from({ length: 8 }, (_, i) => rate.take().then(() => order.push(i)))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('computes the least time a number of calls can take', () => {
    expect(RateLimit.minimumDurationMs(5, 10)).toBe(0);
    expect(RateLimit.minimumDurationMs(25, 10)).toBe(2000);
  });
});

describe('CallLimiter', () => {
  it('never has more calls in flight than the global and per-account limits', async () => {
    const limiter = new CallLimiter({ concurrency: 6, accountConcurrency: 2, callsPerSecond: 1000 });
    let inFlight = 0;
    let maxInFlight = 0;
    const perAccount = new Map<string, number>();
    let maxPerAccount = 0;
    const call = (account: string) => async () => {
      inFlight += 1;
      perAccount.set(account, (perAccount.get(account) ?? 0) + 1);
      maxInFlight = Math.max(maxInFlight, inFlight);
      maxPerAccount = Math.max(maxPerAccount, perAccount.get(account)!);
      await sleep(10);
      inFlight -= 1;
      perAccount.set(account, perAccount.get(account)! - 1);
    };
    const accounts = ['a', 'b', 'c', 'd', 'e'];
    await finish(Promise.all(accounts.flatMap((account) => Array.from({ length: 6 }, (_, i) => limiter.run(account, `r${i % 3}`, 'cloudtrail', call(account))))));
    expect(maxInFlight).toBe(6);
    expect(maxPerAccount).toBe(2);
  });

  it('meters the rate per account, region and service, not across them', async () => {
    const limiter = new CallLimiter({ concurrency: 100, accountConcurrency: 100, callsPerSecond: 2 });
    const started = Date.now();
    // One call in each of four scopes: each fits its own bucket, so none waits.
    await finish(
      Promise.all(
        ['a/r1/cloudtrail', 'a/r2/cloudtrail', 'b/r1/cloudtrail', 'a/r1/sts'].map((key) => {
          const [account, region, service] = key.split('/') as [string, string, string];
          return limiter.run(account, region, service, async () => undefined);
        }),
      ),
    );
    expect(Date.now() - started).toBe(0);
    // A second call in one scope waits for its bucket: half a second at 2 per second.
    const before = Date.now();
    await finish(limiter.run('a', 'r1', 'cloudtrail', async () => undefined));
    expect(Date.now() - before).toBe(500);
  });
});
