// What a collector hands the sync for one (collector, account, region) scope: its records, or why it has none. The
// store records it; collectors produce it without knowing the store.
import type { CollectedAsset } from './asset.js';
import type { TrailRecord } from './trail.js';

/** ok: listed; skipped: not to be listed (a region not enabled); failed: listing failed, so nothing is deleted there. */
export type ScopeStatus = 'ok' | 'skipped' | 'failed';

export interface ScopeError {
  code: string;
  message: string;
}

/** What one (collector, account, region) scope of a sync produced. */
export interface TrailScopeResult {
  accountId: string;
  region: string;
  status: ScopeStatus;
  error?: ScopeError;
  /** The trails DescribeTrails returned in this region (home, shadow and organization trails). */
  trails: TrailRecord[];
  /**
   * Trails whose home region failed in this sync: what could not be read of them (status, selectors, tags) keeps its
   * stored value, as for another account's view, instead of being erased through a region that did not fail.
   */
  keepStoredDetailsOf?: readonly string[];
}

/** What one (collector, account, region) scope of a sync produced, for any asset type. */
export interface ScopeResult<R extends CollectedAsset = CollectedAsset> {
  /** The asset type's name (src/assets/registry.ts): its definition names the collector the scope is recorded under. */
  assetType: string;
  accountId: string;
  /** The region listed; for a type listed once per account, the region it was listed from. */
  region: string;
  status: ScopeStatus;
  error?: ScopeError;
  assets: R[];
  /** Assets whose other views keep what this scope could not read of them (TrailScopeResult.keepStoredDetailsOf). */
  keepStoredDetailsOf?: readonly string[];
}
