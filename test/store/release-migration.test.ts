// An inventory made by release 0.1.0 (schema version 0009) is opened by the current code, which migrates it, and then
// answers every question it answered before, exactly (README, The inventory file; issue: migrations carry an existing
// inventory over losslessly). The fixtures and the recorded answers are test/fixtures/release-0.1.0 (its README).
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import type { InventoryStore } from '../../src/store/store.js';
import { askRelease, type Answers } from '../fixtures/release-0.1.0/queries.js';
import { createTestSchema, removeDir, tempDir } from '../support/store.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/release-0.1.0/', import.meta.url));
const RECORDED = JSON.parse(readFileSync(join(FIXTURES, 'answers.json'), 'utf8')) as { recordedAt: string; sqlite: Answers; postgres: Answers };
const RELEASE_SCHEMA_VERSION = 9;

/** What the release stored, counted in its own tables before the current code touches them. */
interface ReleaseRows {
  version: number;
  trails: number;
  sightings: number;
  changes: number;
}

const RELEASE_COUNTS = `SELECT (SELECT max(version) FROM schema_migrations) AS version, (SELECT count(*) FROM trails) AS trails,
  (SELECT count(*) FROM trail_sightings) AS sightings, (SELECT count(*) FROM trail_changes) AS changes`;

type TrailRows = { trails: { id: string; history: unknown[]; visibleIn: unknown[] }[] };

/** Asks the migrated store every recorded question, at the instant they were recorded (an exception's state depends on the day). */
async function askAtRecordingTime(store: InventoryStore): Promise<Answers> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(RECORDED.recordedAt));
  try {
    return await askRelease(store);
  } finally {
    vi.useRealTimers();
  }
}

function expectSameAnswers(answers: Answers, recorded: Answers, rows: ReleaseRows): void {
  expect(Object.keys(answers).sort()).toEqual(Object.keys(recorded).sort());
  for (const name of Object.keys(recorded)) expect(answers[name], name).toEqual(recorded[name]);
  // Row by row: every change and every sighting the release stored is still read, for every trail, deleted or not.
  const trails = (answers.trailHistories as TrailRows).trails;
  expect(trails).toHaveLength(rows.trails);
  expect(trails.reduce((n, t) => n + t.history.length, 0)).toBe(rows.changes);
  expect(trails.reduce((n, t) => n + t.visibleIn.length, 0)).toBe(rows.sightings);
}

/** The fixture holds a real history: deletions, restorations, changes, failed scopes, checks of every verdict, revocations. */
function expectRealisticHistory(rows: ReleaseRows, recorded: Answers): void {
  expect(rows.version).toBe(RELEASE_SCHEMA_VERSION);
  expect(rows.changes).toBeGreaterThan(rows.trails);
  const kinds = new Set((recorded.trailHistories as { trails: { history: { kind: string }[] }[] }).trails.flatMap((t) => t.history.map((h) => h.kind)));
  expect([...kinds].sort()).toEqual(['CHANGED', 'CREATED', 'DELETED', 'RESTORED']);
  const verdicts = new Set(JSON.stringify(recorded.controlRuns).match(/"verdict":"[A-Z]+"/g));
  expect(verdicts.size).toBe(3);
  const states = (recorded.exceptions as { all: { state: string }[] }).all.map((e) => e.state);
  expect(states).toContain('REVOKED');
  expect(states).toContain('ACTIVE');
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('an inventory made by release 0.1.0', () => {
  it('SQLite: migrates and answers every recorded question as before, losing no sighting or change', async () => {
    const dir = tempDir('release-0.1.0-');
    const path = join(dir, 'inventory.db');
    copyFileSync(join(FIXTURES, 'inventory.db'), path);
    let store: InventoryStore | undefined;
    cleanup = async () => {
      await store?.close();
      removeDir(dir);
    };
    const raw = new Database(path, { readonly: true });
    const rows = raw.prepare(RELEASE_COUNTS).get() as ReleaseRows;
    raw.close();
    expectRealisticHistory(rows, RECORDED.sqlite);

    store = await openStore(path, 'write');
    const migrated = new Database(path, { readonly: true });
    const version = (migrated.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v;
    migrated.close();
    expect(version).toBe(Math.max(...loadMigrations(join(MIGRATIONS_DIR, 'sqlite')).map((m) => m.version)));
    expectSameAnswers(await askAtRecordingTime(store), RECORDED.sqlite, rows);
  });

  it.runIf(process.env.INVENTORY_TEST_POSTGRES_URL)(
    'PostgreSQL: the dump restored into a fresh schema migrates and answers every recorded question as before, losing no sighting or change',
    async () => {
      const { schema, url, drop } = await createTestSchema();
      let store: InventoryStore | undefined;
      cleanup = async () => {
        await store?.close();
        await drop();
      };
      // The dump names no schema: it restores into the session's search_path, the schema this test made.
      const client = new pg.Client({ connectionString: process.env.INVENTORY_TEST_POSTGRES_URL, options: `-c search_path=${schema}` });
      await client.connect();
      let rows: ReleaseRows;
      try {
        await client.query(readFileSync(join(FIXTURES, 'inventory-postgres.sql'), 'utf8'));
        const counted = (await client.query(RELEASE_COUNTS)).rows[0] as Record<keyof ReleaseRows, string | number>;
        rows = { version: Number(counted.version), trails: Number(counted.trails), sightings: Number(counted.sightings), changes: Number(counted.changes) };
      } finally {
        await client.end();
      }
      expectRealisticHistory(rows, RECORDED.postgres);

      store = await openStore(url, 'write');
      const check = new pg.Client({ connectionString: process.env.INVENTORY_TEST_POSTGRES_URL, options: `-c search_path=${schema}` });
      await check.connect();
      try {
        const { v } = (await check.query('SELECT max(version) AS v FROM schema_migrations')).rows[0] as { v: number };
        expect(v).toBe(Math.max(...loadMigrations(join(MIGRATIONS_DIR, 'postgres')).map((m) => m.version)));
      } finally {
        await check.end();
      }
      expectSameAnswers(await askAtRecordingTime(store), RECORDED.postgres, rows);
    },
  );
});
