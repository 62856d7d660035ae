// The PostgreSQL benchmarks of bench/ at a tiny size, so that they cannot rot: both run end to end on a schema of their
// own and report a well-formed measurement, and both skip, saying so, when PostgreSQL cannot be reached. The runs need
// a PostgreSQL server: INVENTORY_TEST_POSTGRES_URL (see the README); without it they are skipped, and say so.
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardPagePostgresScale, dashboardPagePostgresScaleAt, sizesFor } from '../../bench/dashboard-page-postgres-scale.js';
import type { Benchmark, Measurement } from '../../bench/lib/measure.js';
import { seedQueryPostgres, seedQueryPostgresIn } from '../../bench/seed-query-postgres.js';

const URL_SET = Boolean(process.env.INVENTORY_TEST_POSTGRES_URL);
/** The runs check the harness, not the figures: 10 accounts × 5 regions instead of 100 × 17 keeps them to 50 scopes. */
const SMALL_ORGANIZATION = { accounts: 10, regions: 5 };
if (!URL_SET) console.log('PostgreSQL benchmark runs skipped: INVENTORY_TEST_POSTGRES_URL is not set (see README, "Testing against PostgreSQL")');

const saved = process.env.BENCH_POSTGRES_URL;
afterEach(() => {
  if (saved === undefined) delete process.env.BENCH_POSTGRES_URL;
  else process.env.BENCH_POSTGRES_URL = saved;
});

function expectMeasurement(measurements: Measurement[], name: string, unit: string): Measurement {
  expect(measurements).toHaveLength(1);
  const [m] = measurements;
  expect(m).toEqual({ name, ours: expect.any(Number), reference: expect.any(Number), ratio: expect.any(Number), unit, runs: 1, note: expect.any(String) });
  for (const value of [m!.ours, m!.reference, m!.ratio]) {
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
  }
  return m!;
}

describe('PostgreSQL benchmarks', () => {
  it('scale from --trails: 1,000,000 against 10,000 at the default 100,000', () => {
    expect(sizesFor(100_000)).toEqual({ large: 1_000_000, small: 10_000 });
  });

  it.each([seedQueryPostgres, dashboardPagePostgresScale].map((b): [string, Benchmark] => [b.name, b]))(
    '%s skips with one line and no measurement when PostgreSQL is unreachable',
    async (name, benchmark) => {
      process.env.BENCH_POSTGRES_URL = 'postgres://postgres@127.0.0.1:1/test';
      const lines: string[] = [];
      expect(await benchmark.run({ trails: 500, runs: 1, durationSeconds: 0.25, log: (line) => lines.push(line) })).toEqual([]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${name} skipped: PostgreSQL at postgres://postgres@127\\.0\\.0\\.1:1/test is unreachable`));
    },
  );

  it.skipIf(!URL_SET)('seed-query-postgres measures ms against the raw pg query at 500 trails', async () => {
    process.env.BENCH_POSTGRES_URL = process.env.INVENTORY_TEST_POSTGRES_URL;
    const lines: string[] = [];
    const m = expectMeasurement(
      await seedQueryPostgresIn(SMALL_ORGANIZATION).run({ trails: 500, runs: 1, log: (line) => lines.push(line) }),
      'seed-query-postgres',
      'ms',
    );
    expect(m.note).toContain('50 of 500 trails');
    expect(lines.join('\n')).toContain('both sides return the same 50 rows');
  });

  // Quarter-second runs, as dashboard-page's test: a run that a loaded machine leaves without any response is run again,
  // longer (bench/lib/load.ts), so the pool's slow first connections need no longer runs here.
  it.skipIf(!URL_SET)('dashboard-page-postgres-scale measures req/s at 2,000 against 500 trails', async () => {
    process.env.BENCH_POSTGRES_URL = process.env.INVENTORY_TEST_POSTGRES_URL;
    const lines: string[] = [];
    const benchmark = dashboardPagePostgresScaleAt({ large: 2000, small: 500 }, SMALL_ORGANIZATION);
    const measurements = await benchmark.run({ trails: 0, runs: 1, durationSeconds: 0.25, log: (line) => lines.push(line) });
    expect(measurements.map((m) => m.name)).toEqual(['dashboard-page-postgres', 'dashboard-page-postgres-scale']);
    // Ours against the node:http reference at the large size, with each side's p99 and the statements' own limit.
    const [page, scale] = measurements;
    expect(page).toEqual({
      name: 'dashboard-page-postgres',
      ours: expect.any(Number),
      reference: expect.any(Number),
      ratio: expect.any(Number),
      unit: 'req/s',
      runs: 1,
      note: expect.any(String),
      p99: { ours: expect.any(Number), reference: expect.any(Number) },
      raw: { perSecond: expect.any(Number), p99Ms: expect.any(Number) },
    });
    for (const value of [page!.ours, page!.reference, page!.p99!.ours, page!.p99!.reference, page!.raw!.perSecond, page!.raw!.p99Ms]) expect(value).toBeGreaterThan(0);
    const m = expectMeasurement([scale!], 'dashboard-page-postgres-scale', 'req/s');
    expect(m.note).toMatch(/higher is better, ratio = 2000 trails \/ 500 trails/);
    const log = lines.join('\n');
    expect(log).toContain('the node:http reference answers the large page byte for byte as ours');
    expect(log).toContain('copied them in SQL to 2000 trails');
    // The large inventory is the small one four times over: four times the page's total.
    const total = (label: string) => Number(new RegExp(`the ${label} server answers the page: \\d+ of (\\d+) trails`).exec(log)?.[1]);
    expect(total('small')).toBeGreaterThan(0);
    expect(total('large')).toBe(4 * total('small'));
  });
});
