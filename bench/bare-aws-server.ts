// An HTTP server that does nothing but answer: every request, after the org-sync simulator's latency, gets one recorded
// KMS DescribeKey answer. Forked by bench/sdk-call-floor.ts so that its CPU is its own; tells its port, then its CPU
// used and requests answered whenever it is sent a message.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server tells its parent on each message: requests answered and CPU used since it started, in ms. */
export interface BareServerStats {
  answered: number;
  cpuMs: number;
}

const latencyMs = Number(process.argv[2] ?? 20);
const recorded = JSON.parse(readFileSync(new URL('../test/fixtures/aws/wire/test_key_rotation/kms.DescribeKey_1.wire.json', import.meta.url), 'utf8')) as {
  headers: Record<string, string>;
  body: string;
};
const headers = { ...recorded.headers, 'content-length': String(Buffer.byteLength(recorded.body)) };
const started = process.cpuUsage();
let answered = 0;

const server = createServer((request, response) => {
  request.resume();
  request.once('end', () =>
    setTimeout(() => {
      answered += 1;
      response.writeHead(200, headers).end(recorded.body);
    }, latencyMs),
  );
});
server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
process.on('message', () => {
  const cpu = process.cpuUsage(started);
  process.send!({ answered, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies BareServerStats);
});
process.on('disconnect', () => server.close(() => process.exit(0)));
