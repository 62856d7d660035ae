// The store benchmarks of bench/ at a tiny size: they run, their two sides agree (each throws when they do not), and
// they report one well-formed measurement each. The figures themselves come from `npm run bench` at full size.
import { describe, expect, it } from 'vitest';
import { controlCatalog } from '../../bench/control-catalog.js';
import { kmsKeyQuery } from '../../bench/kms-key-query.js';
import type { Benchmark } from '../../bench/lib/measure.js';
import { serverMemory } from '../../bench/memory.js';
import { syncIngest, syncResyncUnchanged } from '../../bench/sync-ingest.js';

const UNITS: Record<string, string> = { 'sync-ingest': 'ms', 'sync-resync-unchanged': 'ms', 'control-catalog': 'ms', 'server-memory': 'MB', 'kms-key-query': 'ms' };

describe('store benchmarks at 500 trails', () => {
  for (const benchmark of [syncIngest, syncResyncUnchanged, controlCatalog, serverMemory, kmsKeyQuery] as Benchmark[]) {
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
      if (benchmark === kmsKeyQuery) {
        // As many keys as trails; one in four customer managed without rotation: the query returns each of them once.
        expect(m!.note).toMatch(/^38 of 500 KMS keys: /);
      }
      if (benchmark === controlCatalog) {
        // The rotation control judged the keys, and the raw SQL agreed with it account by account.
        expect(lines.join('\n')).toMatch(/kms-key-rotation: FAIL, \d+ failing of 500 evaluated in \d+ accounts \(raw SQL agrees\)/);
      }
    });
  }
});
