// Applies migrations/postgres/*.sql with the same rules as SQLite (src/store/migrations.ts: checksums, no gaps, no
// newer version): each migration in its own transaction, recorded with its checksum, and the whole run under a
// session advisory lock, so two processes opening a new database at once apply each migration exactly once.
import type pg from 'pg';
import { loadMigrations, MigrationError, pendingMigrations, type AppliedMigration } from '../migrations.js';

/** The advisory lock key of migrations, with the schema in it: one lock per inventory, however many share a server. */
const MIGRATION_LOCK = 'cloud-inventory:migrations';

export async function migratePostgres(pool: pg.Pool, dir: string, at: () => string): Promise<void> {
  const files = loadMigrations(dir);
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtextextended($1 || current_schema(), 0))`, [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at text NOT NULL)`);
      const applied = (await client.query<AppliedMigration>(`SELECT version, name, checksum FROM schema_migrations ORDER BY version`)).rows;
      for (const migration of pendingMigrations(files, applied)) {
        try {
          await client.query('BEGIN');
          await client.query(migration.sql);
          await client.query(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)`, [
            migration.version,
            migration.name,
            migration.checksum,
            at(),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new MigrationError(`${migration.file}: ${(error as Error).message} (nothing of this migration was applied)`);
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))`, [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
