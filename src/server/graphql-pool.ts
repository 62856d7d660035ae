// GraphQL reads over a SQLite file in worker threads (README, "No request stops the server"): a SQLite statement is
// synchronous, so on the event loop one costly read would hold up every other request, /healthz included. Each worker
// has its own read-only connection, schema and Apollo Server with the same plugins as the server's own
// (createApolloServer); this module owns the workers and the two lanes requests wait in (src/server/lanes.ts). A
// request is stopped (past its deadline, or its client gone) through memory shared with its worker, which the worker's
// statements read at every row.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Caller, ExceptionRules } from '../graphql/context.js';
import type { FilterLimits } from '../graphql/filter-limits.js';
import type { Logger } from '../log.js';
import { PACKAGE_ROOT } from '../paths.js';
import { RequestStopped, ServerBusyError } from './deadline.js';
import type { Lane } from './lanes.js';
import type { RequestLimits } from './limits.js';

/** The default of `serve --workers`: a worker per CPU up to 4, and at least 2 so that cheap reads keep one of their own. */
export function defaultWorkerCount(): number {
  return Math.max(2, Math.min(4, availableParallelism()));
}

/**
 * Requests that may wait in a lane per worker that serves it; past that, 503 SERVER_BUSY. Enough for a dashboard's 50
 * concurrent users on one worker; each waits at most the request timeout, and holds at most its 1 MB body.
 */
export const QUEUE_PER_WORKER = 64;

/** What a worker needs: plain data only (it is copied to the thread). */
export interface WorkerSettings {
  /** The SQLite inventory file. */
  path: string;
  limits: RequestLimits & FilterLimits;
  maxPageSize: number;
  introspection: boolean;
  suggestions: boolean;
  exceptionRules?: ExceptionRules;
  logLevel: string;
  /** For tests: every row a filtered statement considers waits this long, so that a statement runs as long as a test needs. */
  rowDelayMs?: number;
}

/** A /graphql request as Apollo reads it, in plain data. */
export interface HttpRequestData {
  method: string;
  headers: [string, string][];
  search: string;
  body: unknown;
}

/** Apollo's answer in plain data, with the operation name for the access log; from a worker, the body's UTF-8 bytes (moved, not copied). */
export interface HttpResponseData {
  status: number;
  headers: [string, string][];
  body: string | Uint8Array;
  operationName?: string;
}

export interface WorkerInit extends WorkerSettings {
  /**
   * Two Int32 slots: [0] the id of the request the worker must stop (its statements read it at every row), [1] the id
   * of the request whose statement read a row last (the worker writes it).
   */
  stop: SharedArrayBuffer;
}

export type ToWorker = { kind: 'run'; id: number; http: HttpRequestData; caller: Caller };
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'done'; id: number; response: HttpResponseData; stopped: boolean; interrupted: boolean }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'log'; line: string };

export interface PoolStats {
  workers: number;
  busy: number;
  queued: Record<Lane, number>;
  /** Requests the workers have run to their end (stopped ones included). */
  ran: number;
  /** Requests whose statement is reading rows now. */
  reading: number;
  /** Requests whose work a worker cut short because they were stopped (deadline or client gone). */
  stoppedRequests: number;
  /** Of their statements, those stopped at a row, mid-way. */
  interruptedStatements: number;
}

interface Job {
  id: number;
  lane: Lane;
  http: HttpRequestData;
  caller: Caller;
  signal: AbortSignal;
  resolve(response: HttpResponseData): void;
  reject(error: Error): void;
  onAbort(): void;
  settled: boolean;
}

interface Slot {
  worker: Worker;
  /** Serves cheap requests only: costly ones never wait for it. */
  cheapOnly: boolean;
  stop: Int32Array;
  job?: Job;
  ready: boolean;
}

/** The built worker: beside this module in dist/, or dist/ when this module runs from the sources (vitest, tsx). */
function workerEntry(): URL {
  const beside = new URL('./graphql-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = join(PACKAGE_ROOT, 'dist', 'src', 'server', 'graphql-worker.js');
  if (!existsSync(built)) throw new Error(`the GraphQL worker is not built (${built}): run npm run build`);
  return pathToFileURL(built);
}

const PINO_LEVELS: Readonly<Record<number, 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'trace'>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export class GraphQLPool {
  private readonly slots: Slot[] = [];
  private readonly queues: Record<Lane, Job[]> = { cheap: [], costly: [] };
  private nextId = 1;
  private interrupted = 0;
  private ran = 0;
  private stopped = 0;
  private closed = false;
  private readonly entry = workerEntry();

  private constructor(
    private readonly settings: WorkerSettings,
    private readonly log: Logger,
  ) {}

  /** Starts `count` workers (one of them for cheap requests only when there are two or more) and waits until each is ready. */
  static async start(settings: WorkerSettings, count: number, log: Logger): Promise<GraphQLPool> {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`a pool needs at least one worker, not ${count}`);
    const pool = new GraphQLPool(settings, log);
    try {
      await Promise.all(Array.from({ length: count }, (_, i) => pool.spawn(count > 1 && i === 0)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Runs a read in a worker of its lane; rejects with ServerBusyError when the lane's queue is full, RequestStopped when `signal` aborts. */
  run(http: HttpRequestData, caller: Caller, lane: Lane, signal: AbortSignal): Promise<HttpResponseData> {
    if (this.closed) return Promise.reject(new ServerBusyError('the server is shutting down'));
    if (signal.aborted) return Promise.reject(new RequestStopped());
    const serving = this.slots.filter((slot) => lane === 'cheap' || !slot.cheapOnly).length;
    if (this.queues[lane].length >= QUEUE_PER_WORKER * serving && !this.idleSlotFor(lane)) {
      return Promise.reject(new ServerBusyError(`the server is busy: ${this.queues[lane].length} ${lane} requests are waiting; try again shortly`));
    }
    return new Promise<HttpResponseData>((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        lane,
        http,
        caller,
        signal,
        settled: false,
        resolve: (response) => {
          if (job.settled) return;
          job.settled = true;
          signal.removeEventListener('abort', job.onAbort);
          resolve(response);
        },
        reject: (error) => {
          if (job.settled) return;
          job.settled = true;
          signal.removeEventListener('abort', job.onAbort);
          reject(error);
        },
        onAbort: () => this.abort(job),
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      this.queues[lane].push(job);
      this.dispatch();
    });
  }

  stats(): PoolStats {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((slot) => slot.job).length,
      queued: { cheap: this.queues.cheap.length, costly: this.queues.costly.length },
      ran: this.ran,
      reading: this.slots.filter((slot) => slot.job && Atomics.load(slot.stop, 1) === slot.job.id).length,
      stoppedRequests: this.stopped,
      interruptedStatements: this.interrupted,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.queues.cheap, ...this.queues.costly]) job.reject(new ServerBusyError('the server is shutting down'));
    this.queues.cheap.length = 0;
    this.queues.costly.length = 0;
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.job?.reject(new ServerBusyError('the server is shutting down'));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** A queued job leaves its queue; a running one is told to stop (its worker comes free when its statement has stopped). */
  private abort(job: Job): void {
    const queue = this.queues[job.lane];
    const at = queue.indexOf(job);
    if (at !== -1) queue.splice(at, 1);
    const slot = this.slots.find((s) => s.job === job);
    if (slot) {
      Atomics.store(slot.stop, 0, job.id);
      Atomics.notify(slot.stop, 0);
    }
    job.reject(new RequestStopped());
  }

  private idleSlotFor(lane: Lane): Slot | undefined {
    // A cheap request takes its own worker first, so that the others stay free for costly ones.
    const idle = this.slots.filter((slot) => slot.ready && !slot.job && (lane === 'cheap' || !slot.cheapOnly));
    return idle.find((slot) => slot.cheapOnly) ?? idle[0];
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job) continue;
      const job = this.queues.cheap.shift() ?? (slot.cheapOnly ? undefined : this.queues.costly.shift());
      if (!job) continue;
      slot.job = job;
      const message: ToWorker = { kind: 'run', id: job.id, http: job.http, caller: job.caller };
      slot.worker.postMessage(message);
    }
  }

  private spawn(cheapOnly: boolean, replacing?: Slot): Promise<void> {
    const stop = new SharedArrayBuffer(8);
    const init: WorkerInit = { ...this.settings, stop };
    const worker = new Worker(this.entry, { workerData: init });
    const slot: Slot = { worker, cheapOnly, stop: new Int32Array(stop), ready: false };
    if (replacing) this.slots[this.slots.indexOf(replacing)] = slot;
    else this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        switch (message.kind) {
          case 'ready':
            slot.ready = true;
            resolve();
            this.dispatch();
            return;
          case 'failed':
            reject(new Error(message.message));
            return;
          case 'log':
            this.relay(message.line);
            return;
          case 'done':
          case 'error': {
            const job = slot.job;
            if (!job || job.id !== message.id) return;
            slot.job = undefined;
            if (message.kind === 'done') {
              this.ran += 1;
              if (message.stopped) this.stopped += 1;
              if (message.interrupted) this.interrupted += 1;
              job.resolve(message.response);
            } else {
              job.reject(new Error(message.message));
            }
            this.dispatch();
            return;
          }
        }
      });
      worker.on('error', (error) => {
        if (!slot.ready) return reject(error);
        this.log.error({ err: error }, 'a GraphQL worker failed; starting another');
      });
      worker.on('exit', () => {
        if (!slot.ready) return reject(new Error('a GraphQL worker stopped while starting'));
        // A worker that dies (out of memory, a crash) takes its request with it, never the pool.
        slot.job?.reject(new Error('the GraphQL worker running this request stopped'));
        slot.job = undefined;
        if (this.closed || !this.slots.includes(slot)) return;
        slot.ready = false;
        this.spawn(cheapOnly, slot).catch((error: unknown) => this.log.error({ err: error }, 'a GraphQL worker could not be started again'));
      });
    });
  }

  /** A worker's log line, through the server's logger. */
  private relay(line: string): void {
    try {
      const { level, time: _time, msg, ...fields } = JSON.parse(line) as { level: number; time?: unknown; msg?: string } & Record<string, unknown>;
      this.log[PINO_LEVELS[level] ?? 'info'](fields, msg ?? '');
    } catch {
      this.log.info(line);
    }
  }
}
