// Measurement: a server that one request cannot stop (README, "No request stops the server"). While hostile requests
// run, several at once (the OR of 20 `tags_SOME: {value_CONTAINS}` terms and of 20 `lastSeenAt` comparisons the filter
// limits allow, and `{ accounts { id trails(limit: 99) { id } } }` at the maximum cost), how fast /healthz and a cheap
// query answer: p99 with the GraphQL workers (what `inventory serve` runs) against the same server with every request
// in its own thread (--workers 0). The server runs in a child process (bench/memory-process.ts), so that the clients
// here never wait on its event loop and its peak memory is its own.
import { openBenchInventory } from './lib/inventory.js';
import type { Benchmark, Measurement } from './lib/measure.js';
import { mb, measureSide } from './memory.js';
import { defaultWorkerCount } from '../src/server/graphql-pool.js';

/** Hostile clients, each sending the next hostile request as soon as its last was answered. */
const HOSTILE_CLIENTS = 4;
/** Each probe is sent this long after the last one was answered. */
const PROBE_INTERVAL_MS = 20;
const CHEAP_QUERY = '{ trails(options: {limit: 10}) { id name } }';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const HOSTILE = [
  `{ trailsAggregate(where: {OR: [${range(20)
    .map((i) => `{tags_SOME: {value_CONTAINS: "zz${i}"}}`)
    .join(', ')}]}) { count } }`,
  '{ accounts { id trails(limit: 99) { id } } }',
  `{ trailsAggregate(where: {OR: [${range(20)
    .map((i) => `{lastSeenAt_LT: "2000-01-${String(i + 1).padStart(2, '0')}T00:00:00Z"}`)
    .join(', ')}]}) { count } }`,
];

interface Side {
  healthz: number[];
  cheap: number[];
  hostile: Record<string, number>;
  peakMb: number;
}

export const hostileLoad: Benchmark = {
  name: 'hostile-load',
  description: 'p99 of /healthz and of a cheap query while hostile requests run: with the GraphQL workers vs all in the server thread',
  async run({ trails, log, durationSeconds = 10 }) {
    const inventory = await openBenchInventory(trails, log);
    // The server's process opens the file itself: close this connection, which also checkpoints the WAL into the file.
    await inventory.store.close();
    try {
      const workers = defaultWorkerCount();
      const pool = await underAttack(inventory.path, workers, durationSeconds);
      const inProcess = await underAttack(inventory.path, 0, durationSeconds);
      const results: Measurement[] = [];
      for (const probe of ['healthz', 'cheap'] as const) {
        const ours = p99(pool[probe]);
        const reference = p99(inProcess[probe]);
        results.push({
          name: `hostile-load-${probe === 'healthz' ? 'healthz' : 'cheap-query'}-p99`,
          ours,
          reference,
          ratio: Math.round((ours / reference) * 1000) / 1000,
          unit: 'ms',
          runs: Math.min(pool[probe].length, inProcess[probe].length),
          note:
            `${probe === 'healthz' ? '/healthz' : CHEAP_QUERY} every ${PROBE_INTERVAL_MS} ms for ${durationSeconds} s beside ${HOSTILE_CLIENTS} hostile clients: ` +
            `${workers} workers (${pool[probe].length} probes, max ${max(pool[probe])} ms) vs --workers 0 (${inProcess[probe].length} probes, max ${max(inProcess[probe])} ms)`,
        });
      }
      results.push({
        name: 'hostile-load-server-memory',
        ours: pool.peakMb,
        reference: inProcess.peakMb,
        ratio: Math.round((pool.peakMb / inProcess.peakMb) * 1000) / 1000,
        unit: 'MB',
        runs: 1,
        note: 'peak RSS of the server process under the hostile load: with the workers vs --workers 0',
      });
      for (const [label, side] of [
        [`${workers} workers`, pool],
        ['--workers 0', inProcess],
      ] as const) {
        log(`  ${label}: hostile answers ${JSON.stringify(side.hostile)}`);
      }
      return results;
    } finally {
      await inventory.close();
    }
  },
};

/** Starts the server with `workers`, warms it up, then probes it for `seconds` while the hostile clients run. */
async function underAttack(path: string, workers: number, seconds: number): Promise<Side> {
  const side: Side = { healthz: [], cheap: [], hostile: {}, peakMb: 0 };
  const peak = await measureSide(
    'server',
    path,
    async (ready) => {
      const graphqlUrl = ready.url!;
      const healthzUrl = graphqlUrl.replace(/\/graphql$/, '/healthz');
      const cheap: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: CHEAP_QUERY }) };
      // The first /healthz waits for the first integrity check, and each worker's first queries compile: not measured.
      for (let i = 0; i < 30; i++) {
        await timed(healthzUrl, {});
        await timed(graphqlUrl, cheap);
      }
      const end = performance.now() + seconds * 1000;
      const stop = new AbortController();
      const attacker = async (first: number) => {
        for (let i = first; performance.now() < end; i++) {
          try {
            const response = await fetch(graphqlUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: HOSTILE[i % HOSTILE.length] }),
              signal: stop.signal,
            });
            await response.arrayBuffer();
            side.hostile[response.status] = (side.hostile[response.status] ?? 0) + 1;
          } catch (error) {
            // Still running when the measurement ends: the client leaves, which stops its work.
            if ((error as Error).name === 'AbortError') continue;
            // A keep-alive connection a blocked server closed late: what its clients meet too.
            if (!/fetch failed/.test((error as Error).message)) throw error;
            side.hostile['connection reset'] = (side.hostile['connection reset'] ?? 0) + 1;
          }
        }
      };
      const probe = async (url: string, init: RequestInit, samples: number[]) => {
        while (performance.now() < end) {
          samples.push(await timed(url, init));
          await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
        }
      };
      const attackers = range(HOSTILE_CLIENTS).map(attacker);
      await Promise.all([probe(healthzUrl, {}, side.healthz), probe(graphqlUrl, cheap, side.cheap)]);
      stop.abort();
      await Promise.allSettled(attackers);
      return side.cheap.length;
    },
    workers,
  );
  side.peakMb = mb(peak.maxRssKb);
  return side;
}

/** One request's time to its whole answer, in ms; a keep-alive connection the server closed meanwhile is retried (and counted). */
async function timed(url: string, init: RequestInit): Promise<number> {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, init);
      const text = await response.text();
      if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
      return Math.round((performance.now() - started) * 10) / 10;
    } catch (error) {
      if (attempt >= 3 || !/fetch failed/.test((error as Error).message)) throw error;
    }
  }
}

function p99(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
}

const max = (samples: readonly number[]): number => Math.max(...samples);
