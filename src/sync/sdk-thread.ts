// One SDK thread of the process (started by src/sync/sdk-threads.ts): sends the AWS calls of the accounts given to it
// with each run's shared clients (src/sync/clients.ts), each signed with its account's credentials, which it asks the
// main thread for, and counted against its account's limits here and the run's global slots in shared memory.
import { parentPort } from 'node:worker_threads';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { AwsClientClass } from '../../collectors/collector.js';
import { tagAccountCall, type AccountCall } from './account-call.js';
import { RunClients } from './clients.js';
import { refreshing } from './credentials.js';
import { CallLimiter, SharedSlots } from './limits.js';
import { crossable, Outbox, revived, type CallAnswer, type CallRequest, type FromThread, type RunSetup, type ToThread } from './sdk-threads.js';

const port = parentPort!;
/** Each run's clients, from its start to its end. */
const runs = new Map<number, RunClients>();
const packages = new Map<string, Promise<Record<string, unknown>>>();
/** Each account's calls by limit key: its credentials, asked of the main thread once and again before they expire. */
const accounts = new Map<number, Map<string, AccountCall>>();
/** The accounts of each run, forgotten with it. */
const accountsOfRun = new Map<number, Set<number>>();
const asked = new Map<number, { resolve: (identity: AwsCredentialIdentity) => void; reject: (error: Error) => void }>();
let asks = 0;

const post = (message: FromThread) => port.postMessage(message);
const answers = new Outbox<CallAnswer>(sendAnswers);

port.on('message', (message: ToThread) => {
  if (message.type === 'calls') {
    for (const call of message.calls) void send(call);
    return;
  }
  if (message.type === 'run') {
    runs.set(message.run, runClients(message.setup));
    accountsOfRun.set(message.run, new Set());
    return;
  }
  if (message.type === 'end') {
    void runs.get(message.run)?.close();
    runs.delete(message.run);
    for (const account of accountsOfRun.get(message.run) ?? []) accounts.delete(account);
    accountsOfRun.delete(message.run);
    return;
  }
  const waiting = asked.get(message.id);
  asked.delete(message.id);
  if (message.identity) waiting?.resolve(message.identity);
  else waiting?.reject(revived(message.error ?? crossable(new Error('no credentials were given'))));
});

async function send(request: CallRequest): Promise<void> {
  try {
    const sdk = await sdkPackage(request.sdkPackage);
    const Client = sdk[request.client];
    const Command = sdk[request.command];
    if (typeof Client !== 'function' || typeof Command !== 'function') {
      throw new Error(`${request.sdkPackage} has no ${typeof Client !== 'function' ? request.client : request.command}`);
    }
    const clients = runs.get(request.run);
    if (!clients) throw new Error(`run ${request.run} has not started on this SDK thread, or has ended`);
    const client = clients.shared(Client as AwsClientClass<unknown>, request.region, request.service);
    const command = new (Command as new (input: unknown) => object)(request.input);
    tagAccountCall(command, accountCall(request));
    answers.push({ type: 'output', id: request.id, output: await client.send(command) });
  } catch (error) {
    answers.push({ type: 'failure', id: request.id, error: crossable(error) });
  }
}

/** Sends a turn's answers; should one not cross (an output that cannot be cloned), each is sent alone, it as a failure. */
function sendAnswers(batch: CallAnswer[]): void {
  try {
    post({ type: 'answers', answers: batch });
  } catch {
    for (const answer of batch) {
      try {
        post({ type: 'answers', answers: [answer] });
      } catch (error) {
        post({ type: 'answers', answers: [{ type: 'failure', id: answer.id, error: crossable(error) }] });
      }
    }
  }
}

function sdkPackage(name: string): Promise<Record<string, unknown>> {
  let loaded = packages.get(name);
  if (!loaded) packages.set(name, (loaded = import(name) as Promise<Record<string, unknown>>));
  return loaded;
}

function runClients(setup: RunSetup): RunClients {
  const limiter = new CallLimiter(setup.limits, new SharedSlots(setup.slots));
  return new RunClients(setup.settings, limiter, { maxAttempts: setup.maxAttempts, requestHandler: setup.requestHandler });
}

function accountCall({ run, account, limitKey }: CallRequest): AccountCall {
  let calls = accounts.get(account);
  if (!calls) {
    accounts.set(account, (calls = new Map()));
    accountsOfRun.get(run)?.add(account);
  }
  let call = calls.get(limitKey);
  if (!call) {
    // One provider per account, whatever its limit key: the same signer and the same cached credentials.
    const credentials = calls.values().next().value?.credentials ?? refreshing(() => askCredentials(account));
    calls.set(limitKey, (call = { limitKey, credentials }));
  }
  return call;
}

function askCredentials(account: number): Promise<AwsCredentialIdentity> {
  const id = asks++;
  return new Promise((resolve, reject) => {
    asked.set(id, { resolve, reject });
    post({ type: 'credentials', id, account });
  });
}
