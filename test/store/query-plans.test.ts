// Query plans that keep the seed query fast at 100,000 trails: a regression here turns 0.3 s into 7 s (bench/seed-query.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { TRAIL_COLUMNS_BY_FIELD } from '../../src/store/trail-columns.js';
import { openTempSqliteStore, type TempSqliteStore } from '../support/store.js';

let temp: TempSqliteStore | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

// SQLite's own planner (EXPLAIN QUERY PLAN): these run on SQLite whatever the backend under test.
describe('query plans (SQLite)', () => {
  it('reads lastSeenAt from the trail’s own sightings, then their scopes by key, never scanning every scope', () => {
    temp = openTempSqliteStore();
    const lastSeenAt = TRAIL_COLUMNS_BY_FIELD.get('lastSeenAt')!.sql;
    const plan = (temp.store.db.prepare(`EXPLAIN QUERY PLAN SELECT ${lastSeenAt} FROM trails WHERE deleted_at IS NULL AND kms_key_id = ''`).all() as { detail: string }[]).map(
      (step) => step.detail,
    );
    expect(plan).toContain('SEARCH trails USING INDEX trails_by_kms_key_id (kms_key_id=?)');
    expect(plan).toContain('SEARCH sighting USING INDEX asset_sightings_by_asset (asset_id=?)');
    expect(plan).toContain('SEARCH state USING INDEX sqlite_autoindex_sync_scope_state_1 (collector=? AND account_id=? AND region=?)');
  });
});
