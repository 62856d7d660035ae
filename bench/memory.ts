// Measurement 6: memory. The peak RSS of a process running the real server over the synthetic inventory while it
// answers the seed query over HTTP, against the peak RSS of a process that runs the seed query's raw statement and
// JSON.stringify as often. Each side runs in its own child process (bench/memory-process.ts), so its peak is its own.
import { fork, type ChildProcess } from 'node:child_process';
import { openBenchInventory } from './lib/inventory.js';
import type { Benchmark, Measurement } from './lib/measure.js';
import type { MemoryReport, MemoryRequest } from './memory-process.js';
import { SEED_QUERY } from './seed-query.js';

export interface SidePeak {
  idleRssKb: number;
  maxRssKb: number;
  count: number;
}

export const serverMemory: Benchmark = {
  name: 'server-memory',
  description: 'peak RSS of the server process answering the seed query over HTTP vs a process running its raw statement + JSON.stringify',
  async run({ trails, runs, log }) {
    const inventory = await openBenchInventory(trails, log);
    // The children open the file themselves: close this connection, which also checkpoints the WAL into the file.
    await inventory.store.close();
    try {
      const server = await measureSide('server', inventory.path, async (ready) => {
        let count = 0;
        for (let i = 0; i < runs; i++) {
          const response = await fetch(ready.url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SEED_QUERY }) });
          const body = (await response.json()) as { data?: { trails: unknown[] }; errors?: unknown };
          if (!body.data) throw new Error(`the seed query failed: ${JSON.stringify(body.errors)}`);
          count = body.data.trails.length;
        }
        return count;
      });
      const raw = await measureSide('raw', inventory.path, async (_ready, child) => (await ask<{ count: number }>(child, { type: 'run', runs })).count);
      if (server.count !== inventory.unencrypted || raw.count !== inventory.unencrypted) {
        throw new Error(
          `the seed query returned ${server.count} trails from the server, ${raw.count} from the raw statement; the inventory has ${inventory.unencrypted} without a key`,
        );
      }
      for (const [side, peak] of [
        ['server', server],
        ['raw statement', raw],
      ] as const) {
        log(`  ${side} process: idle ${mb(peak.idleRssKb)} MB RSS once ready, peak ${mb(peak.maxRssKb)} MB over ${runs} seed queries (${peak.count} trails each)`);
      }
      const ours = mb(server.maxRssKb);
      const reference = mb(raw.maxRssKb);
      const measured: Measurement = {
        name: 'server-memory',
        ours,
        reference,
        ratio: Math.round((ours / reference) * 1000) / 1000,
        unit: 'MB',
        runs,
        note:
          `peak RSS (maxRSS) of a child process over ${runs} seed queries, ${inventory.unencrypted} of ${trails} trails each: ` +
          `the real server answering over HTTP (idle ${mb(server.idleRssKb)} MB) vs better-sqlite3 running the raw statement + JSON.stringify (idle ${mb(raw.idleRssKb)} MB)`,
      };
      return [measured];
    } finally {
      await inventory.close();
    }
  },
};

export const mb = (kb: number): number => Math.round((kb / 1024) * 10) / 10;

/** Starts one side's process (`workers`: the server's, else what serve starts), lets `drive` make it work, then reads its peak RSS and stops it. */
export async function measureSide(
  side: 'server' | 'raw',
  path: string,
  drive: (ready: Extract<MemoryReport, { type: 'ready' }>, child: ChildProcess) => Promise<number>,
  workers?: number,
): Promise<SidePeak> {
  const child = fork(new URL('./memory-process.ts', import.meta.url), [side, path, ...(workers === undefined ? [] : [String(workers)])], {
    execArgv: ['--import', 'tsx'],
  });
  try {
    const ready = await nextMessage<Extract<MemoryReport, { type: 'ready' }>>(child);
    const count = await drive(ready, child);
    const { maxRssKb } = await ask<{ maxRssKb: number }>(child, { type: 'peak' });
    return { idleRssKb: ready.idleRssKb, maxRssKb, count };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.connected) child.disconnect();
    if (child.exitCode === null && child.signalCode === null) await exited;
  }
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const exit = (code: number | null) => reject(new Error(`the memory benchmark's child process exited (${code})`));
    child.once('exit', exit);
    child.once('message', (message) => {
      child.off('exit', exit);
      resolve(message as T);
    });
  });
}

function ask<T>(child: ChildProcess, request: MemoryRequest): Promise<T> {
  const reply = nextMessage<T>(child);
  child.send(request);
  return reply;
}
