// One HTTP server on 127.0.0.1 for every service and region. Requests are routed by their protocol to the service
// modules listed in services.ts: an X-Amz-Target header names a JSON 1.1 service by its prefix (CloudTrail,
// Organizations, KMS); a form body names a query service (STS or EC2) by Version or signing name.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handlingRequest } from './accounts.js';
import { peekCredentialScope } from './auth.js';
import type { HandledRequest, SimRequest } from './exchange.js';
import { FaultInjector, responseDelay } from './faults.js';
import { isFormEncoded } from './query.js';
import type { Scenario, SimCall } from './scenario.js';
import { targetHeader, type RequestSignature, type ServiceContext } from './service.js';
import { serviceFor } from './services.js';
import { SessionStore, type SimSession } from './sessions.js';

/** Larger request bodies are refused; no real call in these APIs comes close. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface Simulator {
  /** Base URL for SDK clients (`endpoint`) or AWS_ENDPOINT_URL, e.g. http://127.0.0.1:43127 */
  url: string;
  port: number;
  /** The live scenario: changes made by a test show in the next response. */
  scenario: Scenario;
  /** Every request answered, in order (stays empty when the simulator was started with recordCalls: false). */
  calls: SimCall[];
  /** How many requests were answered per `<service>.<operation>` (e.g. `cloudtrail.DescribeTrails`), always kept. */
  callCounts: Map<string, number>;
  /** How many requests were answered with each error code (e.g. `ThrottlingException`), always kept. */
  errorCounts: Map<string, number>;
  /** The AssumeRole sessions issued so far, by access key id (expired ones included). */
  sessions: ReadonlyMap<string, SimSession>;
  /** Empties `calls`, `callCounts` and `errorCounts` in place. */
  resetCalls(): void;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /**
   * Keep every call in `calls` with its response body (default true). Large benchmarks turn this off and read
   * `callCounts` and `errorCounts` instead.
   */
  recordCalls?: boolean;
  /** Told of every call once it is answered, whether or not `calls` keeps it (without its response body then). */
  onCall?: (call: SimCall) => void;
}

/** What the server keeps about the calls it answered. */
interface CallLog {
  record: boolean;
  onCall: ((call: SimCall) => void) | undefined;
  calls: SimCall[];
  callCounts: Map<string, number>;
  errorCounts: Map<string, number>;
}

export async function startSimulator(scenario: Scenario, options: SimulatorOptions = {}): Promise<Simulator> {
  const log: CallLog = { record: options.recordCalls ?? true, onCall: options.onCall, calls: [], callCounts: new Map(), errorCounts: new Map() };
  const faults = new FaultInjector(scenario);
  const sessions = new SessionStore();
  const context: ServiceContext = { scenario, faults, sessions };
  const route = (request: SimRequest): HandledRequest => handlingRequest(scenario, () => serviceFor(signatureOf(request)).handle(request, context));

  const server = createServer((incoming, outgoing) => {
    void serve(incoming, outgoing, route, scenario, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    scenario,
    calls: log.calls,
    callCounts: log.callCounts,
    errorCounts: log.errorCounts,
    sessions: sessions.all,
    resetCalls: () => {
      // in place, so a test holding `sim.calls` sees the reset
      log.calls.length = 0;
      log.callCounts.clear();
      log.errorCounts.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // SDK clients keep connections alive; do not wait for them
      }),
  };
}

/** What routing reads off a request: its X-Amz-Target, its form (query protocols) and the service it was signed for. */
function signatureOf(request: SimRequest): RequestSignature {
  const target = targetHeader(request);
  if (target !== undefined) return { target };
  const signedFor = peekCredentialScope(request.headers)?.service;
  if (isFormEncoded(request.headers['content-type'])) return { form: new URLSearchParams(request.body), signedFor };
  return { signedFor };
}

async function serve(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  route: (request: SimRequest) => HandledRequest,
  scenario: Scenario,
  log: CallLog,
): Promise<void> {
  try {
    const body = await readBody(incoming);
    if (body === undefined) {
      outgoing.writeHead(413, { 'content-type': 'text/plain' }).end('Request body too large');
      return;
    }
    const { response, call } = route({ method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: incoming.headers, body });
    const delay = responseDelay(scenario, call);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay)); // lighter than timers/promises, once per call
    call.status = response.status;
    countCall(log, call);
    if (log.record) {
      call.responseBody = response.body;
      log.calls.push(call);
    }
    log.onCall?.(call);
    outgoing.sendDate = false; // a Date header would let the SDK "correct" its clock from the simulator
    outgoing.writeHead(response.status, { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) });
    outgoing.end(response.body);
  } catch (error) {
    // A broken connection or a bug in the simulator: answer 500 so the client fails loudly, not hangs.
    if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'text/plain' });
    outgoing.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function countCall(log: CallLog, call: SimCall): void {
  const key = `${call.service}.${call.operation}`;
  log.callCounts.set(key, (log.callCounts.get(key) ?? 0) + 1);
  if (call.errorCode !== undefined) log.errorCounts.set(call.errorCode, (log.errorCounts.get(call.errorCode) ?? 0) + 1);
}

/** The request body, or undefined past MAX_REQUEST_BYTES. Read through events: an async iterator costs more per request. */
function readBody(incoming: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
      else resolve(undefined); // the rest is read and dropped while the 413 goes out
    });
    incoming.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    incoming.once('error', reject);
    // After 'end' this changes nothing; before it, the client is gone and no answer can reach it.
    incoming.once('close', () => reject(new Error('the connection closed before the request body ended')));
  });
}
