// Query plans that keep the seed query fast at 100,000 trails: a regression here turns 0.3 s into 7 s (bench/seed-query.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import { assetSchemas } from '../../src/store/asset-schema.js';
import { SQLITE_DIALECT } from '../../src/store/dialect.js';
import { TRAIL_COLUMNS_BY_FIELD } from '../../src/store/trail-columns.js';
import { compileWhere } from '../../src/store/where.js';
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
    const plan = (
      temp.store.db.prepare(`EXPLAIN QUERY PLAN SELECT ${lastSeenAt} FROM trails WHERE deleted_at IS NULL AND kms_key_id = ''`).all() as { detail: string }[]
    ).map((step) => step.detail);
    expect(plan).toContain('SEARCH trails USING INDEX trails_by_kms_key_id (kms_key_id=?)');
    expect(plan).toContain('SEARCH sighting USING INDEX asset_sightings_by_asset (asset_id=?)');
    expect(plan).toContain('SEARCH state USING INDEX sqlite_autoindex_sync_scope_state_1 (collector=? AND account_id=? AND region=?)');
  });

  it('serves an equality on a nullable column from its index: the rotation control’s keys are not found by reading every key', () => {
    temp = openTempSqliteStore();
    const filter = assetSchemas(ASSET_TYPES, SQLITE_DIALECT).get('KmsKey')!.filter;
    const predicate = compileWhere({ managementType: 'CustomerManaged', automaticRotationEnabled_NOT: true }, filter, SQLITE_DIALECT);
    const plan = (
      temp.store.db.prepare(`EXPLAIN QUERY PLAN SELECT arn FROM kms_keys WHERE deleted_at IS NULL AND ${predicate.sql}`).all(...predicate.params) as { detail: string }[]
    ).map((step) => step.detail);
    expect(plan.some((step) => step.startsWith('SEARCH kms_keys USING INDEX kms_keys_by_rotation (management_type=?'))).toBe(true);
  });
});
