// The IAM actions `inventory permissions` prints are declared apart from the collectors (so printing them loads no
// AWS SDK): a whole organization sync must call nothing else.
import { describe, expect, it, vi } from 'vitest';
import { DISCOVERY_PERMISSIONS, SYNC_PERMISSIONS } from '../../src/cli/commands/permissions.js';
import { silentLogger } from '../../src/log.js';
import { organizationScenario, S3_IAM_ACTIONS } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { syncInventory } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { simulatedAwsPerTest } from '../support/aws.js';

const setUp = simulatedAwsPerTest();

describe('the declared IAM permissions', () => {
  it('cover every AWS action an organization sync calls', async () => {
    const org = organizationScenario({
      accounts: 3,
      regions: ['us-east-1', 'eu-west-1'],
      latencyMs: 0,
      transientErrorRate: 0,
      seed: 5,
      unassumableRole: false,
      deniedRegion: false,
    });
    delete org.scenario.rateLimit;
    const { sim, store } = await setUp(org.scenario);
    vi.stubEnv('AWS_ACCESS_KEY_ID', org.management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.management.SecretAccessKey);
    const config = parseAccountsConfig(`organization:\n  member_role_name: ${org.memberRoleName}\n`, 'accounts.yaml');
    const summary = await syncInventory(store, {
      accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }),
      regions: ['us-east-1', 'eu-west-1'],
      log: silentLogger,
    });
    expect(summary.run.status).toBe('succeeded');
    // callCounts keys are <service>.<Operation>; IAM names the same action <service>:<Operation>, but for S3's own names.
    const called = [...sim.callCounts.keys()].map((key) => S3_IAM_ACTIONS[key] ?? key.replace('.', ':'));
    expect(called).toContain('s3:GetAccountPublicAccessBlock');
    expect(called).toContain('sts:AssumeRole');
    expect(called.filter((action) => ![...SYNC_PERMISSIONS, ...DISCOVERY_PERMISSIONS].includes(action))).toEqual([]);
  });
});
