// What `inventory store copy` reads of a SQLite inventory, apart from the store's contract: the schema version, the
// tables with their columns and primary keys, row counts, and each table's rows in primary-key order.
import type Database from 'better-sqlite3';

/** A table as `store copy` sees it: its columns in order, and its primary key in key order. */
export interface SqliteTableLayout {
  name: string;
  columns: string[];
  primaryKey: string[];
}

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** Reads one SQLite inventory; the caller holds a read transaction around it, so every table is of one moment. */
export class SqliteBulkSource {
  constructor(private readonly db: Database.Database) {}

  schemaVersion(): number {
    return (this.db.prepare(`SELECT max(version) AS version FROM schema_migrations`).get() as { version: number | null }).version ?? 0;
  }

  /** The inventory's tables, but SQLite's own (sqlite_*) and schema_migrations. */
  tables(): SqliteTableLayout[] {
    const names = (
      this.db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_migrations' ORDER BY name`)
        .all() as { name: string }[]
    ).map((row) => row.name);
    return names.map((name) => {
      const info = this.db.prepare(`SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`).all(name) as { name: string; pk: number }[];
      return {
        name,
        columns: info.map((column) => column.name),
        primaryKey: info
          .filter((column) => column.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((column) => column.name),
      };
    });
  }

  /** The highest id an AUTOINCREMENT table ever gave (sqlite_sequence), deleted rows included; 0 for other tables. */
  highestIdGiven(table: string): number {
    return (this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = ?`).get(table) as { seq: number } | undefined)?.seq ?? 0;
  }

  countRows(table: string): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;
  }

  /** The table's rows in primary-key order (BINARY collation: byte order, as PostgreSQL's COLLATE "C"), `batchSize` at a time. */
  *rowsInKeyOrder(table: string, columns: readonly string[], primaryKey: readonly string[], batchSize: number): Generator<unknown[][]> {
    const statement = this.db.prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY ${primaryKey.map(quote).join(', ')}`).raw(true);
    let batch: unknown[][] = [];
    for (const row of statement.iterate() as Iterable<unknown[]>) {
      batch.push(row);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}
