// The load runner of the throughput benchmarks: a run too short for the server to answer anything (a tiny test run on
// a loaded machine) is run again, longer, instead of failing; a server that answers wrongly still fails it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad, type LoadTarget } from '../../bench/lib/load.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server answering `body` to every request, `delayMs` after it came. */
async function slowServer(delayMs: number, body: string): Promise<LoadTarget> {
  let inFlight = 0;
  const idle: (() => void)[] = [];
  server = createServer((req, res) => {
    inFlight += 1;
    // Answered, or its client gone: either way it is over.
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) for (const done of idle.splice(0)) done();
    });
    req.resume();
    setTimeout(() => res.end(body), delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return {
    label: `a server answering after ${delayMs} ms`,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    settle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
  };
}

describe('runLoad', () => {
  it('runs again, twice as long each time, when a run was too short to get any response', async () => {
    // Each answer takes a second: a quarter-second run gets none, a run of a second or more does.
    const target = await slowServer(1000, 'ok');
    const result = await runLoad(target, { body: '{}', expectBody: 'ok', connections: 2, durationSeconds: 0.25 });
    expect(result.responses).toBeGreaterThan(0);
    expect(result.seconds).toBeGreaterThanOrEqual(1);
    expect(result.requestsPerSecond).toBe(result.responses / result.seconds);
  });

  it('still fails a run whose responses are not the expected body', async () => {
    const target = await slowServer(0, 'wrong');
    await expect(runLoad(target, { body: '{}', expectBody: 'ok', connections: 2, durationSeconds: 0.25 })).rejects.toThrow(
      /responses whose body differs from the verified page/,
    );
  });
});
