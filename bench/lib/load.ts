// Throughput under concurrent load: autocannon POSTs one request body over and over on many keep-alive connections
// for a fixed time, and we count the responses per second. The servers under test run on this process's main thread;
// autocannon (its programmatic API) runs in a worker thread of its own, so that the load generator's own work does not
// share the servers' event loop and flatten every ratio towards 1. The worker is plain JavaScript started without
// this process's loader flags (tsx): it starts in a few tens of milliseconds instead of half a second.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type autocannon from 'autocannon';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon');

/**
 * The load run under way (0: none), in memory shared with autocannon's worker, which clears it the moment its run
 * ends, even while this thread is still busy with a slow request. Every request of a run carries its id in the
 * `x-load-run` header, so a server can tell a request left over from a finished run (see isLeftOverRequest).
 */
const currentRun = new Int32Array(new SharedArrayBuffer(4));
let runsStarted = 0;

/** Whether a request with this `x-load-run` header belongs to a load run that has ended (its client is gone). */
export function isLeftOverRequest(header: string | undefined): boolean {
  return header !== undefined && Number(header) !== Atomics.load(currentRun, 0);
}

// Off the main thread autocannon returns its raw result; its public aggregateResult makes the usual one of it.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const ended = () => Atomics.compareExchange(new Int32Array(workerData.currentRun), 0, workerData.run, 0);
autocannon(workerData.options).then(
  (raw) => {
    ended();
    parentPort.postMessage({ result: autocannon.aggregateResult([raw], workerData.options) });
  },
  (error) => {
    ended();
    parentPort.postMessage({ error: String((error && error.stack) || error) });
  },
);
`;

/** Runs autocannon with `options` in a worker thread and resolves with its result. */
function autocannonInWorker(run: number, options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    Atomics.store(currentRun, 0, run);
    const worker = new Worker(WORKER, { eval: true, execArgv: [], workerData: { autocannon: AUTOCANNON, options, run, currentRun: currentRun.buffer } });
    worker.once('message', (message: { result?: autocannon.Result; error?: string }) => {
      if (message.result) resolve(message.result);
      else reject(new Error(`autocannon failed: ${message.error}`));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      Atomics.store(currentRun, 0, 0);
      reject(error);
    });
  });
}

export interface LoadTarget {
  /** For progress lines and messages. */
  label: string;
  url: string;
  /**
   * Resolves once the server has finished the requests a run left in flight (it may still be working through them
   * after autocannon closed its connections), so that they do not run into the next measurement.
   */
  settle(): Promise<void>;
}

export interface LoadOptions {
  /** The request body, POSTed as application/json. */
  body: string;
  /** Every response must be exactly this body: one that differs counts as a mismatch, and a mismatch fails the run. */
  expectBody: string;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  /** Correct (2xx, expected body) responses per second of the run. */
  requestsPerSecond: number;
  responses: number;
  seconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** A run that got no response at all is run again twice as long, up to this long; then it fails. */
const LONGEST_RETRY_SECONDS = 16;

/**
 * One autocannon run against `target`; any error, timeout, non-2xx response or unexpected body fails it loudly, and so
 * does a run without any response, unless it is a warm-up (the naive server may answer none in a short one). A run
 * with no response and no problem was too short for the server on this machine now (a short test run on a loaded
 * machine): it is run again, twice as long, until a response comes or the run would last more than 16 s.
 */
export async function runLoad(target: LoadTarget, options: LoadOptions, warmUp = false): Promise<LoadResult> {
  let result = await loadOnce(target, options);
  for (let seconds = options.durationSeconds * 2; result.responses === 0 && !warmUp && seconds <= LONGEST_RETRY_SECONDS; seconds *= 2) {
    await target.settle();
    result = await loadOnce(target, { ...options, durationSeconds: seconds });
  }
  if (result.responses === 0 && !warmUp) throw new Error(`load on ${target.label} (${target.url}) failed: no response at all`);
  return result;
}

async function loadOnce(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const run = (runsStarted += 1);
  const result = await autocannonInWorker(run, {
    url: target.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-load-run': String(run) },
    body: options.body,
    expectBody: options.expectBody,
    connections: options.connections,
    duration: options.durationSeconds,
    // A slow server (the naive one answers a request in about a second at 100,000 trails) keeps 50 requests queued:
    // their latency is not a failure. Requests still in flight when the run ends are simply not counted.
    timeout: Math.max(10, Math.ceil(options.durationSeconds) + 10),
    // autocannon stops a run at its next sample tick: every 100 ms, so that a run lasts its duration to within 0.1 s
    // (the default of 1 s would round a 0.5 s test run up to 1 s). The per-sample histogram is not used.
    sampleInt: 100,
  });
  const problems = [
    result.errors > 0 ? `${result.errors} connection errors` : '',
    result.timeouts > 0 ? `${result.timeouts} timeouts` : '',
    result.non2xx > 0 ? `${result.non2xx} non-2xx responses (${JSON.stringify(result.statusCodeStats)})` : '',
    result.mismatches > 0 ? `${result.mismatches} responses whose body differs from the verified page` : '',
    result.resets > 0 ? `${result.resets} connection resets` : '',
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`load on ${target.label} (${target.url}) failed: ${problems.join(', ')}`);
  // result.duration is the run's measured length in seconds; requests.average is a mean of per-second samples, which a
  // server answering about once a second makes coarse: count the responses instead.
  const seconds = result.duration;
  return {
    requestsPerSecond: result['2xx'] / seconds,
    responses: result['2xx'],
    seconds,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/**
 * Measures `ours` and `reference` alternately, `runs` times each, after a shorter warm-up run of each (JIT, caches),
 * and returns each side's requests per second and latency p99. Both sides see the same body, connections and duration.
 */
export async function throughputBoth(
  runs: number,
  ours: LoadTarget,
  reference: LoadTarget,
  options: LoadOptions,
  log: (line: string) => void,
): Promise<{ ours: number[]; reference: number[]; oursP99: number[]; referenceP99: number[] }> {
  const warmUp = { ...options, durationSeconds: Math.min(2, options.durationSeconds / 2) };
  for (const target of [ours, reference]) {
    await runLoad(target, warmUp, true);
    await target.settle();
  }
  const samples = { ours: [] as number[], reference: [] as number[], oursP99: [] as number[], referenceP99: [] as number[] };
  for (let i = 0; i < runs; i++) {
    for (const [side, target] of [
      ['ours', ours],
      ['reference', reference],
    ] as const) {
      const result = await runLoad(target, options);
      await target.settle();
      samples[side].push(result.requestsPerSecond);
      samples[`${side}P99`].push(result.latencyP99Ms);
      log(
        `  run ${i + 1}/${runs} ${target.label}: ${result.requestsPerSecond.toFixed(1)} req/s (${result.responses} responses in ${result.seconds} s, ` +
          `latency p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms)`,
      );
    }
  }
  return samples;
}
