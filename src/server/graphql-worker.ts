// A worker thread of the GraphQL pool (src/server/graphql-pool.ts): a read-only connection to the inventory file, the
// schema and an Apollo Server with the server's own plugins and limits (createApolloServer), one request at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { createInventoryApi } from '../graphql/execute.js';
import { createContext } from '../graphql/context.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { RequestStopped, stoppableStore } from './deadline.js';
import type { FromWorker, ToWorker, WorkerInit } from './graphql-pool.js';
import { createApolloServer, REQUEST_REPORT, runHttpGraphQL } from './server.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (message: FromWorker) => port.postMessage(message);

const stop = new Int32Array(init.stop);
/** The request running now; whether its work was cut short, and whether mid-statement. */
let current = 0;
let cutShort = false;
let interrupted = false;
const stopped = () => Atomics.load(stop, 0) === current;

/** Called by SQLite at every row a filtered statement considers: stops the statement of a stopped request. */
function rowCheck(): void {
  Atomics.store(stop, 1, current);
  // Tests only: the wait ends at once when the request is stopped (the pool notifies).
  if (init.rowDelayMs && !stopped()) Atomics.wait(stop, 0, Atomics.load(stop, 0), init.rowDelayMs);
  if (stopped()) {
    cutShort = interrupted = true;
    throw new RequestStopped();
  }
}

const log = pino({ level: init.logLevel, base: undefined }, { write: (line: string) => post({ kind: 'log', line }) });

try {
  const reader = SqliteStore.openReader(init.path, { rowCheck });
  const store = stoppableStore(reader, () => (stopped() ? (cutShort = true) : false));
  const api = createInventoryApi({ maxPageSize: init.maxPageSize });
  const apollo = createApolloServer({
    api,
    limits: init.limits,
    introspection: init.introspection,
    suggestions: init.suggestions,
    log,
  });
  await apollo.start();
  port.on('message', (message: ToWorker) => {
    current = message.id;
    cutShort = interrupted = false;
    runHttpGraphQL(apollo, message.http, (report) =>
      Object.assign(createContext(store, { caller: message.caller, ...(init.exceptionRules ? { exceptionRules: init.exceptionRules } : {}) }), {
        [REQUEST_REPORT]: report,
      }),
    )
      .then((response) => {
        // Encoded here and moved to the server's thread without a copy: the server's thread only writes it out.
        const body = typeof response.body === 'string' ? new TextEncoder().encode(response.body) : response.body;
        const done: FromWorker = { kind: 'done', id: message.id, response: { ...response, body }, stopped: cutShort, interrupted };
        port.postMessage(done, [body.buffer as ArrayBuffer]);
      })
      .catch((error: unknown) => post({ kind: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) }));
  });
  post({ kind: 'ready' });
} catch (error) {
  post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
}
