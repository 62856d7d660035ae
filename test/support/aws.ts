// Points the real AWS SDK at the simulator the standard way: AWS_ENDPOINT_URL and static credentials,
// with the host's own AWS configuration shut out so a developer's profile can never leak into a test.
import { afterEach, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startSimulator, type Scenario, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { InventoryStore } from '../../src/store/store.js';
import { syncInventory, type AccountTarget } from '../../src/sync/sync.js';
import { openTempStore, type TempStore } from './store.js';

/** Environment for a process that talks to the simulator as `account`. */
export function awsEnv(sim: Simulator, account?: SimAccount): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: sim.url,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(account ? { AWS_ACCESS_KEY_ID: account.AccessKeyId, AWS_SECRET_ACCESS_KEY: account.SecretAccessKey } : {}),
  };
}

/** Sets awsEnv for this test process (undone by vi.unstubAllEnvs, which the tests call in afterEach). */
export function stubAwsEnv(sim: Simulator): void {
  for (const name of [
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_ENDPOINT_URL_CLOUDTRAIL',
    'AWS_ENDPOINT_URL_STS',
    'AWS_ENDPOINT_URL_EC2',
    'AWS_ENDPOINT_URL_KMS',
    'AWS_ENDPOINT_URL_CONFIG_SERVICE',
    'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
    'AWS_ENDPOINT_URL_CLOUDWATCH',
    'AWS_ENDPOINT_URL_SNS',
  ]) {
    vi.stubEnv(name, undefined);
  }
  for (const [name, value] of Object.entries(awsEnv(sim))) vi.stubEnv(name, value);
}

/** Sync targets for the scenario's accounts, each with its own static credentials. */
export function accountTargets(scenario: Scenario, ids?: string[]): AccountTarget[] {
  return scenario.accounts
    .filter((account) => !ids || ids.includes(account.Id))
    .map((account) => ({
      label: `account ${account.Id}`,
      credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey },
    }));
}

/**
 * For a test file: returns `setUp(scenario)`, which starts a simulator, points the SDK at it and opens a fresh
 * inventory; both are closed after each test.
 */
export function simulatedAwsPerTest(): (scenario: Scenario) => Promise<{ sim: Simulator; store: InventoryStore }> {
  let sim: Simulator | undefined;
  let temp: TempStore | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await sim?.close();
    await temp?.cleanup();
    sim = undefined;
    temp = undefined;
  });
  return async (scenario) => {
    sim = await startSimulator(scenario);
    stubAwsEnv(sim);
    temp = await openTempStore();
    return { sim, store: temp.store };
  };
}

/**
 * Syncs each of `accounts` into the SQLite inventory at `db`, one run per account with its own keys and every region
 * it has: what `inventory sync` with those keys does, done in this process, for tests whose subject comes after the
 * sync (a CLI process costs a second or more of CPU to start). Leaves the environment as vi.unstubAllEnvs does.
 */
export async function syncEachAccount(db: string, sim: Simulator, accounts: SimAccount[] = sim.scenario.accounts): Promise<void> {
  stubAwsEnv(sim);
  const store = SqliteStore.open(db);
  try {
    for (const account of accounts) {
      const credentials = { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey };
      const summary = await syncInventory(store, { accounts: [{ label: 'default credentials', credentials }], log: silentLogger });
      if (summary.run.status !== 'succeeded') throw new Error(`the sync of account ${account.Id} did not succeed: ${summary.run.status}`);
    }
  } finally {
    await store.close();
    vi.unstubAllEnvs();
  }
}
