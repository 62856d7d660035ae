// Where a sync's CPU goes: the org-sync organization (bench/org-sync.ts) synced once, then a second sync profiled with
// the V8 CPU profiler; prints CPU per scope and the self time by package and by function. The profiler sees the main
// thread only, so the SDK's calls are made there too unless BENCH_SYNC_THREADS says otherwise (then
// `node --cpu-prof --import tsx bench/profile-sync.ts` writes a profile per thread).
// Usage: npx tsx bench/profile-sync.ts [--out profile.cpuprofile]; BENCH_SYNC_ACCOUNTS as for org-sync.
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { parseAccountsConfig } from '../src/sync/accounts-config.js';
import { syncInventory } from '../src/sync/sync.js';
import { resolveAccountTargets } from '../src/sync/targets.js';
import { orgSyncOptions } from './org-sync.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { accounts, limits, threads = 0 } = orgSyncOptions();
const simulator = fork(
  new URL('./simulator-process.ts', import.meta.url),
  [JSON.stringify({ accounts, latencyMs: 20, callsPerSecond: limits.callsPerSecond, transientErrorRate: 0.02 })],
  { execArgv: ['--import', 'tsx'] },
);
const ask = <T>(request: unknown): Promise<T> =>
  new Promise((resolve) => {
    simulator.once('message', (m) => resolve(m as T));
    if (request) simulator.send(request as never);
  });
const { url, org } = await ask<{ url: string; org: { management: { AccessKeyId: string; SecretAccessKey: string }; memberRoleName: string } }>(undefined);
Object.assign(process.env, {
  AWS_ENDPOINT_URL: url,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: org.management.AccessKeyId,
  AWS_SECRET_ACCESS_KEY: org.management.SecretAccessKey,
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
});
const dir = mkdtempSync(join(tmpdir(), 'inventory-profile-'));
const store = SqliteStore.open(join(dir, 'inventory.db'));
const config = parseAccountsConfig(`organization:\n  member_role_name: ${org.memberRoleName}\n`, 'profile accounts');
const sync = () =>
  syncInventory(store, { accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 5, log: silentLogger }), limits, threads, log: silentLogger });
await ask({ type: 'faults', on: false });
await sync();

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const cpuBefore = process.cpuUsage();
const summary = await sync();
const cpu = process.cpuUsage(cpuBefore);
const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
session.disconnect();
const scopes = summary.scopes.length;
console.log(
  `sync: ${scopes} scopes in ${(summary.durationMs / 1000).toFixed(2)} s; CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ${((cpu.user + cpu.system) / 1000 / scopes).toFixed(3)} ms per scope`,
);

const out = process.argv.indexOf('--out');
if (out > 0) writeFileSync(process.argv[out + 1]!, JSON.stringify(profile));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const tally = (key: (n: ProfileNode) => string) => {
  const totals = new Map<string, number>();
  for (const [id, us] of self) {
    const k = key(byNode.get(id)!);
    totals.set(k, (totals.get(k) ?? 0) + us);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
};
const where = (n: ProfileNode) => {
  const u = n.callFrame.url;
  if (!u) return `(${n.callFrame.functionName || 'native'})`;
  const m = u.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1]!;
  if (u.startsWith('node:')) return u;
  return u.replace(/^.*\/(src|collectors|bench)\//, '$1/');
};
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log('self time by module:');
for (const [k, us] of tally(where).slice(0, 25))
  console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000 / scopes).toFixed(3)} ms/scope  ${k}`);
console.log('self time by function:');
for (const [k, us] of tally((n) => `${n.callFrame.functionName || '(anon)'} ${where(n)}:${n.callFrame.lineNumber}`).slice(0, 30))
  console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
await store.close();
simulator.disconnect();
rmSync(dir, { recursive: true, force: true });
