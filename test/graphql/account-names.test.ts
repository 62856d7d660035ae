// The names of the accounts file (`name`) and of AWS Organizations: stored with each account a sync attempts, shown in
// the sync summary and served as GraphQL's Account.name (filterable), on both stores.
import { describe, expect, it, vi } from 'vitest';
import { syncSummaryText } from '../../src/cli/commands/sync.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { organizationScenario } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { syncInventory } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { simulatedAwsPerTest } from '../support/aws.js';

const setUp = simulatedAwsPerTest();
const REGIONS = ['us-east-1'];

describe('account names', () => {
  it('come from the accounts file, else AWS Organizations, and show in the summary, in GraphQL and in its filters', async () => {
    const org = organizationScenario({
      accounts: 4,
      regions: REGIONS,
      latencyMs: 0,
      transientErrorRate: 0,
      seed: 7,
      unassumableRole: false,
      deniedRegion: false,
      suspendedAccounts: 0,
    });
    delete org.scenario.rateLimit;
    const [management, listed, discovered, refused] = org.scenario.accounts;
    discovered!.Name = 'analytics';
    // A member whose role trusts nobody: it fails, and its failure still names it.
    refused!.Name = 'sandbox';
    refused!.Roles![0]!.TrustedAccountIds = [];
    const { store } = await setUp(org.scenario);
    vi.stubEnv('AWS_ACCESS_KEY_ID', org.management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.management.SecretAccessKey);
    const yaml = [
      'organization:',
      `  member_role_name: ${org.memberRoleName}`,
      'accounts:',
      `  - role_arn: arn:aws:iam::${listed!.Id}:role/${org.memberRoleName}`,
      '    name: prod',
    ].join('\n');
    const config = parseAccountsConfig(yaml, 'accounts.yaml');
    const summary = await syncInventory(store, {
      accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 1, log: silentLogger }),
      regions: REGIONS,
      log: silentLogger,
    });
    const managementName = management!.Name ?? `account-${management!.Id}`;

    expect(summary.namedAccounts).toEqual(
      expect.arrayContaining([
        { accountId: management!.Id, name: managementName },
        { accountId: listed!.Id, name: 'prod' }, // the accounts file's name wins over the organization's
        { accountId: discovered!.Id, name: 'analytics' },
      ]),
    );
    const text = syncSummaryText(summary);
    expect(text).toMatch(new RegExp(`^ {2}account names: .*${listed!.Id} prod`, 'm'));
    expect(text).toContain(`${discovered!.Id} analytics`);
    expect(text).toMatch(new RegExp(`^ {2}${refused!.Id} \\(sandbox\\): AccessDenied: `, 'm'));

    const api = createInventoryApi();
    const all = await runQuery(api, store, '{ accounts { accountId name status } }');
    expect(all.errors).toBeUndefined();
    expect(all.data!.accounts).toEqual(
      expect.arrayContaining([
        { accountId: listed!.Id, name: 'prod', status: 'OK' },
        { accountId: discovered!.Id, name: 'analytics', status: 'OK' },
        { accountId: refused!.Id, name: 'sandbox', status: 'FAILED' },
        { accountId: management!.Id, name: managementName, status: 'OK' },
      ]),
    );
    const filtered = await runQuery(api, store, '{ accounts(where: {name_STARTS_WITH: "pro"}) { accountId } }');
    expect(filtered.errors).toBeUndefined();
    expect(filtered.data!.accounts).toEqual([{ accountId: listed!.Id }]);
    // Trails filtered by their owner account's name: exactly those of the account so named.
    const trails = (await runQuery(api, store, '{ trails { id accountId account { name } } }')).data!.trails as {
      id: string;
      accountId: string;
      account: { name: string | null };
    }[];
    const owner = trails.find((t) => t.account.name !== null)!;
    expect(owner).toBeDefined();
    const byName = await runQuery(api, store, '{ trails(where: {account: {name: $name}}) { id } }'.replace('$name', JSON.stringify(owner.account.name)));
    expect(byName.errors).toBeUndefined();
    expect((byName.data!.trails as { id: string }[]).map((t) => t.id).sort()).toEqual(
      trails
        .filter((t) => t.accountId === owner.accountId)
        .map((t) => t.id)
        .sort(),
    );

    // A later sync that gives no name (the default credentials) keeps the name the inventory has.
    vi.stubEnv('AWS_ACCESS_KEY_ID', listed!.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', listed!.SecretAccessKey);
    const unnamed = await syncInventory(store, { accounts: [{ label: 'default credentials' }], regions: REGIONS, log: silentLogger });
    expect(unnamed.namedAccounts).toEqual([]);
    expect(syncSummaryText(unnamed)).not.toContain('account names');
    const again = await runQuery(api, store, `{ accounts(where: {accountId: "${listed!.Id}"}) { name } }`);
    expect(again.data!.accounts).toEqual([{ name: 'prod' }]);
  });
});
