// The hostile-load benchmark at a tiny size, so that it cannot rot: both servers (with the GraphQL workers and with
// --workers 0) run under the hostile clients, every probe is answered, and each figure is well-formed.
import { describe, expect, it } from 'vitest';
import { hostileLoad } from '../../bench/hostile-load.js';

describe('the hostile-load benchmark at 500 trails', () => {
  it('reports the p99 of /healthz and of a cheap query, and the peak memory, with the workers against without', async () => {
    const lines: string[] = [];
    const measurements = await hostileLoad.run({ trails: 500, runs: 1, durationSeconds: 0.5, log: (line) => lines.push(line) });
    expect(measurements.map((m) => [m.name, m.unit])).toEqual([
      ['hostile-load-healthz-p99', 'ms'],
      ['hostile-load-cheap-query-p99', 'ms'],
      ['hostile-load-server-memory', 'MB'],
    ]);
    for (const m of measurements) {
      for (const value of [m.ours, m.reference, m.ratio]) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThan(0);
      }
    }
    expect(lines.join('\n')).toMatch(/\d+ workers: hostile answers \{.*\n.*--workers 0: hostile answers \{/);
  });
});
