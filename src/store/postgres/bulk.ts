// What `inventory store copy` needs of the PostgreSQL inventory, apart from the store's contract: the schema version,
// the tables with their columns and primary keys, and, on one connection in one transaction, locking the tables,
// multi-row inserts that keep the ids, reading a table in key order, and resetting identity sequences.
import type pg from 'pg';

/** A table as `store copy` sees it: its columns in order with their SQL types, and its primary key in key order. */
export interface BulkTableLayout {
  name: string;
  columns: { name: string; type: string; identity: boolean }[];
  primaryKey: string[];
}

/** PostgreSQL's limit of bind parameters in one statement. */
const MAX_PARAMETERS = 65_535;

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** One connection inside one transaction (the caller begins and ends it). */
export class PostgresBulkSession {
  constructor(private readonly client: pg.PoolClient) {}

  async schemaVersion(): Promise<number> {
    const { rows } = await this.client.query<{ version: number | null }>(`SELECT max(version) AS version FROM schema_migrations`);
    return rows[0]?.version ?? 0;
  }

  /** The inventory's tables in its schema (the connection's current schema), but schema_migrations and the version's. */
  async tables(): Promise<BulkTableLayout[]> {
    const { rows: columns } = await this.client.query<{ table_name: string; column_name: string; data_type: string; is_identity: string }>(
      `SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name NOT IN ('schema_migrations', 'inventory_changes')
        ORDER BY table_name, ordinal_position`,
    );
    const { rows: keys } = await this.client.query<{ table_name: string; column_name: string }>(
      `SELECT c.relname AS table_name, a.attname AS column_name
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE i.indisprimary AND n.nspname = current_schema()
        ORDER BY c.relname, k.position`,
    );
    const layouts = new Map<string, BulkTableLayout>();
    for (const column of columns) {
      let layout = layouts.get(column.table_name);
      if (!layout) layouts.set(column.table_name, (layout = { name: column.table_name, columns: [], primaryKey: [] }));
      layout.columns.push({ name: column.column_name, type: column.data_type, identity: column.is_identity === 'YES' });
    }
    for (const key of keys) layouts.get(key.table_name)?.primaryKey.push(key.column_name);
    return [...layouts.values()];
  }

  /** Takes the tables for this transaction alone: no other process reads or writes them until it ends. */
  async lockTables(tables: readonly string[]): Promise<void> {
    if (tables.length > 0) await this.client.query(`LOCK TABLE ${tables.map(quote).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  }

  async countRows(table: string): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(`SELECT count(*) AS n FROM ${quote(table)}`);
    return Number(rows[0]!.n);
  }

  /** Inserts rows (arrays of values in the order of `columns`), as many per statement as the parameter limit allows. */
  async insertRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
    const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
    const columnList = columns.map(quote).join(', ');
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      const params: unknown[] = [];
      const values = chunk.map((row) => `(${row.map((value) => (params.push(value), `$${params.length}`)).join(', ')})`);
      await this.client.query(`INSERT INTO ${quote(table)} (${columnList}) VALUES ${values.join(', ')}`, params);
    }
  }

  /**
   * Reads a table in primary-key order, `batchSize` rows at a time, through a cursor of this transaction. Each row is an
   * array of the columns' values; `asText` columns are read as their text output (jsonb, so JSON null is not SQL NULL).
   */
  async *rowsInKeyOrder(
    table: string,
    columns: readonly string[],
    primaryKey: readonly string[],
    asText: ReadonlySet<string>,
    batchSize: number,
  ): AsyncGenerator<unknown[][]> {
    const select = columns.map((column) => (asText.has(column) ? `${quote(column)}::text` : quote(column))).join(', ');
    const cursor = quote(`store_copy_${table}`);
    await this.client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${select} FROM ${quote(table)} ORDER BY ${primaryKey.map(quote).join(', ')}`);
    try {
      for (;;) {
        const { rows } = await this.client.query<unknown[]>({ text: `FETCH ${Number(batchSize)} FROM ${cursor}`, rowMode: 'array' });
        if (rows.length === 0) return;
        yield rows;
      }
    } finally {
      // After an error the transaction is aborted and rolls back anyway: the original error is the one to report.
      await this.client.query(`CLOSE ${cursor}`).catch(() => undefined);
    }
  }

  /**
   * Sets an identity column's sequence so that the next id it gives is above max(id) and above `used`, the highest id
   * the source ever gave (1 on an empty table that never had one): ids of deleted rows are not handed out again.
   */
  async resetIdentity(table: string, column: string, used = 0): Promise<number> {
    const { rows } = await this.client.query<{ next: number }>(
      `SELECT setval(pg_get_serial_sequence($1, $2), greatest(COALESCE(max(${quote(column)}), 0), $3::bigint) + 1, false) AS next FROM ${quote(table)}`,
      [quote(table), column, used],
    );
    return Number(rows[0]!.next);
  }
}
