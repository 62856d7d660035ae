// The coverage of a type listed once per account (S3 buckets, README "S3 buckets"): its one scope per account, in the
// region it was listed from, is the whole of it; the account's other enabled regions are no gap of it, as they are of
// a regional type synced in fewer regions than the account has.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inventoryGaps, inventoryState } from '../../src/controls/evaluate.js';
import { silentLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { computeCoverage } from '../../src/store/coverage.js';
import { syncInventory } from '../../src/sync/sync.js';
import { stubAwsEnv } from '../support/aws.js';
import { simAccount, simTrail } from '../support/scenarios.js';
import { openTempStore, type TempStore } from '../support/store.js';

const ACCOUNT = '111122223333';

let sim: Simulator | undefined;
let temp: TempStore | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await sim?.close();
  await temp?.cleanup();
});

describe('the coverage of buckets', () => {
  it('is one scope per account, complete when it succeeded, whatever regions the sync was asked for', async () => {
    const account = simAccount(ACCOUNT, [simTrail('audit', 'us-east-1')], {
      Buckets: [{ Name: 'audit-logs', Region: 'eu-west-1', CreationDate: '2025-01-01T00:00:00Z' }],
    });
    sim = await startSimulator({ accounts: [account] });
    stubAwsEnv(sim);
    temp = await openTempStore();
    const credentials = { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey };
    const summary = await syncInventory(temp.store, { accounts: [{ label: 'audit', credentials }], regions: ['us-east-1', 'eu-west-1'], log: silentLogger });
    expect(summary.run.status).toBe('succeeded');

    const coverage = await computeCoverage(temp.store, 'Bucket');
    expect(coverage.map((entry) => [entry.accountId, entry.region, entry.lastAttemptStatus])).toEqual([[ACCOUNT, 'us-east-1', 'ok']]);
    expect(await inventoryGaps(temp.store, ['Bucket'])).toEqual([]);
    // Trails were synced in 2 of the account's 17 regions: the other 15 are gaps of theirs.
    expect(await inventoryGaps(temp.store, ['Trail'])).toEqual([expect.stringMatching(new RegExp(`^account ${ACCOUNT} has 15 enabled regions never synced`))]);
    // A failing bucket is known for certain where its account's one scope is fresh, in whatever region the bucket is.
    const { certain } = await inventoryState(temp.store, ['Bucket', 'Trail']);
    const asset = (assetType: string, region: string) => ({ id: `${assetType}-${region}`, name: '', assetType, accountId: ACCOUNT, region });
    expect(certain(asset('Bucket', 'eu-west-1'))).toBe(true);
    expect(certain(asset('Bucket', 'ap-south-1'))).toBe(true);
    expect(certain(asset('Trail', 'eu-west-1'))).toBe(true);
    expect(certain(asset('Trail', 'ap-south-1'))).toBe(false);
  });
});
