// The trail collector's part of a sync: the sync runs one collector per registered asset type (README, "Sync runs"),
// and the tests of how trails are collected read only the trail run's scopes and counts.
import { TRAIL } from '../../src/assets/trail.js';
import type { InventoryStore } from '../../src/store/store.js';
import { syncInventory, type SyncOptions, type SyncSummary } from '../../src/sync/sync.js';

/** The summary narrowed to one collector's scopes, with the totals counted over them (accounts as the whole sync's). */
export function partOf(summary: SyncSummary, collector = TRAIL.collector): SyncSummary {
  const scopes = summary.scopes.filter((scope) => scope.collector === collector);
  const count = (key: 'seen' | 'new' | 'changed' | 'deleted') => scopes.reduce((n, scope) => n + scope[key], 0);
  return {
    ...summary,
    run: summary.runs.find((run) => run.collector === collector) ?? summary.run,
    scopes,
    totals: {
      accounts: summary.totals.accounts,
      scopesOk: scopes.filter((s) => s.status === 'ok').length,
      scopesSkipped: scopes.filter((s) => s.status === 'skipped').length,
      scopesFailed: scopes.filter((s) => s.status === 'failed').length,
      seen: count('seen'),
      new: count('new'),
      changed: count('changed'),
      deleted: count('deleted'),
    },
  };
}

/** A sync of every collector, as the trail collector's part of it. */
export async function syncTrails(store: InventoryStore, options: SyncOptions): Promise<SyncSummary> {
  return partOf(await syncInventory(store, options));
}
