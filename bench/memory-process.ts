// One side of bench/memory.ts (and the server of bench/hostile-load.ts) in its own process, so that its peak RSS is its
// own. Started with fork(); argv[2] is the side ('server' or 'raw'), argv[3] the inventory file, argv[4] the server's
// GraphQL workers (default: what `inventory serve` starts). It reports its idle RSS once ready, then:
// - server: serves GraphQL on 127.0.0.1 (the parent sends the queries over HTTP) until asked for its peak;
// - raw: on { type: 'run', runs }, runs the seed query's raw statement and JSON.stringify that many times.
// Either way it answers { type: 'peak' } with process.resourceUsage().maxRSS, and exits when the parent disconnects.
// Each side loads only what it runs (dynamic imports), so the raw side's baseline holds no GraphQL or server code.
import type { Statement } from 'better-sqlite3';

export type MemoryRequest = { type: 'run'; runs: number } | { type: 'peak' };
export type MemoryReport =
  | { type: 'ready'; url?: string; idleRssKb: number; idleMaxRssKb: number }
  | { type: 'ran'; count: number; bytes: number }
  | { type: 'peak'; maxRssKb: number };

const [side, path, workers] = process.argv.slice(2);
if (side !== 'server' && side !== 'raw') throw new Error(`memory-process: unknown side ${side}`);
const send = (report: MemoryReport) => process.send!(report);

let close: () => Promise<void>;
let url: string | undefined;
let raw: Statement | undefined;
if (side === 'server') {
  const [{ createInventoryApi }, { silentLogger }, { startServer }, { SqliteStore }, { defaultWorkerCount }] = await Promise.all([
    import('../src/graphql/execute.js'),
    import('../src/log.js'),
    import('../src/server/server.js'),
    import('../src/store/sqlite/sqlite-store.js'),
    import('../src/server/graphql-pool.js'),
  ]);
  const store = SqliteStore.open(path!);
  const server = await startServer({
    store,
    api: createInventoryApi(),
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    workers: workers === undefined ? defaultWorkerCount() : Number(workers),
  });
  url = server.graphqlUrl;
  close = async () => {
    await server.close();
    await store.close();
  };
} else {
  const [{ default: Database }, { seedReferenceSql }] = await Promise.all([import('better-sqlite3'), import('./lib/seed-reference.js')]);
  const db = new Database(path!, { readonly: true });
  raw = db.prepare(seedReferenceSql());
  close = async () => void db.close();
}

process.on('message', (request: MemoryRequest) => {
  if (request.type === 'peak') {
    send({ type: 'peak', maxRssKb: process.resourceUsage().maxRSS });
  } else {
    // What a server without GraphQL would send: the rows (tags parsed from their JSON) as one JSON response body.
    let count = 0;
    let bytes = 0;
    for (let i = 0; i < request.runs; i++) {
      const rows = raw!.all() as { tags: string }[];
      const body = JSON.stringify({ data: { trails: rows.map((row) => ({ ...row, tags: JSON.parse(row.tags) })) } });
      count = rows.length;
      bytes = Buffer.byteLength(body);
    }
    send({ type: 'ran', count, bytes });
  }
});
process.on('disconnect', () => void close().then(() => process.exit(0)));
send({ type: 'ready', ...(url ? { url } : {}), idleRssKb: Math.round(process.memoryUsage().rss / 1024), idleMaxRssKb: process.resourceUsage().maxRSS });
