// A small inventory for the dashboard's browser test: two simulated accounts synced with the real collectors (one
// region of one account denied to KMS, so its coverage has a failure; one account synced in a few regions only, so
// the others were never synced), two recorded checks with an exception added and a trail stopped between them (then
// synced again), a sync still running, an active and a revoked exception, and a read-scope token.
import { dirname, join } from 'node:path';
import { CloudTrailClient, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { vi } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControls } from '../../src/controls/evaluate.js';
import { applicableExceptions } from '../../src/cli/commands/exceptions.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { apiTokenHash, newApiToken } from '../../src/server/auth.js';
import { startSimulator, type SimAccount } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { syncInventory } from '../../src/sync/sync.js';
import { stubAwsEnv } from './aws.js';
import { simAccount, simTrail } from './scenarios.js';
import { removeDir, tempDir } from './store.js';

export const ACCOUNT_A = '111122223333';
export const ACCOUNT_B = '444455556666';
/** Account B's regions that the seed syncs; its other enabled regions were never synced. */
export const B_REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1'];
export const DENIED_REGION = 'eu-west-1';
/** The region of account B that a sync still running has written. */
export const RUNNING_REGION = 'us-west-2';
export const BULK_TRAILS = 24;
export const KMS_CONTROL = 'cloudtrail-kms-encryption';
/** Excepted from the KMS control between the two checks, and stopped logging between them too. */
export const EXCEPTED_TRAIL = `arn:aws:cloudtrail:us-east-1:${ACCOUNT_A}:trail/alpha-plain-1`;

export interface DashboardInventory {
  db: string;
  store: SqliteStore;
  readToken: string;
  close(): Promise<void>;
}

/** Syncs the scenario, records two checks (an exception added and a trail stopped between them) and creates a read token. */
export async function seedDashboardInventory(): Promise<DashboardInventory> {
  const trails = (prefix: string) => [
    simTrail(`${prefix}-org`, 'us-east-1', { IsMultiRegionTrail: true, KmsKeyId: undefined, LogFileValidationEnabled: true }),
    simTrail(`${prefix}-plain-1`, 'us-east-1'),
    simTrail(`${prefix}-plain-2`, 'eu-west-1'),
    simTrail(`${prefix}-stopped`, 'eu-central-1', { IsLogging: false }),
  ];
  // Enough unencrypted trails that the failing assets of the KMS control take more than one page of the table.
  const bulk = Array.from({ length: BULK_TRAILS }, (_, i) => simTrail(`alpha-bulk-${String(i).padStart(2, '0')}`, 'us-west-2'));
  const a = simAccount(ACCOUNT_A, [...trails('alpha'), ...bulk]);
  const b = simAccount(ACCOUNT_B, trails('beta'));
  const sim = await startSimulator({
    accounts: [a, b],
    faults: [{ kind: 'accessDenied', service: 'kms', accountId: ACCOUNT_A, region: DENIED_REGION }],
  });
  const db = join(tempDir('dashboard-'), 'inventory.db');
  const store = SqliteStore.open(db);
  const api = createInventoryApi();
  const catalog = loadCatalog(api);
  const check = async () => store.recordControlRun(await evaluateControls(api, store, catalog, { exceptions: await applicableExceptions(store) }), 'check', catalog);
  const sync = async (account: SimAccount, regions?: readonly string[]) => {
    const credentials = { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey };
    await syncInventory(store, { accounts: [{ label: `account ${account.Id}`, credentials }], ...(regions ? { regions: [...regions] } : {}), log: silentLogger });
  };
  try {
    stubAwsEnv(sim);
    await sync(a);
    await sync(b, B_REGIONS);
    await check();
    await store.addControlException({
      control: KMS_CONTROL,
      asset: EXCEPTED_TRAIL,
      owner: 'platform-team@example.com',
      reason: 'migrating to the organization trail',
      approver: 'ciso@example.com',
      expires: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      createdBy: 'local',
    });
    const revoked = await store.addControlException({
      control: 'cloudtrail-logging',
      asset: ACCOUNT_B,
      owner: 'audit-team@example.com',
      reason: 'no longer needed',
      approver: 'ciso@example.com',
      expires: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10),
      createdBy: 'local',
    });
    await store.revokeControlException(revoked.id, 'local');
    // A trail stops logging between the checks: its history has a change, and the logging control's trend moves.
    const client = new CloudTrailClient({ endpoint: sim.url, region: 'us-east-1', credentials: { accessKeyId: a.AccessKeyId, secretAccessKey: a.SecretAccessKey } });
    await client.send(new StopLoggingCommand({ Name: EXCEPTED_TRAIL }));
    client.destroy();
    await sync(a);
    await check();
    // A sync still running (as a scheduled one is while the dashboard is open): one scope written so far.
    const running = await store.startSyncRun({ collector: 'aws.sns.topics', requestedRegions: [RUNNING_REGION] });
    await store.writeScope(running.id, { assetType: 'SnsTopic', accountId: ACCOUNT_B, region: RUNNING_REGION, status: 'ok', assets: [] });
  } finally {
    vi.unstubAllEnvs();
    await sim.close();
  }
  const readToken = newApiToken();
  await store.createApiToken({ name: 'dashboard-reader', scope: 'read', hash: apiTokenHash(readToken) });
  return {
    db,
    store,
    readToken,
    async close() {
      await store.close();
      removeDir(dirname(db));
    },
  };
}
