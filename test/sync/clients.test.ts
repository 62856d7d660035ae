// The run's SDK clients are shared by every account and every collector (src/sync/clients.ts): each call must still be
// signed with its own account's credentials and counted against its own account, also when it waited in the limiter
// behind other accounts' calls, and whichever collector (trails, KMS keys) made it.
import { describe, expect, it } from 'vitest';
import { AWS_COLLECTORS } from '../../collectors/aws/index.js';
import { silentLogger } from '../../src/log.js';
import type { SimKmsKey } from '../../src/simulator/index.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, simulatedAwsPerTest } from '../support/aws.js';
import { simAccount, simTrail } from '../support/scenarios.js';

const setUp = simulatedAwsPerTest();
const IDS = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555', '666666666666'];
const REGIONS = ['us-east-1', 'eu-west-1'];

/** A key per region whose id ends in its owner's account id: every call naming it names the account it belongs to. */
function ownKeys(id: string): SimKmsKey[] {
  return REGIONS.map((region, i) => ({ KeyId: `0000000${i}-0000-4000-8000-${id}`, Region: region, CreationDate: '2024-01-02T03:04:05Z' }));
}

describe('shared SDK clients', () => {
  it('sign every call as the account that makes it, though calls of many accounts queue in the same clients', async () => {
    const { sim, store } = await setUp({ accounts: IDS.map((id) => simAccount(id, [simTrail(`trail-${id}`, 'us-east-1')], { KmsKeys: ownKeys(id) })) });
    // Two calls in flight in all: each call waits behind other accounts' calls and is let go by their completion.
    const summary = await syncInventory(store, {
      accounts: accountTargets(sim.scenario),
      regions: REGIONS,
      limits: { concurrency: 2, accountConcurrency: 1 },
      log: silentLogger,
      maxAttempts: 1,
    });

    expect(summary.accountFailures).toEqual([]);
    // Both collectors ran over every account and region: their calls were interleaved in the same clients.
    expect(summary.runs.map((run) => run.collector)).toEqual(['aws.cloudtrail.trails', 'aws.kms.keys']);
    expect(AWS_COLLECTORS).toHaveLength(2);
    expect(summary.totals).toMatchObject({ accounts: IDS.length, scopesOk: IDS.length * REGIONS.length * 2, scopesFailed: 0, new: IDS.length * 3 });
    // The simulator knows the caller by the access key that signed the call: no call was refused, and none was signed as
    // an account other than the one whose resources it names (every key id and ARN carries its owner's account id).
    expect(sim.calls.filter((call) => call.status !== 200)).toEqual([]);
    for (const call of sim.calls) {
      const named = new Set(JSON.stringify(call.params).match(/\b\d{12}\b/g) ?? []);
      expect(
        [...named].filter((accountId) => accountId !== call.accountId),
        `${call.service}:${call.operation} signed as ${call.accountId}`,
      ).toEqual([]);
    }
    // Every account made exactly its own calls, no more and no fewer: a call made with another account's keys would
    // show up in that account's list.
    const perRegion = (operations: string[]): string[] => REGIONS.flatMap(() => operations);
    for (const id of IDS) {
      const calls = sim.calls.filter((call) => call.accountId === id);
      expect(calls.map((call) => `${call.service}:${call.operation}`).sort()).toEqual(
        [
          ...perRegion(['cloudtrail:DescribeTrails']),
          'cloudtrail:GetEventSelectors',
          'cloudtrail:GetTrailStatus',
          'cloudtrail:ListTags',
          ...perRegion(['kms:ListKeys', 'kms:ListAliases', 'kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:GetKeyPolicy', 'kms:ListResourceTags']),
          'ec2:DescribeRegions',
          'sts:GetCallerIdentity',
        ].sort(),
      );
      // What each listing answered was stored under the account that owns it: the listings were signed as their account.
      const trails = await store.findTrails({ accountId: id });
      expect(trails.map((trail) => trail.name)).toEqual([`trail-${id}`]);
      const keys = await store.findAssetsOfType('KmsKey', { accountId: id });
      expect(keys.map((key) => key.arn).sort()).toEqual(
        ownKeys(id)
          .map((key) => `arn:aws:kms:${key.Region}:${id}:key/${key.KeyId}`)
          .sort(),
      );
    }
  });
});
