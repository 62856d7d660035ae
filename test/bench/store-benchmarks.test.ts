// The store benchmarks of bench/ at a tiny size: they run, their two sides agree (each throws when they do not), and
// they report one well-formed measurement each. The figures themselves come from `npm run bench` at full size.
import { describe, expect, it } from 'vitest';
import { controlCatalog } from '../../bench/control-catalog.js';
import type { Benchmark } from '../../bench/lib/measure.js';
import { serverMemory } from '../../bench/memory.js';
import { syncIngest, syncResyncUnchanged } from '../../bench/sync-ingest.js';

const UNITS: Record<string, string> = { 'sync-ingest': 'ms', 'sync-resync-unchanged': 'ms', 'control-catalog': 'ms', 'server-memory': 'MB' };

describe('store benchmarks at 500 trails', () => {
  for (const benchmark of [syncIngest, syncResyncUnchanged, controlCatalog, serverMemory] as Benchmark[]) {
    it(`${benchmark.name} gives one measurement with a finite, positive ratio`, async () => {
      const lines: string[] = [];
      const measurements = await benchmark.run({ trails: 500, runs: 1, log: (line) => lines.push(line) });
      expect(measurements).toHaveLength(1);
      const [m] = measurements;
      expect(m).toEqual({
        name: benchmark.name,
        ours: expect.any(Number),
        reference: expect.any(Number),
        ratio: expect.any(Number),
        unit: UNITS[benchmark.name],
        runs: 1,
        note: expect.any(String),
      });
      for (const value of [m!.ours, m!.reference, m!.ratio]) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThan(0);
      }
      if (benchmark === syncResyncUnchanged) {
        expect(lines.join('\n')).toContain('wrote trails 0, asset_sightings 0, asset_tags 0, asset_changes 0 rows');
      }
    });
  }
});
