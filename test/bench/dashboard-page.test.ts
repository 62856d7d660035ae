// The dashboard-page benchmarks at a tiny size, so that they cannot rot: both run end to end (three servers agree on
// the page, autocannon loads them without an error) and report a well-formed measurement.
import { describe, expect, it } from 'vitest';
import { dashboardPage, dashboardPageNaive } from '../../bench/dashboard-page.js';
import type { Benchmark } from '../../bench/lib/measure.js';
import { BENCHMARKS } from '../../bench/run.js';
import { DEFAULT_SHAPE, syntheticScopes } from '../../bench/lib/synthetic.js';

/** The page's trails in the synthetic organization of 500 trails, worked out from the organization itself. */
const matching = syntheticScopes({ ...DEFAULT_SHAPE, trails: 500 })
  .flatMap((scope) => scope.trails)
  .filter((trail) => trail.kmsKeyID === '' && trail.isLogging === true).length;

describe('dashboard-page benchmarks', () => {
  it('are registered after seed-query, in a stable order', () => {
    expect(BENCHMARKS.map((b) => b.name)).toEqual([
      'seed-query',
      'dashboard-page',
      'dashboard-page-naive',
      'kms-key-query',
      'sync-ingest',
      'sync-resync-unchanged',
      'control-catalog',
      'server-memory',
      'hostile-load',
      'org-sync',
      'sdk-call-floor',
      'seed-query-postgres',
      'dashboard-page-postgres-scale',
    ]);
  });

  it.each([dashboardPage, dashboardPageNaive].map((b): [string, Benchmark] => [b.name, b]))(
    '%s measures req/s against its reference at 500 trails',
    async (name, benchmark) => {
      const lines: string[] = [];
      const measurements = await benchmark.run({ trails: 500, runs: 1, durationSeconds: 0.25, log: (line) => lines.push(line) });
      expect(measurements).toHaveLength(1);
      const [m] = measurements;
      expect(m).toMatchObject({ name, unit: 'req/s', runs: 1 });
      for (const value of [m!.ours, m!.reference, m!.ratio]) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThan(0);
      }
      expect(m!.note).toMatch(/higher is better/);
      // Against the node:http reference: each side's p99, and the page's statements alone.
      if (name === 'dashboard-page') {
        expect(m!.p99!.ours).toBeGreaterThan(0);
        expect(m!.p99!.reference).toBeGreaterThan(0);
        expect(m!.raw!.perSecond).toBeGreaterThan(0);
        expect(m!.raw!.p99Ms).toBeGreaterThan(0);
      }
      expect(matching).toBeGreaterThan(0);
      expect(lines.join('\n')).toContain(`the three servers answer the same page: ${Math.min(50, matching)} of ${matching} trails`);
    },
  );
});
