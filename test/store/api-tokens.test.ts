// API tokens in the store, on both backends: a revoked token is kept (revoked_at), refused by the server, and neither
// its id nor its name is ever given to another token, so that an exception "created by token 3" keeps naming one token.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { ApiTokenScope, InventoryStore } from '../../src/store/store.js';
import { createTestSchema, ON_POSTGRES, openTempStore, removeDir, tempDir, type TempStore } from '../support/store.js';

let hashes = 0;
const create = (store: InventoryStore, name: string | null = null, scope: ApiTokenScope = 'read') =>
  store.createApiToken({ name, scope, hash: (++hashes).toString(16).padStart(64, '0') });

describe('API tokens are never reused', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('gives ids above every id ever given: 1, 2, revoke 2, then 3; all revoked, then the next', async () => {
    expect((await create(temp.store))!.id).toBe(1);
    expect((await create(temp.store))!.id).toBe(2);
    await temp.store.revokeApiToken('2');
    expect((await create(temp.store))!.id).toBe(3);
    for (const id of ['1', '3']) await temp.store.revokeApiToken(id);
    expect(await temp.store.listApiTokens()).toEqual([]);
    expect((await create(temp.store))!.id).toBe(4);
  });

  it('keeps a revoked token, marked revoked, and leaves it out of the credentials and the default list', async () => {
    const kept = (await create(temp.store, 'kept'))!;
    const gone = (await create(temp.store, 'gone', 'admin'))!;
    const revoked = await temp.store.revokeApiToken('gone');
    expect(revoked).toEqual({ token: { ...gone, revokedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) }, newlyRevoked: true });
    expect((await temp.store.apiTokenCredentials()).map((c) => c.id)).toEqual([kept.id]);
    expect(await temp.store.listApiTokens()).toEqual([kept]);
    expect(await temp.store.listApiTokens({ includeRevoked: true })).toEqual([kept, revoked!.token]);
    expect(await temp.sql('SELECT id FROM api_tokens ORDER BY id')).toEqual([{ id: kept.id }, { id: gone.id }]);
    // Revoking it again changes nothing, and says so.
    expect(await temp.store.revokeApiToken(String(gone.id))).toEqual({ token: revoked!.token, newlyRevoked: false });
    expect(await temp.store.revokeApiToken('nobody')).toBeUndefined();
  });

  it('refuses a name any token ever had, revoked or not, or that a stored exception names as its actor', async () => {
    await create(temp.store, 'ci');
    expect(await create(temp.store, 'ci')).toBeUndefined();
    await temp.store.revokeApiToken('ci');
    expect(await create(temp.store, 'ci')).toBeUndefined();
    await temp.sql(
      `INSERT INTO control_exceptions (control_id, asset, owner, reason, approver, expires, created_at, created_by, revoked_at, revoked_by)
       VALUES ('c', '111122223333', 'o', 'r', 'a', '2099-01-01', '2026-01-01T00:00:00.000Z', 'deploy', '2026-01-02T00:00:00.000Z', 'ops')`,
    );
    expect(await create(temp.store, 'deploy')).toBeUndefined();
    expect(await create(temp.store, 'ops')).toBeUndefined();
    expect((await create(temp.store, 'fresh'))!.name).toBe('fresh');
    expect((await temp.store.listApiTokens({ includeRevoked: true })).map((t) => t.name)).toEqual(['ci', 'fresh']);
  });
});

/** An inventory made by a cloud-inventory of migration `version` (before tokens were kept), on the backend under test. */
async function openOldInventory(version: number) {
  const dir = tempDir('old-tokens-');
  const migrations = join(dir, 'migrations');
  mkdirSync(migrations);
  const engine = ON_POSTGRES ? 'postgres' : 'sqlite';
  for (const file of readdirSync(join(MIGRATIONS_DIR, engine)).filter((f) => Number(f.slice(0, 4)) <= version)) {
    copyFileSync(join(MIGRATIONS_DIR, engine, file), join(migrations, file));
  }
  if (ON_POSTGRES) {
    const schema = await createTestSchema();
    const old = await PostgresStore.open(schema.url, { migrationsDir: migrations });
    return {
      sql: async (text: string, params: unknown[] = []) => {
        let n = 0;
        await old.pool.query(
          text.replace(/\?/g, () => `$${++n}`),
          params,
        );
      },
      upgrade: async (): Promise<InventoryStore> => (await old.close(), PostgresStore.open(schema.url)),
      cleanup: async () => (await schema.drop(), removeDir(dir)),
    };
  }
  const path = join(dir, 'old.db');
  const old = SqliteStore.open(path, { migrationsDir: migrations });
  return {
    sql: async (text: string, params: unknown[] = []) => void old.db.prepare(text).run(...params),
    upgrade: async (): Promise<InventoryStore> => (await old.close(), SqliteStore.open(path)),
    cleanup: async () => removeDir(dir),
  };
}

describe('an inventory from before tokens were kept (migration 0008)', () => {
  it('never gives a new token the id or the name of a deleted token that a stored exception names', async () => {
    const old = await openOldInventory(7);
    let store: InventoryStore | undefined;
    try {
      // As the old `token revoke` left it: tokens 1 and 2 deleted, an exception created by "token 7" and one revoked by "ci".
      for (const name of [null, 'ci']) {
        await old.sql(`INSERT INTO api_tokens (name, scope, token_sha256, created_at) VALUES (?, 'admin', ?, '2026-01-01T00:00:00.000Z')`, [
          name,
          `${name}`.padEnd(64, '0'),
        ]);
      }
      await old.sql(`DELETE FROM api_tokens`);
      await old.sql(
        `INSERT INTO control_exceptions (control_id, asset, owner, reason, approver, expires, created_at, created_by, revoked_at, revoked_by)
         VALUES ('c', '111122223333', 'o', 'r', 'a', '2099-01-01', '2026-01-01T00:00:00.000Z', 'token 7', '2026-01-02T00:00:00.000Z', 'ci')`,
      );
      store = await old.upgrade();
      expect((await create(store))!.id).toBe(8);
      expect(await create(store, 'ci')).toBeUndefined();
      await store.revokeApiToken('8');
      expect((await create(store))!.id).toBe(9);
    } finally {
      await store?.close();
      await old.cleanup();
    }
  });
});
