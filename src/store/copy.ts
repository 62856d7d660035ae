// inventory store copy: moves a SQLite inventory into an empty PostgreSQL one, every table but schema_migrations, ids
// kept, in one PostgreSQL transaction, and proves it by a row count and a checksum per table, computed the same way on
// both sides. A mismatch rolls the whole copy back.
//
// The checksum of a table is the hex SHA-256 of its rows in primary-key order (byte order for text keys: SQLite's
// BINARY collation and PostgreSQL's COLLATE "C" agree), each row one line: the JSON array of its values in the
// target's column order, then "\n". Values are normalised by the target column's type, whatever the engine stored:
// - boolean: true or false (SQLite's 0 and 1 included);
// - integer: the JSON number;
// - text: the JSON string;
// - jsonb: the JSON value re-serialised canonically (object keys sorted by code unit, no spaces) and put in the row as a
//   JSON string, so SQLite's text and PostgreSQL's jsonb (which reorders keys and drops spaces) agree on equal values,
//   and JSON null stays apart from SQL NULL (PostgreSQL's jsonb is read as text for this);
// - SQL NULL: null.
import { createHash } from 'node:crypto';
import { ASSET_TYPES } from '../assets/registry.js';
import type { BulkTableLayout, PostgresBulkSession } from './postgres/bulk.js';
import type { PostgresStore } from './postgres/postgres-store.js';
import type { SqliteBulkSource, SqliteTableLayout } from './sqlite/bulk.js';
import type { SqliteStore } from './sqlite/sqlite-store.js';

/**
 * Every table the migrations create (but schema_migrations), in an order that inserts each row after the rows it
 * refers to: each registered asset type's table comes from the registry (src/assets/registry.ts). A migration that adds
 * any other table adds it here too: a copy refuses a schema whose tables differ from this list.
 */
export const COPY_TABLES: readonly string[] = [
  'sync_runs',
  'sync_accounts',
  'sync_scopes',
  'sync_scope_state',
  'sync_periods',
  ...ASSET_TYPES.map((type) => type.table),
  'asset_sightings',
  'asset_tags',
  'asset_changes',
  'retired_accounts',
  'api_tokens',
  'control_runs',
  'control_results',
  'control_result_assets',
  'control_result_accounts',
  'control_catalog',
  'control_exceptions',
];

/** Rows read and inserted per batch (a multi-row INSERT; split further if the columns times rows exceed PostgreSQL's bind limit). */
export const COPY_BATCH_ROWS = 1000;

/** The copy cannot start: the target is not empty, or the two schemas differ. Nothing was written. */
export class CopyRefusedError extends Error {
  override name = 'CopyRefusedError';
}

/** A table's rows in the target do not match the source's (count or checksum): the copy was rolled back. */
export class CopyMismatchError extends Error {
  override name = 'CopyMismatchError';
  constructor(
    readonly table: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TableCopy {
  table: string;
  rows: number;
  /** The table's checksum, the same on both sides (see the top of this file). */
  checksum: string;
}

export interface CopyReport {
  schemaVersion: number;
  tables: TableCopy[];
  /** The next id of each identity column after the copy, as "table.column". */
  identities: Record<string, number>;
}

export interface CopyOptions {
  batchRows?: number;
}

type Kind = 'boolean' | 'integer' | 'text' | 'json';

interface Plan {
  table: string;
  columns: string[];
  kinds: Kind[];
  primaryKey: string[];
  identities: string[];
}

export async function copyInventory(from: SqliteStore, to: PostgresStore, options: CopyOptions = {}): Promise<CopyReport> {
  const batchRows = options.batchRows ?? COPY_BATCH_ROWS;
  return from.readSnapshot((source) => to.bulkTransaction((target) => copyTables(source, target, batchRows)));
}

async function copyTables(source: SqliteBulkSource, target: PostgresBulkSession, batchRows: number): Promise<CopyReport> {
  const sourceVersion = source.schemaVersion();
  const targetVersion = await target.schemaVersion();
  if (sourceVersion !== targetVersion) {
    throw new CopyRefusedError(`the source is at schema version ${sourceVersion} and the target at ${targetVersion}; both must be at the same version`);
  }
  const plans = plan(source.tables(), await target.tables());
  // No other process writes (or reads a half-copied) target until this transaction ends.
  await target.lockTables(COPY_TABLES);
  for (const table of COPY_TABLES) {
    const rows = await target.countRows(table);
    if (rows > 0) throw new CopyRefusedError(`the target is not empty: table ${table} has ${rows} row(s); store copy only fills a freshly migrated, empty inventory`);
  }

  const tables: TableCopy[] = [];
  const identities: Record<string, number> = {};
  for (const p of plans) {
    const checksum = new TableChecksum(p);
    for (const batch of source.rowsInKeyOrder(p.table, p.columns, p.primaryKey, batchRows)) {
      for (const row of batch) checksum.add(row);
      await target.insertRows(
        p.table,
        p.columns,
        batch.map((row) => row.map((value, i) => toPostgres(p.kinds[i]!, value))),
      );
    }
    const counted = source.countRows(p.table);
    if (counted !== checksum.rows) throw new CopyMismatchError(p.table, `${p.table}: ${counted} rows in the source, but ${checksum.rows} read in key order`);
    tables.push({ table: p.table, rows: checksum.rows, checksum: checksum.digest() });
    // Never an id the source gave once, e.g. an API token's, which stored exceptions may name ("token 7").
    for (const column of p.identities) identities[`${p.table}.${column}`] = await target.resetIdentity(p.table, column, source.highestIdGiven(p.table));
  }

  // Verify: read every table back from the target, in the same order, normalised the same way.
  for (const [i, p] of plans.entries()) {
    const expected = tables[i]!;
    const rows = await target.countRows(p.table);
    if (rows !== expected.rows) {
      throw new CopyMismatchError(p.table, `${p.table}: ${expected.rows} rows in the source but ${rows} in the target`);
    }
    const checksum = new TableChecksum(p);
    const jsonColumns = new Set(p.columns.filter((_, c) => p.kinds[c] === 'json'));
    for await (const batch of target.rowsInKeyOrder(p.table, p.columns, p.primaryKey, jsonColumns, batchRows)) {
      for (const row of batch) checksum.add(row);
    }
    const actual = checksum.digest();
    if (checksum.rows !== expected.rows || actual !== expected.checksum) {
      throw new CopyMismatchError(p.table, `${p.table}: checksums differ (source ${expected.checksum}, target ${actual})`);
    }
  }
  return { schemaVersion: sourceVersion, tables, identities };
}

/** Pairs each table of COPY_TABLES on both sides: the same tables, the same columns, the same primary key, or a refusal. */
function plan(sourceTables: SqliteTableLayout[], targetTables: BulkTableLayout[]): Plan[] {
  const expected = [...COPY_TABLES].sort();
  for (const [side, tables] of [
    ['source', sourceTables.map((t) => t.name)],
    ['target', targetTables.map((t) => t.name)],
  ] as const) {
    const missing = expected.filter((name) => !tables.includes(name));
    const extra = tables.filter((name) => !(expected as string[]).includes(name));
    if (missing.length > 0 || extra.length > 0) {
      throw new CopyRefusedError(
        `the ${side} inventory's tables are not the ones store copy knows` +
          `${missing.length > 0 ? ` (missing: ${missing.join(', ')})` : ''}${extra.length > 0 ? ` (unknown: ${extra.join(', ')})` : ''}`,
      );
    }
  }
  return COPY_TABLES.map((table) => {
    const source = sourceTables.find((t) => t.name === table)!;
    const target = targetTables.find((t) => t.name === table)!;
    const columns = target.columns.map((c) => c.name);
    if ([...source.columns].sort().join() !== [...columns].sort().join()) {
      throw new CopyRefusedError(`table ${table} has columns (${source.columns.join(', ')}) in the source but (${columns.join(', ')}) in the target`);
    }
    if (source.primaryKey.join() !== target.primaryKey.join() || source.primaryKey.length === 0) {
      throw new CopyRefusedError(`table ${table} has primary key (${source.primaryKey.join(', ')}) in the source but (${target.primaryKey.join(', ')}) in the target`);
    }
    return {
      table,
      columns,
      kinds: target.columns.map((c) => kindOf(table, c.name, c.type)),
      primaryKey: target.primaryKey,
      identities: target.columns.filter((c) => c.identity).map((c) => c.name),
    };
  });
}

function kindOf(table: string, column: string, type: string): Kind {
  if (type === 'boolean') return 'boolean';
  if (type === 'integer' || type === 'bigint' || type === 'smallint') return 'integer';
  if (type === 'text') return 'text';
  if (type === 'jsonb' || type === 'json') return 'json';
  throw new CopyRefusedError(`${table}.${column} is of type ${type}, which store copy does not know how to compare`);
}

/** A value read from SQLite, as the parameter PostgreSQL's column takes (JSON goes as its text; jsonb parses it). */
function toPostgres(kind: Kind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'boolean') return normalise('boolean', value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** One value, normalised for the checksum: the same for SQLite's and PostgreSQL's representation of it. */
function normalise(kind: Kind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'boolean':
      if (value === true || value === 1 || value === 1n) return true;
      if (value === false || value === 0 || value === 0n) return false;
      break;
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'bigint' || (typeof value === 'string' && /^-?\d+$/.test(value))) {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : BigInt(value).toString();
      }
      break;
    case 'text':
      if (typeof value === 'string') return value;
      break;
    case 'json':
      try {
        return canonicalJson(typeof value === 'string' ? JSON.parse(value) : value);
      } catch {
        break;
      }
  }
  // Not what the column holds (SQLite's flexible typing): kept apart from every valid value, so it never matches one.
  return { unexpected: typeof value, value: String(value) };
}

/** JSON with object keys sorted (by UTF-16 code unit) and no spaces. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

class TableChecksum {
  private readonly hash = createHash('sha256');
  rows = 0;

  constructor(private readonly plan: Plan) {}

  add(row: readonly unknown[]): void {
    this.hash.update(`${JSON.stringify(row.map((value, i) => normalise(this.plan.kinds[i]!, value)))}\n`);
    this.rows++;
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
