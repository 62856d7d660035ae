// A fresh SQLite inventory in a temporary folder per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export interface TempStore {
  store: SqliteStore;
  dir: string;
  path: string;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'inventory-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function openTempStore(): TempStore {
  const dir = tempDir();
  const path = join(dir, 'inventory.db');
  const store = SqliteStore.open(path);
  return {
    store,
    dir,
    path,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
