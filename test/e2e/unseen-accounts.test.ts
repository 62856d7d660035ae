// The seed query against organizations this project has never seen: random accounts, names, regions and
// settings, drawn from a seeded generator. The expected answer is worked out from the scenario alone.
import { describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/server/server.js';
import { mulberry32 } from '../../src/simulator/faults.js';
import { DEFAULT_REGIONS, type Scenario, type SimAccount, type SimTrail } from '../../src/simulator/index.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, simulatedAwsPerTest } from '../support/aws.js';
import { postGraphQL } from '../support/cli.js';
import { kmsKey, simAccount, trailArn } from '../support/scenarios.js';

const SEED_DOCUMENT = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';

/** Draws from the simulator's seeded generator, so the same seed gives the same organization. */
function generator(seed: number) {
  const next = mulberry32(seed);
  return {
    chance: (p: number) => next() < p,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
  };
}

function randomOrganization(seed: number): Scenario {
  const random = generator(seed);
  const ids = new Set<string>();
  const accountCount = random.int(1, 4);
  while (ids.size < accountCount) ids.add(String(random.int(100000000000, 999999999999)));
  const accountIds = [...ids];
  const withOrganization = accountIds.length > 1 && random.chance(0.7);
  const nameParts = ['audit', 'main', 'org', 'Security.Logs', 'data_events', 'prod-1', 'x9'];
  const accounts: SimAccount[] = accountIds.map((id, index) => {
    const names = new Set<string>();
    const trails: SimTrail[] = [];
    for (let i = random.int(0, 5); i > 0; i--) {
      const name = `${random.pick(nameParts)}-${random.int(1, 999)}`;
      if (names.has(name)) continue;
      names.add(name);
      const home = random.pick(DEFAULT_REGIONS);
      trails.push({
        Name: name,
        HomeRegion: home,
        S3BucketName: `logs-${id}-${name.toLowerCase()}`,
        IsMultiRegionTrail: random.chance(0.5),
        IsOrganizationTrail: withOrganization && index === 0 && random.chance(0.5),
        IsLogging: random.chance(0.8),
        ...(random.chance(0.5) ? { KmsKeyId: kmsKey(id, home) } : {}),
        ...(random.chance(0.3) ? { Tags: { team: random.pick(['a', 'b']) } } : {}),
      });
    }
    return simAccount(id, trails);
  });
  return { ...(withOrganization ? { organization: { managementAccountId: accountIds[0]! } } : {}), accounts };
}

/** Every trail without a KMS key, once: each account's own trails (and so the organization's, owned by its management account). */
function expectedUnencrypted(scenario: Scenario): string[] {
  return scenario.accounts.flatMap((account) => account.Trails.filter((t) => !t.KmsKeyId).map((t) => trailArn(account.Id, t.HomeRegion, t.Name))).sort();
}

const setUp = simulatedAwsPerTest();

describe('the seed query on organizations never seen before', () => {
  for (const seed of [1, 7, 42, 1234, 99991, 314159, 271828, 8675309]) {
    it(`returns each unencrypted trail exactly once and nothing else (seed ${seed})`, async () => {
      const scenario = randomOrganization(seed);
      const { store } = await setUp(scenario);
      const summary = await syncInventory(store, { accounts: accountTargets(scenario), log: silentLogger, maxAttempts: 1 });
      expect(summary.run.status).toBe('succeeded');

      const server = await startServer({ store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
      try {
        const { body } = await postGraphQL(server.graphqlUrl, SEED_DOCUMENT);
        expect(body.errors).toBeUndefined();
        const ids: string[] = body.data.trails.map((t: { id: string }) => t.id);
        expect(ids).toEqual(expectedUnencrypted(scenario));
        for (const trail of body.data.trails) expect(trail.accountId).toBe(trail.id.split(':')[4]);
      } finally {
        await server.close();
      }
    });
  }
});
