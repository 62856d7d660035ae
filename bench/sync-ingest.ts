// Measurement 4: sync ingest. Writing the synthetic organization through the sync path (a sync run, each account
// recorded, one transaction per scope: what a real sync does once the collector has the records) against a raw
// prepared INSERT of the same trail, sighting and tag rows in one transaction; and a re-sync of unchanged data.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { TRAIL_CONTENT_COLUMNS, type TrailColumn } from '../src/store/trail-columns.js';
import { countRowWrites } from '../test/support/store.js';
import { measurement, type Benchmark } from './lib/measure.js';
import { timeBothStaged, type StagedSide } from './lib/staged.js';
import { DEFAULT_SHAPE, syntheticScopes, writeOrganization, type OrganizationShape, type SyntheticScope } from './lib/synthetic.js';

/** The asset tables a sync writes; an unchanged re-sync must write none of their rows. */
export const ASSET_TABLES = ['trails', 'asset_sightings', 'asset_tags', 'asset_changes'] as const;

export const syncIngest: Benchmark = {
  name: 'sync-ingest',
  description: 'the organization written through the sync path into a fresh store vs a raw prepared INSERT of the same rows in one transaction',
  async run({ trails, runs, log }) {
    const shape: OrganizationShape = { ...DEFAULT_SHAPE, trails };
    const scopes = buildScopes(shape, log);
    const files = new Workspace();
    try {
      const ours: StagedSide<SqliteStore> = {
        prepare: () => files.freshStore(),
        run: async (store) => void (await writeOrganization(store, shape, scopes)),
        check: (store) => tableCounts(store.db),
        cleanup: (store) => files.remove(store),
      };
      const times = await timeBothStaged(runs, ours, rawInsertSide(files, scopes));
      log(`  each side wrote ${times.check}`);
      return [
        measurement(
          'sync-ingest',
          'ms',
          times.ours,
          times.reference,
          `${trails} trails in ${scopes.length} scopes, fresh file each run: sync path (${scopes.length} scope transactions, hashes, history, bookkeeping) vs ${RAW_INSERT}`,
        ),
      ];
    } finally {
      files.close();
    }
  },
};

export const syncResyncUnchanged: Benchmark = {
  name: 'sync-resync-unchanged',
  description: 'the same organization synced again into the populated store (nothing changed) vs the raw insert of all its rows into a fresh file',
  async run({ trails, runs, log }) {
    const shape: OrganizationShape = { ...DEFAULT_SHAPE, trails };
    const scopes = buildScopes(shape, log);
    const files = new Workspace();
    try {
      const store = files.freshStore();
      const started = performance.now();
      await writeOrganization(store, shape, scopes);
      log(`  populated the store (first sync) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const written = countRowWrites(store, ASSET_TABLES);
      const ours: StagedSide<SyntheticScope[]> = {
        // Records built anew each run, as a real sync's collector builds them: the store must recognise unchanged content, not objects.
        prepare: () => syntheticScopes(shape),
        run: async (fresh) => void (await writeOrganization(store, shape, fresh)),
        check: () => tableCounts(store.db),
      };
      const times = await timeBothStaged(runs, ours, rawInsertSide(files, scopes));
      const rows = written.read();
      const syncs = runs + 1;
      log(`  ${syncs} unchanged re-syncs wrote ${ASSET_TABLES.map((table) => `${table} ${rows[table]}`).join(', ')} rows`);
      const wrote = ASSET_TABLES.filter((table) => rows[table] !== 0);
      if (wrote.length > 0) throw new Error(`an unchanged re-sync wrote rows: ${wrote.map((table) => `${table} ${rows[table]}`).join(', ')}`);
      return [
        measurement(
          'sync-resync-unchanged',
          'ms',
          times.ours,
          times.reference,
          `${trails} trails, unchanged: a second sync run into the populated store (0 asset rows written) vs ${RAW_INSERT} (the first write's reference)`,
        ),
      ];
    } finally {
      files.close();
    }
  },
};

const RAW_INSERT = 'a raw prepared INSERT of the same trails, sightings and tags rows in one transaction into a fresh file (no hashing, no history, no sync bookkeeping)';

function buildScopes(shape: OrganizationShape, log: (line: string) => void): SyntheticScope[] {
  const started = performance.now();
  const scopes = syntheticScopes(shape);
  log(`  built ${shape.trails} trail records in ${scopes.length} scopes (not timed) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return scopes;
}

/** Fresh database files in one temporary folder, removed at the end. */
class Workspace {
  private readonly dir = mkdtempSync(join(tmpdir(), 'inventory-bench-ingest-'));
  private files = 0;

  /** A migrated store in a new file: the schema both sides write into. */
  freshStore(): SqliteStore {
    return SqliteStore.open(join(this.dir, `${++this.files}.db`));
  }

  async remove(store: SqliteStore): Promise<void> {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${store.path}${suffix}`, { force: true });
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The reference: every row of the organization's trails, sightings and tags through three prepared INSERTs, in one transaction. */
function rawInsertSide(files: Workspace, scopes: readonly SyntheticScope[]): StagedSide<SqliteStore> {
  return {
    prepare: () => files.freshStore(),
    run: (store) => rawInsert(store.db, scopes),
    check: (store) => tableCounts(store.db),
    cleanup: (store) => files.remove(store),
  };
}

export function rawInsert(db: Database.Database, scopes: readonly SyntheticScope[]): void {
  const columns = [...TRAIL_CONTENT_COLUMNS.map((c) => c.sql), 'first_seen_at', 'last_seen_at', 'last_run_id', 'content_hash', 'config_hash', 'tags_known'];
  const insertTrail = db.prepare(`INSERT INTO trails (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const insertSighting = db.prepare(`INSERT INTO asset_sightings (asset_type, asset_id, account_id, region, last_run_id) VALUES ('Trail', ?, ?, ?, ?)`);
  const insertTag = db.prepare(`INSERT INTO asset_tags (asset_id, key, value) VALUES (?, ?, ?)`);
  db.transaction(() => {
    const at = new Date().toISOString();
    for (const scope of scopes) {
      for (const trail of scope.trails) {
        const record = trail as unknown as Record<string, unknown>;
        insertTrail.run(...TRAIL_CONTENT_COLUMNS.map((c) => encode(c, record[c.field])), at, at, 1, '', '', trail.tags === null ? 0 : 1);
        insertSighting.run(trail.arn, scope.accountId, scope.region, 1);
        for (const tag of trail.tags ?? []) insertTag.run(trail.arn, tag.key, tag.value);
      }
    }
  }).immediate();
}

function encode(column: TrailColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.kind === 'boolean') return value ? 1 : 0;
  if (column.kind === 'json') return JSON.stringify(value);
  return value;
}

/**
 * What both sides must have written: the live trails (their content columns), their sightings and their tags, as
 * counts and one digest of every value, so that the reference is known to write exactly the rows the sync path does.
 */
function tableCounts(db: Database.Database): string {
  const digest = createHash('sha256');
  const tables = [
    ['trails', `SELECT ${TRAIL_CONTENT_COLUMNS.map((c) => c.sql).join(', ')}, tags_known FROM trails WHERE deleted_at IS NULL ORDER BY arn`],
    ['sightings', 'SELECT asset_id, account_id, region FROM asset_sightings ORDER BY account_id, region, asset_id'],
    ['tags', 'SELECT asset_id, key, value FROM asset_tags ORDER BY asset_id, key'],
  ] as const;
  const counts = tables.map(([name, sql]) => {
    let n = 0;
    for (const row of db.prepare(sql).raw().iterate()) {
      digest.update(JSON.stringify(row));
      n++;
    }
    return `${n} ${name}`;
  });
  return `${counts.join(', ')} (content sha256 ${digest.digest('hex').slice(0, 12)})`;
}
