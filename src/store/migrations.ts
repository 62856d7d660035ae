// Reads the numbered SQL migrations of one engine; the engine-specific runner applies them.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/** Thrown for any migration problem; the message names the file. The database is left as it was. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function loadMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = MIGRATION_FILE.exec(file);
      if (!match) throw new MigrationError(`${join(dir, file)}: a migration file is named NNNN_name.sql`);
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(match[1]),
        name: match[2]!,
        file: join(dir, file),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`${m.file}: expected migration number ${i + 1}; numbers must be 1, 2, 3, ... without gaps`);
  });
  return migrations;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/** Checks what the database has applied against the files; returns the migrations still to apply. */
export function pendingMigrations(files: Migration[], applied: AppliedMigration[]): Migration[] {
  for (const done of applied) {
    const file = files.find((m) => m.version === done.version);
    if (!file) {
      throw new MigrationError(`the database has migration ${done.version} (${done.name}) applied, but no such file exists: it was made by a newer cloud-inventory`);
    }
    if (file.checksum !== done.checksum) {
      throw new MigrationError(
        `${file.file} was edited after it was applied (checksum ${done.checksum.slice(0, 12)} recorded, ${file.checksum.slice(0, 12)} now); ` +
          'applied migrations are never changed: restore the file and add a new migration instead',
      );
    }
  }
  const appliedVersions = new Set(applied.map((m) => m.version));
  return files.filter((m) => !appliedVersions.has(m.version));
}
