// A synthetic inventory in a temporary SQLite file, built once per benchmark and removed after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { DEFAULT_SHAPE, unencryptedCount, writeOrganization, type OrganizationShape } from './synthetic.js';

export interface BenchInventory {
  store: SqliteStore;
  path: string;
  shape: OrganizationShape;
  unencrypted: number;
  close(): Promise<void>;
}

export async function openBenchInventory(trails: number, log: (line: string) => void, shape: Partial<OrganizationShape> = {}): Promise<BenchInventory> {
  const full: OrganizationShape = { ...DEFAULT_SHAPE, ...shape, trails };
  const dir = mkdtempSync(join(tmpdir(), 'inventory-bench-'));
  const path = join(dir, 'bench.db');
  const store = SqliteStore.open(path);
  const started = performance.now();
  await writeOrganization(store, full);
  const unencrypted = unencryptedCount(full);
  log(
    `built ${full.trails} trails in ${full.accounts} accounts × ${full.regions} regions (${unencrypted} without a KMS key) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    store,
    path,
    shape: full,
    unencrypted,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
