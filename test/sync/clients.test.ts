// The run's SDK clients are shared by every account (src/sync/clients.ts): each call must still be signed with its own
// account's credentials and counted against its own account, also when it waited in the limiter behind other accounts.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, simulatedAwsPerTest } from '../support/aws.js';
import { simAccount, simTrail } from '../support/scenarios.js';

const setUp = simulatedAwsPerTest();
const IDS = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555', '666666666666'];

describe('shared SDK clients', () => {
  it('sign every call as the account that makes it, though calls of many accounts queue in the same clients', async () => {
    const { sim, store } = await setUp({ accounts: IDS.map((id) => simAccount(id, [simTrail(`trail-${id}`, 'us-east-1')])) });
    // Two calls in flight in all: each call waits behind other accounts' calls and is let go by their completion.
    const summary = await syncInventory(store, {
      accounts: accountTargets(sim.scenario), regions: ['us-east-1', 'eu-west-1'], limits: { concurrency: 2, accountConcurrency: 1 }, log: silentLogger, maxAttempts: 1,
    });

    expect(summary.accountFailures).toEqual([]);
    expect(summary.totals).toMatchObject({ accounts: IDS.length, scopesOk: IDS.length * 2, scopesFailed: 0, new: IDS.length });
    // Every account made its own calls with its own keys: the simulator knows the caller by the access key.
    for (const id of IDS) {
      const calls = sim.calls.filter((call) => call.accountId === id);
      expect(calls.map((call) => `${call.service}:${call.operation}`).sort()).toEqual(
        ['cloudtrail:DescribeTrails', 'cloudtrail:DescribeTrails', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetTrailStatus', 'cloudtrail:ListTags', 'ec2:DescribeRegions', 'sts:GetCallerIdentity'],
      );
      const trails = await store.findTrails({ accountId: id });
      expect(trails.map((trail) => trail.name)).toEqual([`trail-${id}`]);
    }
  });
});
