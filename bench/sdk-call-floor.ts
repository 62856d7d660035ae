// What one AWS call costs in CPU before the sync does anything with it: the sync's own clients (shared per run, one
// signer per account, its limiter, on its SDK threads) sending KMS DescribeKey for 200 accounts × 8 regions to a server
// that only answers (bench/bare-aws-server.ts), against the CPU per call that org-sync's bar leaves on this machine.
// org-sync's lower bound lets 32 calls end every 20 ms; within 1.5 times that wall time, a machine of n CPUs has
// n × 1.5 × 20 / 32 ms of CPU per call for everything: the SDK, the collectors, the store and the simulator. The ratio
// is the share of that budget the SDK and an idle server take alone; on a slower machine it grows as the machine slows.
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { RunClients, type SyncClients } from '../src/sync/clients.js';
import { requestHandlerConfig } from '../src/sync/credentials.js';
import { CallLimiter, DEFAULT_LIMITS } from '../src/sync/limits.js';
import { defaultSdkThreads, SdkThreads } from '../src/sync/sdk-threads.js';
import type { BareServerStats } from './bare-aws-server.js';
import { median, type Benchmark, type Measurement } from './lib/measure.js';
import { LATENCY_MS, RATIO_BAR } from './org-sync.js';

const ACCOUNTS = 200;
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'ap-south-1'];
/** The sync's limits, but for the rate per scope: this measures CPU, and the rate would only make it wait. */
const LIMITS = { ...DEFAULT_LIMITS, callsPerSecond: 1e6 };

export const sdkCallFloor: Benchmark = {
  name: 'sdk-call-floor',
  description: 'CPU per AWS call of the sync’s SDK clients and an answering-only server vs the CPU per call org-sync’s bar leaves',
  run: async ({ runs, log }) => [await measureFloor(Math.min(runs, 3), Number(process.env.BENCH_FLOOR_CALLS) || 12_000, log)],
};

async function measureFloor(runs: number, calls: number, log: (line: string) => void): Promise<Measurement> {
  const server = fork(new URL('./bare-aws-server.ts', import.meta.url), [String(LATENCY_MS)], { execArgv: ['--import', 'tsx'] });
  const saved = { url: process.env.AWS_ENDPOINT_URL, region: process.env.AWS_REGION };
  try {
    const port = await reply<number>(server);
    Object.assign(process.env, { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_REGION: 'us-east-1' });
    const cpus = availableParallelism();
    const threads = defaultSdkThreads(ACCOUNTS, cpus);
    const budgetMs = (cpus * RATIO_BAR * LATENCY_MS) / LIMITS.concurrency;
    log(
      `${calls} DescribeKey calls of ${ACCOUNTS} accounts × ${REGIONS.length} regions, ${LIMITS.concurrency} in flight, ${LATENCY_MS} ms each; ${threads} SDK threads (the sync's default on ${cpus} CPUs)`,
    );
    await sendCalls(threads, Math.ceil(calls / 3)); // compiles the SDK's code on every thread first
    const perCall: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const before = await reply<BareServerStats>(server, 'stats');
      const cpu = process.cpuUsage();
      const started = performance.now();
      const sent = await sendCalls(threads, calls);
      const wallMs = performance.now() - started;
      const { user, system } = process.cpuUsage(cpu);
      const after = await reply<BareServerStats>(server, 'stats');
      const clientMs = (user + system) / 1000 / sent;
      const boundMs = (sent * LATENCY_MS) / LIMITS.concurrency;
      const serverMs = (after.cpuMs - before.cpuMs) / (after.answered - before.answered);
      perCall.push(clientMs + serverMs);
      log(
        `run ${run + 1}: SDK clients ${clientMs.toFixed(3)} ms of CPU per call, server ${serverMs.toFixed(3)} ms; ` +
          `wall time ${(wallMs / 1000).toFixed(2)} s vs ${(boundMs / 1000).toFixed(2)} s for ${LIMITS.concurrency} calls every ${LATENCY_MS} ms (ratio ${(wallMs / boundMs).toFixed(2)}, as org-sync's of a sync that only made the calls)`,
      );
    }
    const floor = median(perCall);
    log(`CPU per call: ${floor.toFixed(3)} ms before any collector, store or simulator logic, of the ${budgetMs.toFixed(3)} ms org-sync's bar leaves on ${cpus} CPUs`);
    return {
      name: 'sdk-call-floor',
      ours: Math.round(floor * 1000),
      reference: Math.round(budgetMs * 1000),
      ratio: Math.round((floor / budgetMs) * 1000) / 1000,
      unit: 'µs CPU',
      runs,
      note: `CPU per AWS call of the sync's SDK clients (${threads} threads) and a server that only answers, vs ${cpus} CPUs × ${RATIO_BAR} × ${LATENCY_MS} ms / ${LIMITS.concurrency} calls in flight`,
    };
  } finally {
    if (saved.url === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved.url;
    if (saved.region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved.region;
    server.disconnect();
  }
}

/** About `calls` DescribeKey calls, spread evenly over the accounts, each account's one after another across its regions; returns how many. */
async function sendCalls(threads: number, calls: number): Promise<number> {
  const handler = requestHandlerConfig(30_000);
  const clients: SyncClients =
    threads > 0
      ? new SdkThreads(threads, { settings: {}, limits: LIMITS, maxAttempts: 3, requestHandler: handler })
      : new RunClients({}, new CallLimiter(LIMITS), { maxAttempts: 3, requestHandler: handler });
  try {
    const perAccount = Math.ceil(calls / ACCOUNTS);
    await Promise.all(
      Array.from({ length: ACCOUNTS }, async (_, i) => {
        const account = clients.forAccount(String(100_000_000_000 + i), { accessKeyId: `AKIDFLOOR${i}`, secretAccessKey: `floor-secret-${i}` });
        for (let k = 0; k < perAccount; k += 1) {
          const region = REGIONS[(i + k) % REGIONS.length]!;
          await account.client(KMSClient, region, 'kms').send(new DescribeKeyCommand({ KeyId: `alias/floor-${k}` }));
        }
      }),
    );
    return perAccount * ACCOUNTS;
  } finally {
    await clients.close();
  }
}

function reply<T>(child: ChildProcess, message?: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T));
    if (message) child.send(message);
  });
}
