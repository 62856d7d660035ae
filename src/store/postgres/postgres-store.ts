// The shared store for deployments that outgrow one machine: PostgreSQL through a `pg` pool, migrated on open, with the
// same contract as the SQLite store (the semantics are the store core's, src/store/core/store-core.ts). This part
// supplies the pool, placeholders, and the locks that let several processes write at once: advisory transaction locks
// taken in one fixed order (the account, shared, or exclusive to retire it; then the scope; then every trail the write
// may touch, sorted by lock key), so that no two writers wait on each other in a cycle.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { AssetTypeDefinition } from '../../assets/definition.js';
import { MIGRATIONS_DIR } from '../../paths.js';
import { now, STALE_RUN_MS } from '../common.js';
import { driveAsync, type Operation, type Statement } from '../core/operation.js';
import { StoreCore } from '../core/store-core.js';
import { POSTGRES_DIALECT } from '../dialect.js';
import { noInventory, type StoreAccess } from '../location.js';
import { StoreBusyError, type IntegrityReport, type InventoryStore, type SyncLeadership } from '../store.js';
import { PostgresBulkSession } from './bulk.js';
import { migratePostgres } from './migrate.js';

export interface PostgresStoreOptions {
  migrationsDir?: string;
  /** How old a running run's heartbeat may get before the run counts as interrupted (tests shorten it). */
  staleRunMs?: number;
  /** Connections in the pool (default 10; URL parameter pool_size). */
  poolSize?: number;
  /** statement_timeout in milliseconds for every statement (default none; URL parameter statement_timeout). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (URL parameter connect_timeout, in seconds; default 10 s). */
  connectTimeoutMs?: number;
  /** The schema the inventory lives in (default the server's search_path; URL parameter schema). */
  schema?: string;
  /** TLS options for the connections; `sslmode`, `sslrootcert`, `sslcert` and `sslkey` in the URL work as in libpq. */
  ssl?: pg.ConnectionConfig['ssl'];
  /** Read or write access needs an inventory in the schema; create (the default) makes one (README, The inventory file). */
  access?: StoreAccess;
  /** The asset types held (the registry's by default; a test adds a type of its own). */
  assetTypes?: readonly AssetTypeDefinition[];
}

/** pg gives int8 and numeric as strings (they may exceed 2^53); every count and sum here fits a number. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Deadlocks and serialization failures are retried (they should not happen: the lock order is fixed). */
const RETRYABLE = new Set(['40P01', '40001']);

/** The settings this store reads from a postgres:// URL's query, removed before pg sees the rest. */
export function parsePostgresUrl(url: string): { connectionString: string; options: PostgresStoreOptions } {
  const parsed = new URL(url);
  const options: PostgresStoreOptions = {};
  const take = (name: string): string | undefined => {
    const value = parsed.searchParams.get(name);
    parsed.searchParams.delete(name);
    return value ?? undefined;
  };
  const positive = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${value}"`);
    return n;
  };
  const poolSize = positive('pool_size', take('pool_size'));
  const statementTimeoutMs = positive('statement_timeout', take('statement_timeout'));
  const schema = take('schema');
  const connectTimeoutSeconds = positive('connect_timeout', take('connect_timeout'));
  if (connectTimeoutSeconds !== undefined) options.connectTimeoutMs = connectTimeoutSeconds * 1000;
  if (poolSize !== undefined) options.poolSize = poolSize;
  if (statementTimeoutMs !== undefined) options.statementTimeoutMs = statementTimeoutMs;
  if (schema !== undefined) options.schema = schema;
  return { connectionString: parsed.toString(), options };
}

export class PostgresStore extends StoreCore implements InventoryStore {
  readonly kind = 'postgres' as const;
  private closed = false;

  /**
   * /healthz and /readyz read through a connection of their own (ping, trailTotals), so that a pool busy with queries
   * is not taken for a database that is down (README, PostgreSQL).
   */
  private readonly probes: pg.Pool;

  private constructor(
    readonly pool: pg.Pool,
    private readonly lockNamespace: string,
    staleRunMs: number,
    assetTypes?: readonly AssetTypeDefinition[],
  ) {
    super(
      {
        dialect: { ...POSTGRES_DIALECT, placeholder: () => '?' },
        rowCheck: 'TRUE',
        locking: true,
        assetTypes,
        dataVersion: `SELECT sum(writes) AS version FROM inventory_changes`,
      },
      staleRunMs,
    );
    this.probes = new pg.Pool({ ...pool.options, max: 1 });
    this.probes.on('error', () => undefined);
  }

  /**
   * Connects, and applies pending migrations (under an advisory lock: several processes may open at once). The URL's
   * parameters override `defaults`, and `options` override both.
   */
  static async open(url: string, options: PostgresStoreOptions = {}, defaults: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const fromUrl = parsePostgresUrl(url);
    const settings = { ...defaults, ...fromUrl.options, ...options };
    if (settings.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(settings.schema)) {
      throw new Error(`schema must be a lower-case SQL identifier, not "${settings.schema}"`);
    }
    const config: pg.PoolConfig = {
      connectionString: fromUrl.connectionString,
      max: settings.poolSize ?? 10,
      types: TYPES,
      application_name: 'cloud-inventory',
      // A server that does not answer is an error after this long, not a command that hangs.
      connectionTimeoutMillis: settings.connectTimeoutMs ?? 10_000,
    };
    if (settings.statementTimeoutMs !== undefined) config.statement_timeout = settings.statementTimeoutMs;
    if (settings.schema !== undefined) config.options = `-c search_path=${settings.schema}`;
    if (settings.ssl !== undefined) config.ssl = settings.ssl;
    const pool = new pg.Pool(config);
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      if ((settings.access ?? 'create') !== 'create') {
        const [found] = (await pool.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`)).rows;
        if (!found?.present) throw noInventory(url);
      }
      await migratePostgres(pool, settings.migrationsDir ?? join(MIGRATIONS_DIR, 'postgres'), now);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStore(pool, settings.schema ?? '', settings.staleRunMs ?? STALE_RUN_MS, settings.assetTypes);
  }

  /** Reads on any connection of the pool (or the probes'), one statement at a time. */
  protected async read<T>(operation: () => Operation<T>, options: { probe?: boolean } = {}): Promise<T> {
    const pool = options.probe ? this.probes : this.pool;
    return driveAsync(operation(), async (statement) => {
      try {
        return await this.execute(queryOn(pool), statement);
      } catch (error) {
        throw this.busyOr(error);
      }
    });
  }

  /** Runs the operation in one transaction on one connection, retrying it whole on a deadlock or serialization failure. */
  protected async write<T>(operation: () => Operation<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      try {
        await client.query('BEGIN');
        const query = queryOn(client);
        const result = await driveAsync(operation(), (statement) => this.execute(query, statement));
        await client.query(COUNT_WRITE);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (attempt < 5 && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
        throw error;
      } finally {
        client.release();
      }
    }
  }

  private async execute(query: Query, statement: Statement): Promise<unknown> {
    switch (statement.kind) {
      case 'all':
        return (await query(numbered(statement.sql), [...statement.params])).rows;
      case 'raw': {
        const result = await query(numbered(statement.sql), [...statement.params], 'array');
        return { columns: result.fields.map((f) => f.name), rows: result.rows };
      }
      case 'run':
        return (await query(numbered(statement.sql), [...statement.params])).rowCount ?? 0;
      case 'insertMany': {
        // Rows in batches of one multi-row VALUES each, under PostgreSQL's 65,535 parameters.
        const width = statement.rows[0]!.length;
        const batch = Math.floor(30_000 / width);
        for (let start = 0; start < statement.rows.length; start += batch) {
          const rows = statement.rows.slice(start, start + batch);
          const values = rows.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
          await query(`${statement.sql} ${values.join(', ')}${statement.suffix}`, rows.flat());
        }
        return undefined;
      }
      case 'lock': {
        if (statement.shared) {
          for (const name of statement.names) await query(`SELECT pg_advisory_xact_lock_shared($1::bigint)`, [String(this.lockKey(name))]);
          return undefined;
        }
        // In the order of their keys, as every writer takes them; unnest yields the array in order, locked row by row.
        const keys = [...new Set(statement.names.map((name) => this.lockKey(name)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        await query(`SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS t(k)`, [keys.map(String)]);
        return undefined;
      }
    }
  }

  /** A connection of the pool for a transaction; StoreBusyError when every one stayed in use for the connect timeout. */
  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.busyOr(error);
    }
  }

  /** pg says the same when the server does not answer: busy is when every connection of the pool exists and is in use. */
  private busyOr(error: unknown): unknown {
    const max = this.pool.options.max ?? 10;
    if (!/timeout exceeded when trying to connect/i.test((error as Error | undefined)?.message ?? '') || this.pool.totalCount < max) return error;
    return new StoreBusyError(`all ${max} connections to PostgreSQL are in use (pool_size); try again shortly`);
  }

  /** 64-bit advisory lock keys, from the inventory's schema and the locked thing's name. */
  private lockKey(name: string): bigint {
    return createHash('sha256').update(`${this.lockNamespace}\0${name}`).digest().readBigInt64BE(0);
  }

  /**
   * The lead of scheduled syncs: a session advisory lock, per inventory (the schema is in its key), held on a connection
   * of its own for as long as the process leads. A replica that dies loses its session and so the lock, which another
   * replica then takes at its next attempt (README, "Scheduled syncs").
   */
  syncLeadership(): SyncLeadership {
    return new PostgresLeadership(this.pool.options, this.lockKey('scheduled syncs'));
  }

  async ping(): Promise<void> {
    await this.probes.query('SELECT 1');
  }

  /**
   * PostgreSQL has no check of a whole database comparable to SQLite's integrity_check without the amcheck extension
   * (not installed by default, and needing superuser grants); page checksums, when the cluster has them, make a damaged
   * page an error on read, which fails the query and so the verdict (ERROR). Nothing is checked here, and it says so.
   */
  async checkIntegrity(): Promise<IntegrityReport> {
    return { ok: true, problems: [], method: 'not checked: PostgreSQL has no integrity check without the amcheck extension (see README, PostgreSQL)' };
  }

  async changeStamp(): Promise<string> {
    return '';
  }

  /**
   * For `inventory store copy` (src/store/copy.ts): runs `work` in one transaction on one connection, committed when it
   * returns and rolled back, all of it, when it throws. Never retried: a copy is all or nothing, once.
   */
  async bulkTransaction<T>(work: (session: PostgresBulkSession) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const result = await work(new PostgresBulkSession(client));
      await client.query(COUNT_WRITE);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.probes.end()]);
  }
}

/**
 * Counts the transaction in the inventory's version (the sum of inventory_changes, read before a cached count is
 * used), committed with it, so that every replica sees the change. Writers spread over the slots by connection, so
 * that they do not queue behind one row until each other's commit.
 */
const COUNT_WRITE = `UPDATE inventory_changes SET writes = writes + 1 WHERE slot = pg_backend_pid() % 16`;

/** How long a statement of the lead's connection may go unanswered before the connection counts as lost. */
const LEAD_QUERY_TIMEOUT_MS = 30_000;

/** One replica's lead of scheduled syncs: pg_try_advisory_lock on a connection kept while it leads or tries to. */
class PostgresLeadership implements SyncLeadership {
  private client: pg.Client | undefined;
  private held = false;
  private released = false;

  constructor(
    private readonly options: pg.PoolConfig,
    private readonly key: bigint,
  ) {}

  async lead(): Promise<boolean> {
    if (this.released) return false;
    if (this.held && this.client) {
      try {
        // The session is alive, so the lock is still ours; a lost one ended with its session: try to take it again.
        await this.client.query('SELECT 1');
        return true;
      } catch {
        this.drop();
      }
    }
    try {
      const client = await this.connection();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [String(this.key)]);
      this.held = rows[0]?.locked === true;
      return this.held;
    } catch (error) {
      this.drop();
      throw error;
    }
  }

  async release(): Promise<void> {
    this.released = true;
    const client = this.client;
    this.client = undefined;
    this.held = false;
    // Ending the session frees its lock.
    await client?.end().catch(() => undefined);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    // A statement that gets no answer (the network cut) fails in time, and the lead is tried again on a new connection.
    const client = new pg.Client({ ...this.options, keepAlive: true, query_timeout: LEAD_QUERY_TIMEOUT_MS });
    // A connection lost while idle must not crash the process: the next attempt connects again.
    client.on('error', () => this.drop(client));
    try {
      await client.connect();
      // The server's keepalives on this session: a replica whose host died without closing it loses the lead in about a
      // minute, not after the system's two hours (ignored over a Unix socket, where a dead peer is seen at once).
      await client.query('SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3');
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  /** Forgets a connection that failed; its session, and any lock it held, ends with it. */
  private drop(client = this.client): void {
    if (!client || client !== this.client) return;
    this.client = undefined;
    this.held = false;
    client.end().catch(() => undefined);
  }
}

type Query = (text: string, values: unknown[], rowMode?: 'array') => Promise<pg.QueryResult>;

/** Statements on a pool or on one connection, rows as objects or (rowMode 'array') as arrays. */
function queryOn(target: pg.Pool | pg.PoolClient): Query {
  return (text, values, rowMode) => (rowMode ? target.query({ text, values, rowMode }) : target.query(text, values));
}

const numberedSql = new Map<string, string>();

/** The core's `?` placeholders as PostgreSQL's `$1`, `$2`, ... (none inside a quoted literal), rewritten once per SQL text. */
function numbered(sql: string): string {
  let text = numberedSql.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/'(?:[^']|'')*'|\?/g, (match) => (match === '?' ? `$${++n}` : match));
    if (numberedSql.size >= 500) numberedSql.clear();
    numberedSql.set(sql, text);
  }
  return text;
}
