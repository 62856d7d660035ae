// A sync whose AWS calls are made on SDK threads (src/sync/sdk-threads.ts) stores what a sync on the main thread
// stores, keeps the run's limits across its threads, and brings back AWS's errors as the collectors know them.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudTrailClient, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import { silentLogger } from '../../src/log.js';
import { organizationScenario } from '../../src/simulator/index.js';
import type { InventoryStore } from '../../src/store/store.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { defaultSdkThreads, SdkThreads, THREADS_FROM_ACCOUNTS } from '../../src/sync/sdk-threads.js';
import { syncInventory, type SyncSummary } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { simulatedAwsPerTest } from '../support/aws.js';
import { openTempStore, type TempStore } from '../support/store.js';

const setUp = simulatedAwsPerTest();
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

/** Every asset of every registered type, without what differs between two syncs of the same data (ids, times). */
async function inventoryOf(store: InventoryStore): Promise<unknown[]> {
  const assets: unknown[] = [];
  for (const type of ASSET_TYPES) {
    for (const asset of await store.findAssetsOfType(type.name, {}, { limit: 10_000 })) {
      const { id: _id, firstSeenAt: _first, lastSeenAt: _last, ...rest } = asset;
      assets.push({ type: type.name, ...rest });
    }
  }
  return assets.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * What a summary says of each scope and account, in a stable order. Which scope counts a trail seen in several regions
 * as new depends on which is written first, in either way: only the total is compared.
 */
function outcomesOf(summary: SyncSummary): unknown {
  return {
    scopes: summary.scopes.map((s) => `${s.collector} ${s.accountId} ${s.region} ${s.status} ${s.error?.code ?? ''} seen=${s.seen}`).sort(),
    totals: summary.totals,
    accountFailures: summary.accountFailures.map((f) => `${f.accountId ?? f.label} ${f.error.code} ${f.error.message}`).sort(),
    runs: summary.runs.map((run) => run.status),
  };
}

describe('a sync on SDK threads', () => {
  it('stores what a sync on the main thread stores, with the same failures, through retries and refused roles', async () => {
    const org = organizationScenario({
      accounts: 10,
      regions: REGIONS,
      latencyMs: 0,
      transientErrorRate: 0.05,
      seed: 11,
      unassumableRole: true,
      deniedRegion: true,
      suspendedAccounts: 1,
    });
    delete org.scenario.rateLimit;
    const { store } = await setUp(org.scenario);
    vi.stubEnv('AWS_ACCESS_KEY_ID', org.management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.management.SecretAccessKey);
    const config = parseAccountsConfig(`organization:\n  member_role_name: ${org.memberRoleName}\n`, 'accounts.yaml');
    const sync = (into: InventoryStore, threads: number) =>
      syncInventory(into, {
        accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 8, log: silentLogger }),
        regions: REGIONS,
        maxAttempts: 8,
        threads,
        log: silentLogger,
      });
    let other: TempStore | undefined;
    try {
      other = await openTempStore();
      const onMain = await sync(store, 0);
      const onThreads = await sync(other.store, 2);

      expect(onMain.accountFailures.map((f) => f.error.code)).toEqual(['AccessDenied']);
      expect(onMain.scopes.filter((s) => s.status === 'failed')).toHaveLength(1); // the denied region
      expect(onMain.totals.seen).toBeGreaterThan(20);
      expect(outcomesOf(onThreads)).toEqual(outcomesOf(onMain));
      expect(await inventoryOf(other.store)).toEqual(await inventoryOf(store));
    } finally {
      await other?.cleanup();
    }
  });
});

describe('SDK threads', () => {
  let inFlight = 0;
  let most = 0;
  const perAccount = new Map<string, number>();
  let mostPerAccount = 0;
  const server = createServer((req, res) => {
    const account = /Credential=AKIA([0-9]+)\//.exec(String(req.headers.authorization))?.[1] ?? '?';
    inFlight += 1;
    most = Math.max(most, inFlight);
    perAccount.set(account, (perAccount.get(account) ?? 0) + 1);
    mostPerAccount = Math.max(mostPerAccount, perAccount.get(account)!);
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        inFlight -= 1;
        perAccount.set(account, perAccount.get(account)! - 1);
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (account === '0') {
          res.statusCode = 400;
          return void res.end('{"__type":"TrailNotFoundException","message":"Unknown trail: trail for this account not found"}');
        }
        res.end('{"IsLogging":true}');
      }, 15);
    });
  });
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const threadsOf = (concurrency: number, accountConcurrency: number) =>
    new SdkThreads(2, {
      settings: { endpoint: url },
      limits: { concurrency, accountConcurrency, callsPerSecond: 10_000 },
      maxAttempts: 1,
      requestHandler: {},
    });

  it('keep the run’s global and per-account limits across threads', async () => {
    const threads = threadsOf(5, 2);
    inFlight = most = mostPerAccount = 0;
    try {
      const accounts = Array.from({ length: 6 }, (_, i) => threads.forAccount(`account-${i + 1}`, { accessKeyId: `AKIA${i + 1}`, secretAccessKey: 'secret' }));
      await Promise.all(
        accounts.flatMap((account) =>
          Array.from({ length: 8 }, () => account.client(CloudTrailClient, 'us-east-1', 'cloudtrail').send(new GetTrailStatusCommand({ Name: 't' }))),
        ),
      );
    } finally {
      await threads.close();
    }
    // Six accounts on two threads, two calls each at most: the global five is reached and never passed.
    expect(most).toBe(5);
    expect(mostPerAccount).toBe(2);
  });

  it('bring back AWS’s errors with their code and message, and say which client class they do not know', async () => {
    const threads = threadsOf(4, 4);
    try {
      const account = threads.forAccount('account-0', { accessKeyId: 'AKIA0', secretAccessKey: 'secret' });
      const failure = await account
        .client(CloudTrailClient, 'us-east-1', 'cloudtrail')
        .send(new GetTrailStatusCommand({ Name: 't' }))
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).toMatchObject({ name: 'TrailNotFoundException', message: 'Unknown trail: trail for this account not found' });
      expect((failure as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
      expect(() => account.client(OrganizationsClient, 'us-east-1', 'organizations')).toThrow(
        /no SDK package is listed for OrganizationsClient.*src\/sync\/sdk-packages\.ts/,
      );
      // An input that cannot cross to a thread fails its own call, not the others sent with it.
      const client = account.client(CloudTrailClient, 'us-east-1', 'cloudtrail');
      const [broken, sound] = await Promise.allSettled([
        client.send(new GetTrailStatusCommand({ Name: 't', notData: () => 1 } as never)),
        client.send(new GetTrailStatusCommand({ Name: 't' })),
      ]);
      expect(broken).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/^GetTrailStatusCommand could not be handed to an SDK thread: /) } });
      expect(sound).toMatchObject({ status: 'rejected', reason: { name: 'TrailNotFoundException' } });
      // Credentials that cannot be had fail the call with their own error.
      const refused = threads.forAccount('account-9', async () => {
        throw Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
      });
      await expect(refused.client(CloudTrailClient, 'us-east-1', 'cloudtrail').send(new GetTrailStatusCommand({ Name: 't' }))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: 'User is not authorized to perform: sts:AssumeRole',
      });
    } finally {
      await threads.close();
    }
  });

  it('are used by default for organizations of several accounts on a machine of more than one CPU', () => {
    expect(defaultSdkThreads(THREADS_FROM_ACCOUNTS - 1, 8)).toBe(0);
    expect(defaultSdkThreads(200, 1)).toBe(0);
    expect(defaultSdkThreads(200, 2)).toBe(2);
    expect(defaultSdkThreads(200, 64)).toBe(2);
  });
});
