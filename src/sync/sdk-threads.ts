// Spreads a sync's AWS calls over worker threads (src/sync/sdk-thread.ts). The SDK's own work per call (building the
// request, signing, HTTP, parsing) is most of a sync's CPU: on one thread it, not AWS, set the pace of a large
// organization's sync. Collectors, credentials and the store stay on this thread; a collector's `client.send` hands the
// command to its account's thread. Each account's calls go to one thread, which keeps the account's limits; the run's
// global limit is a count in shared memory (SharedSlots). The threads live as long as the process and serve each of its
// syncs in turn: a new thread compiles the SDK's code again, which costs a large sync about a third of its CPU.
import { availableParallelism } from 'node:os';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsClientClass } from '../../collectors/collector.js';
import type { AccountAwsClients, SharedClientSettings, SyncClients } from './clients.js';
import { baseCredentials, credentialsProvider, type Credentials } from './credentials.js';
import { SharedSlots, type SyncLimits } from './limits.js';
import { sdkPackageOf } from './sdk-packages.js';
import { MAX_SDK_THREADS, THREADS_FROM_ACCOUNTS } from './settings.js';

export { MAX_SDK_THREADS, SDK_THREADS_LIMIT, THREADS_FROM_ACCOUNTS } from './settings.js';

/** How many SDK threads a sync of `accounts` accounts uses by default: none on one CPU, where threads only add work. */
export function defaultSdkThreads(accounts: number, cpus = availableParallelism()): number {
  if (accounts < THREADS_FROM_ACCOUNTS || cpus < 2) return 0;
  return Math.min(MAX_SDK_THREADS, cpus);
}

/** What an SDK thread needs to make one run's calls: the run's settings, limits and global slots. */
export interface RunSetup {
  settings: SharedClientSettings;
  limits: SyncLimits;
  /** The run's global slots (SharedSlots.memory). */
  slots: SharedArrayBuffer;
  maxAttempts: number;
  requestHandler: Record<string, unknown>;
}

/** A run starts on every thread before its first call and ends after its last. */
export type RunMessage = { type: 'run'; run: number; setup: RunSetup } | { type: 'end'; run: number };

/** One AWS call handed to a thread: the command by its class name, since classes cannot cross threads. */
export interface CallRequest {
  type: 'call';
  id: number;
  run: number;
  /** The account's number in this run; the thread asks this thread for its credentials by it. */
  account: number;
  limitKey: string;
  sdkPackage: string;
  client: string;
  command: string;
  region: string;
  service: string;
  input: unknown;
}

/** The answer to a thread's CredentialsRequest. */
export interface CredentialsAnswer {
  type: 'credentials';
  id: number;
  identity?: AwsCredentialIdentity;
  error?: CrossedError;
}

export type ToThread = RunMessage | { type: 'calls'; calls: CallRequest[] } | CredentialsAnswer;

/** What became of one call. */
export type CallAnswer = { type: 'output'; id: number; output: unknown } | { type: 'failure'; id: number; error: CrossedError };

export type FromThread = { type: 'answers'; answers: CallAnswer[] } | { type: 'credentials'; id: number; account: number };

/**
 * Messages of one turn of the event loop, sent as one: each message wakes the thread it is sent to, which costs more
 * than the message itself.
 */
export class Outbox<T> {
  private items: T[] = [];

  constructor(private readonly send: (items: T[]) => void) {}

  push(item: T): void {
    if (this.items.length === 0) setImmediate(() => this.flush());
    this.items.push(item);
  }

  flush(): void {
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.send(items);
  }
}

/** An error as it crosses threads: what the sync and collectors read of it (name, message, code, metadata). */
export interface CrossedError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

export function crossable(error: unknown): CrossedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  const { $metadata } = error as { $metadata?: object };
  if ($metadata && typeof $metadata === 'object') fields.$metadata = { ...$metadata };
  return { name: error.name, message: error.message, fields };
}

export function revived(crossed: CrossedError): Error {
  const error = Object.assign(new Error(crossed.message), crossed.fields);
  error.name = crossed.name;
  return error;
}

/** One run's clients spread over the process's SDK threads: the same calls, limits and signatures as RunClients. */
export class SdkThreads implements SyncClients {
  private readonly threads: SdkThread[];
  private readonly run = runs++;
  private readonly accounts: number[] = [];
  /** The standard SDK chain, for accounts given no credentials: resolved once, refreshed before it expires. */
  private defaultCredentials: AwsCredentialIdentityProvider | undefined;

  constructor(count: number, setup: Omit<RunSetup, 'slots'>) {
    this.threads = SdkThread.pool(count);
    const slots = SharedSlots.create(setup.limits.concurrency);
    for (const thread of this.threads) thread.startRun({ type: 'run', run: this.run, setup: { ...setup, slots: slots.memory } });
  }

  forAccount(limitKey: string, credentials: Credentials | undefined): AccountAwsClients {
    const account = accounts++;
    this.accounts.push(account);
    const thread = this.threads[this.accounts.length % this.threads.length]!;
    thread.credentials.set(
      account,
      credentialsProvider(credentials, () => (this.defaultCredentials ??= baseCredentials())),
    );
    return new ThreadedAccountClients(thread, { run: this.run, account, limitKey });
  }

  async close(): Promise<void> {
    for (const thread of this.threads) thread.endRun(this.run, this.accounts);
  }
}

/** Runs and accounts are numbered across the process, since its threads serve every run. */
let runs = 0;
let accounts = 0;

/** One account's clients: each looks like its SDK client class (the SDK's paginators check), and sends to the thread. */
class ThreadedAccountClients implements AccountAwsClients {
  private readonly clients = new Map<string, unknown>();

  constructor(
    private readonly thread: SdkThread,
    private readonly caller: Pick<CallRequest, 'run' | 'account' | 'limitKey'>,
  ) {}

  limitAs(key: string): void {
    this.caller.limitKey = key;
  }

  client<C>(Client: AwsClientClass<C>, region: string, service: string): C {
    const key = `${this.caller.limitKey}/${service}/${region}/${Client.name}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      const route = { ...this.caller, sdkPackage: sdkPackageOf(Client.name), client: Client.name, region, service };
      client = Object.create(Client.prototype, {
        send: {
          value: (command: { input?: unknown }, ...rest: unknown[]) => {
            // Per-call options (an abort signal, a callback) cannot cross to another thread.
            if (rest.length > 0) return Promise.reject(new Error(`${command.constructor.name} was sent with per-call options, which SDK threads do not take`));
            return this.thread.call({ ...route, command: command.constructor.name, input: command.input ?? {} });
          },
        },
      }) as C;
      this.clients.set(key, client);
    }
    return client;
  }
}

/** One worker thread of the process and the calls it has not answered yet. */
class SdkThread {
  /** The process's threads, started as runs first ask for them. */
  private static readonly started: SdkThread[] = [];

  /** `count` threads of the process that are still running, started if need be. */
  static pool(count: number): SdkThread[] {
    const running = SdkThread.started.filter((thread) => !thread.stopped);
    while (running.length < count) running.push(new SdkThread());
    SdkThread.started.splice(0, SdkThread.started.length, ...running);
    return running.slice(0, count);
  }

  /** Each account's credentials, by its number: the thread asks for them before signing and when they near expiry. */
  readonly credentials = new Map<number, AwsCredentialIdentityProvider>();
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (output: unknown) => void; reject: (error: Error) => void }>();
  private readonly outbox = new Outbox<CallRequest>((calls) => this.sendCalls(calls));
  private calls = 0;
  private activeRuns = 0;
  /** Why the thread is gone, once it is: later calls fail with it instead of waiting for ever. */
  private stopped: Error | undefined;

  private constructor() {
    this.worker = startThread();
    // An idle thread does not keep the process alive; one with a run does.
    this.worker.unref();
    this.worker.on('message', (message: FromThread) => this.receive(message));
    this.worker.on('error', (error) => this.stop(new Error(`an SDK thread of the sync failed: ${error.message}`)));
    this.worker.on('exit', (code) => this.stop(new Error(`an SDK thread of the sync stopped (exit code ${code})`)));
  }

  startRun(message: Extract<RunMessage, { type: 'run' }>): void {
    if (this.activeRuns++ === 0) this.worker.ref();
    this.worker.postMessage(message satisfies ToThread);
  }

  endRun(run: number, accounts: readonly number[]): void {
    for (const account of accounts) this.credentials.delete(account);
    if (this.stopped) return;
    this.outbox.flush();
    this.worker.postMessage({ type: 'end', run } satisfies ToThread);
    if (--this.activeRuns === 0) this.worker.unref();
  }

  call(request: Omit<CallRequest, 'type' | 'id'>): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.calls++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.outbox.push({ type: 'call', id, ...request });
    });
  }

  /** Sends a turn's calls; should one not cross (an input that cannot be cloned), each is sent alone, and it fails. */
  private sendCalls(calls: CallRequest[]): void {
    try {
      this.worker.postMessage({ type: 'calls', calls } satisfies ToThread);
    } catch {
      for (const call of calls) {
        try {
          this.worker.postMessage({ type: 'calls', calls: [call] } satisfies ToThread);
        } catch (error) {
          this.pending.get(call.id)?.reject(new Error(`${call.command} could not be handed to an SDK thread: ${(error as Error).message}`));
          this.pending.delete(call.id);
        }
      }
    }
  }

  private receive(message: FromThread): void {
    if (message.type === 'credentials') {
      this.answerCredentials(message.id, message.account);
      return;
    }
    for (const answer of message.answers) {
      const waiting = this.pending.get(answer.id);
      if (!waiting) continue;
      this.pending.delete(answer.id);
      if (answer.type === 'output') waiting.resolve(answer.output);
      else waiting.reject(revived(answer.error));
    }
  }

  private answerCredentials(id: number, account: number): void {
    const provider = this.credentials.get(account);
    const answer = (reply: Omit<CredentialsAnswer, 'type' | 'id'>) => this.worker.postMessage({ type: 'credentials', id, ...reply } satisfies CredentialsAnswer);
    if (!provider) {
      answer({ error: crossable(new Error(`the SDK thread asked for the credentials of account #${account}, which it was not given`)) });
      return;
    }
    provider().then(
      (identity) => answer({ identity }),
      (error: unknown) => answer({ error: crossable(error) }),
    );
  }

  private stop(reason: Error): void {
    this.stopped ??= reason;
    for (const { reject } of this.pending.values()) reject(this.stopped);
    this.pending.clear();
  }
}

/**
 * Starts one SDK thread. Built, it runs the compiled module; from the TypeScript sources (tests, benchmarks) the thread
 * first registers tsx's loader, as `tsx` does for the main thread.
 */
function startThread(): Worker {
  const compiled = !import.meta.url.endsWith('.ts');
  const entry = new URL(compiled ? './sdk-thread.js' : './sdk-thread.ts', import.meta.url);
  // The thread reads the SDK's settings from the environment of the moment (AWS_ENDPOINT_URL, AWS_REGION, ...).
  if (compiled) return new Worker(entry, { env: SHARE_ENV });
  const loader = tsxLoader();
  const source = `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(source, { eval: true, env: SHARE_ENV });
}

function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api';
  }
}
