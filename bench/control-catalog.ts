// Measurement 5: the control catalog (controls/aws) evaluated over the synthetic inventory (trails and KMS keys), against the same
// per-account counts from one raw SQL statement per control. Verdicts carry, per account, how many assets the control
// evaluated and how many fail it; the reference computes exactly those, and both must agree. The controls over the types
// the synthetic inventory holds take part (SYNTHETIC_TYPES): a control over another type would only be ERROR there.
import type Database from 'better-sqlite3';
import { KMS_KEY } from '../src/assets/kms-key.js';
import { loadCatalog } from '../src/controls/catalog.js';
import { evaluateControls, type ControlVerdict } from '../src/controls/evaluate.js';
import { createInventoryApi, type InventoryApi } from '../src/graphql/execute.js';
import { TRAIL_COLUMNS_BY_FIELD } from '../src/store/trail-columns.js';
import { writeSyntheticKeys } from './kms-key-query.js';
import { openBenchInventory } from './lib/inventory.js';
import { measurement, timeBoth, type Benchmark } from './lib/measure.js';
import { TRAILS_COLLECTOR } from './lib/synthetic.js';

/** Per control id, per account: evaluated and failing counts ("evaluated/failing"). */
export type ControlCounts = Record<string, Record<string, string>>;

/** The asset types the synthetic inventory holds. */
const SYNTHETIC_TYPES: readonly string[] = ['Trail', 'KmsKey'];

/** The catalog's controls over the synthetic inventory's types. */
const syntheticCatalog = (api: InventoryApi) => loadCatalog(api).filter((control) => control.assetTypes.every((type) => SYNTHETIC_TYPES.includes(type)));

const trailControl = (failing: string): string =>
  `SELECT account_id, count(*) AS evaluated, sum(${failing}) AS failing FROM trails WHERE deleted_at IS NULL GROUP BY account_id`;

/**
 * The reference, one statement per control of controls/aws: the same predicate as its stored query, written by hand.
 * recordsAllManagementEvents is a computed field (over the stored event selectors): its SQL is the API's own.
 */
export function referenceStatements(): Record<string, string> {
  const recordsAll = TRAIL_COLUMNS_BY_FIELD.get('recordsAllManagementEvents')!.sql;
  return {
    'cloudtrail-cloudwatch-logs': trailControl(`cloud_watch_logs_log_group_arn = ''`),
    'cloudtrail-kms-encryption': trailControl(`kms_key_id = ''`),
    'cloudtrail-log-file-validation': trailControl('log_file_validation_enabled = 0'),
    // isLogging_NOT: true also fails a trail whose status could not be read (NULL).
    'cloudtrail-logging': trailControl('coalesce(is_logging, 0) = 0'),
    // Customer managed symmetric keys with KMS-made key material, not pending deletion, whose rotation is not on
    // (automaticRotationEnabled_NOT: true also fails a key whose rotation could not be read: NULL). A key whose
    // management type, spec, origin or deletion flag is unknown (NULL) matches no equality of the stored query.
    'kms-key-rotation': `
      SELECT account_id, count(*) AS evaluated,
             sum(CASE WHEN management_type = 'CustomerManaged' AND key_spec = 'SYMMETRIC_DEFAULT' AND origin = 'AWS_KMS'
                       AND schedule_for_deletion = 0 AND coalesce(automatic_rotation_enabled, 0) = 0 THEN 1 ELSE 0 END) AS failing
        FROM kms_keys WHERE deleted_at IS NULL GROUP BY account_id`,
    // The trails that name a key, failing where the key cannot encrypt their logs: no live key of that ARN while the
    // key's (account, region) scope is synced, or a live key that is not an enabled customer managed symmetric
    // encryption key in the trail's home region, or whose policy never names CloudTrail's service principal (the
    // synthetic keys carry KMS's default policy: the account's root only). A policy that names it would need the
    // policy evaluator (src/model/key-policy-access.ts); the synthetic inventory holds none. A missing key whose scope
    // was never synced is undecided, not failing.
    'cloudtrail-kms-key-usable': `
      SELECT t.account_id, count(*) AS evaluated,
             sum(CASE WHEN k.arn IS NULL
                      THEN EXISTS (SELECT 1 FROM sync_scopes s
                                    WHERE s.collector = '${KMS_KEY.collector}' AND s.status = 'ok'
                                      AND t.kms_key_id LIKE 'arn:aws:kms:' || s.region || ':' || s.account_id || ':key/%')
                      ELSE NOT (k.management_type = 'CustomerManaged' AND k.key_state = 'Enabled' AND k.key_spec = 'SYMMETRIC_DEFAULT'
                                AND k.key_usage = 'ENCRYPT_DECRYPT' AND k.region = t.home_region
                                AND k.policy_document LIKE '%cloudtrail.amazonaws.com%') END) AS failing
        FROM trails t LEFT JOIN kms_keys k ON k.arn = t.kms_key_id AND k.deleted_at IS NULL
       WHERE t.deleted_at IS NULL AND t.kms_key_id <> ''
       GROUP BY t.account_id`,
    // Accounts whose latest sync reached them (status OK; no account is retired here) with no live trail they see
    // that is multi-region, logging and records every management event.
    'cloudtrail-multi-region-management-events': `
      SELECT a.account_id, 1 AS evaluated,
             NOT EXISTS (SELECT 1 FROM asset_sightings s JOIN trails ON trails.arn = s.asset_id
                          WHERE s.account_id = a.account_id AND trails.deleted_at IS NULL
                            AND trails.is_multi_region_trail = 1 AND trails.is_logging = 1 AND ${recordsAll} = 1) AS failing
        FROM sync_accounts a
       WHERE a.collector = '${TRAILS_COLLECTOR}' AND a.status = 'ok'
         AND a.run_id = (SELECT max(l.run_id) FROM sync_accounts l WHERE l.collector = a.collector AND l.account_id = a.account_id)`,
  };
}

export function referenceCounts(db: Database.Database, statements: Record<string, string>): ControlCounts {
  const counts: ControlCounts = {};
  for (const [controlId, sql] of Object.entries(statements)) {
    const rows = db.prepare(sql).all() as { account_id: string; evaluated: number; failing: number }[];
    counts[controlId] = Object.fromEntries(rows.map((row) => [row.account_id, `${row.evaluated}/${row.failing}`]));
  }
  return counts;
}

export function verdictCounts(verdicts: readonly ControlVerdict[]): ControlCounts {
  return Object.fromEntries(verdicts.map((v) => [v.controlId, Object.fromEntries((v.accounts ?? []).map((a) => [a.accountId, `${a.evaluated}/${a.failing}`]))]));
}

const totalFailing = (counts: ControlCounts): number =>
  Object.values(counts).reduce((sum, accounts) => sum + Object.values(accounts).reduce((n, c) => n + Number(c.split('/')[1]), 0), 0);

export const controlCatalog: Benchmark = {
  name: 'control-catalog',
  description: 'every control of controls/aws over trails and KMS keys evaluated (catalog load, queries, coverage check) vs one raw SQL count per control by account',
  async run({ trails, runs, log }) {
    const inventory = await openBenchInventory(trails, log);
    try {
      const { store } = inventory;
      // As many KMS keys as trails, in the same accounts, so that the rotation control has keys to judge.
      const unrotated = await writeSyntheticKeys(store, trails, inventory.shape.accounts);
      log(`  wrote ${trails} KMS keys (${unrotated} customer managed without rotation, some of them exempt from the rotation control)`);
      const api = createInventoryApi();
      const statements = referenceStatements();
      const ours = async () => evaluateControls(api, store, syntheticCatalog(api));
      const reference = () => referenceCounts(store.db, statements);

      // Agreement first, account by account, on the evaluated and failing counts of every control.
      const verdicts = await ours();
      const expected = reference();
      const actual = verdictCounts(verdicts);
      const missing = Object.keys(expected).filter((id) => !(id in actual));
      const unexpected = Object.keys(actual).filter((id) => !(id in expected));
      if (missing.length > 0 || unexpected.length > 0) {
        throw new Error(
          `the reference covers other controls than the catalog: catalog lacks ${missing.join(', ') || 'none'}, reference lacks ${unexpected.join(', ') || 'none'}`,
        );
      }
      for (const [controlId, accounts] of Object.entries(expected)) {
        const got = actual[controlId]!;
        for (const accountId of new Set([...Object.keys(accounts), ...Object.keys(got)])) {
          if (accounts[accountId] !== got[accountId]) {
            throw new Error(
              `${controlId}, account ${accountId}: the evaluation counted ${got[accountId] ?? 'nothing'} (evaluated/failing), the raw SQL ${accounts[accountId] ?? 'nothing'}`,
            );
          }
        }
      }
      for (const v of verdicts) {
        const failing = Object.values(actual[v.controlId]!).reduce((n, c) => n + Number(c.split('/')[1]), 0);
        log(`  ${v.controlId}: ${v.verdict}, ${failing} failing of ${v.evaluatedCount} evaluated in ${v.accounts?.length ?? 0} accounts (raw SQL agrees)`);
      }
      const errors = verdicts.filter((v) => v.verdict === 'ERROR');
      if (errors.length > 0) throw new Error(`the synthetic inventory should have no coverage gap: ${errors.map((v) => `${v.controlId}: ${v.reason}`).join('; ')}`);

      const times = await timeBoth(
        runs,
        async () => totalFailing(verdictCounts(await ours())),
        () => totalFailing(reference()),
      );
      return [
        measurement(
          'control-catalog',
          'ms',
          times.ours,
          times.reference,
          `${verdicts.length} controls over ${trails} trails and ${trails} KMS keys: loadCatalog + evaluateControls (which also checks inventory coverage for gaps and lists each failing asset) vs one raw SQL statement per control counting evaluated and failing per account`,
        ),
      ];
    } finally {
      await inventory.close();
    }
  },
};
