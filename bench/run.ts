// npm run bench [-- <name>...] [--json] [--trails n] [--runs n] [--duration s]: runs every benchmark of bench/ (or
// those named) and prints, per measurement, its name, this project's median, the reference's median, their ratio and
// the run count; a throughput measurement also each side's latency p99 and the limit of its statements run alone
// (req/s and p99). --json writes the same as one JSON array of {name, ours, reference, ratio, unit, runs, p99?, raw?}
// on stdout; progress goes to stderr either way. --duration sets the length of each load run of the throughput benchmarks.
// The npm script sets NODE_ENV=production, as the inventory command does (bin/inventory.js): graphql-js is measured as
// users run it, without its development checks.
import { parseArgs } from 'node:util';
import type { Benchmark, Measurement } from './lib/measure.js';
import { controlCatalog } from './control-catalog.js';
import { dashboardPage, dashboardPageNaive } from './dashboard-page.js';
import { dashboardPagePostgresScale } from './dashboard-page-postgres-scale.js';
import { hostileLoad } from './hostile-load.js';
import { kmsKeyQuery } from './kms-key-query.js';
import { serverMemory } from './memory.js';
import { orgSync } from './org-sync.js';
import { sdkCallFloor } from './sdk-call-floor.js';
import { seedQuery } from './seed-query.js';
import { seedQueryPostgres } from './seed-query-postgres.js';
import { syncIngest, syncResyncUnchanged } from './sync-ingest.js';

/** Every benchmark, in the order they run. */
export const BENCHMARKS: readonly Benchmark[] = [
  seedQuery,
  dashboardPage,
  dashboardPageNaive,
  kmsKeyQuery,
  syncIngest,
  syncResyncUnchanged,
  controlCatalog,
  serverMemory,
  hostileLoad,
  orgSync,
  sdkCallFloor,
  seedQueryPostgres,
  dashboardPagePostgresScale,
];

export function formatTable(measurements: readonly Measurement[]): string {
  // Throughput measurements add each side's p99 and the raw statements' limit (req/s and p99), in columns of their own.
  const loaded = measurements.some((m) => m.p99 !== undefined || m.raw !== undefined);
  const extra = (m: Measurement) =>
    loaded ? [m.p99 ? String(m.p99.ours) : '', m.p99 ? String(m.p99.reference) : '', m.raw ? String(m.raw.perSecond) : '', m.raw ? String(m.raw.p99Ms) : ''] : [];
  const rows = [
    ['name', 'ours', 'reference', 'ratio', 'unit', 'runs', ...(loaded ? ['ours p99 ms', 'ref p99 ms', 'raw req/s', 'raw p99 ms'] : [])],
    ...measurements.map((m) => [m.name, String(m.ours), String(m.reference), m.ratio.toFixed(2), m.unit, String(m.runs), ...extra(m)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 || column === 4 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

const usage = `usage: npm run bench -- [name...] [--json] [--trails n] [--runs n] [--duration s]\nbenchmarks:\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(28)}${b.description}`).join('\n')}\n`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        trails: { type: 'string', default: '100000' },
        runs: { type: 'string', default: '5' },
        duration: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const trails = Number(values.trails);
  const runs = Number(values.runs);
  if (!Number.isInteger(trails) || trails < 1 || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`bench: --trails and --runs take positive integers\n${usage}`);
    return 2;
  }
  const durationSeconds = values.duration === undefined ? undefined : Number(values.duration);
  if (durationSeconds !== undefined && !(Number.isFinite(durationSeconds) && durationSeconds > 0)) {
    process.stderr.write(`bench: --duration takes a positive number of seconds\n${usage}`);
    return 2;
  }
  const unknown = positionals.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.map((n) => `"${n}"`).join(', ')}\n${usage}`);
    return 2;
  }
  const chosen = positionals.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => positionals.includes(b.name));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const measurements: Measurement[] = [];
  for (const benchmark of chosen) {
    log(`# ${benchmark.name}: ${benchmark.description}`);
    const results = await benchmark.run({ trails, runs, log, ...(durationSeconds === undefined ? {} : { durationSeconds }) });
    for (const m of results) {
      const p99 = m.p99 ? `, p99 ours ${m.p99.ours} ms, reference ${m.p99.reference} ms` : '';
      const raw = m.raw ? `; the statements alone: ${m.raw.perSecond} req/s, p99 ${m.raw.p99Ms} ms` : '';
      log(
        `  ${m.name}: ours ${m.ours} ${m.unit}, reference ${m.reference} ${m.unit}, ratio ${m.ratio.toFixed(2)} (${m.runs} runs)${p99}${raw}${m.note ? `; ${m.note}` : ''}`,
      );
    }
    measurements.push(...results);
  }
  process.stdout.write(
    values.json
      ? `${JSON.stringify(
          measurements.map(({ note: _note, ...m }) => m),
          null,
          2,
        )}\n`
      : formatTable(measurements),
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
