// Syncing a whole organization through the real SDK: discovery, assumed roles, limits, retries, and faults that lose nothing.
import { describe, expect, it, vi } from 'vitest';
import { syncSummaryText } from '../../src/cli/commands/sync.js';
import { silentLogger } from '../../src/log.js';
import { organizationScenario, type OrganizationScenario, type Simulator } from '../../src/simulator/index.js';
import type { InventoryStore } from '../../src/store/store.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { SyncProgress } from '../../src/sync/progress.js';
import type { SyncOptions, SyncSummary } from '../../src/sync/sync.js';
import { syncTrails } from '../support/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { simulatedAwsPerTest } from '../support/aws.js';
import { countRowWrites, ON_POSTGRES, sqliteOf } from '../support/store.js';
import { inventoryGaps } from '../../src/controls/evaluate.js';
import { computeCoverage } from '../../src/store/coverage.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const setUp = simulatedAwsPerTest();

/** A small organization on a perfect day unless `options` say otherwise: no latency, no rate limit, no random errors. */
async function organization(options: Parameters<typeof organizationScenario>[0] = {}): Promise<{ org: OrganizationScenario; sim: Simulator; store: InventoryStore }> {
  const org = organizationScenario({ accounts: 8, regions: REGIONS, latencyMs: 0, transientErrorRate: 0, seed: 3, ...options });
  if (options.callsPerSecond === undefined) delete org.scenario.rateLimit;
  const { sim, store } = await setUp(org.scenario);
  // The starting credentials are the management account's, from the standard chain (environment variables).
  vi.stubEnv('AWS_ACCESS_KEY_ID', org.management.AccessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.management.SecretAccessKey);
  return { org, sim, store };
}

function syncOrganization(store: InventoryStore, yaml: string, extra: Partial<SyncOptions> = {}): Promise<SyncSummary> {
  const config = parseAccountsConfig(yaml, 'accounts.yaml');
  // The trail collector's run: these tests are about how the accounts of an organization are reached.
  return syncTrails(store, {
    accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }),
    // The generated accounts enable only REGIONS; AWS never lets a region that needs no opt-in be disabled.
    regions: REGIONS,
    log: silentLogger,
    ...extra,
  });
}

/** An account's name in AWS Organizations, as the scenario gives it. */
const orgName = (org: OrganizationScenario, id: string): string => org.scenario.accounts.find((a) => a.Id === id)!.Name!;

const discovery = (org: OrganizationScenario) => `organization:\n  member_role_name: ${org.memberRoleName}\n`;

/** The organization with its faults switched off: every role assumable, no denied region. */
function withoutFaults(org: OrganizationScenario): () => void {
  const faults = org.scenario.faults;
  const role = org.scenario.accounts.find((a) => a.Id === org.unassumableAccountId)!.Roles![0]!;
  const refusing = role.TrustedAccountIds;
  org.scenario.faults = [];
  role.TrustedAccountIds = [org.management.Id];
  return () => {
    org.scenario.faults = faults;
    role.TrustedAccountIds = refusing;
  };
}

describe('syncing an organization', () => {
  it('discovers the active accounts, assumes the member role in each, and records the refused role and the denied region', async () => {
    const { org, sim, store } = await organization();
    const progress = new SyncProgress();
    const summary = await syncOrganization(store, discovery(org), { progress });

    const reachable = org.activeAccountIds.filter((id) => id !== org.unassumableAccountId);
    expect(summary.run.status).toBe('partial');
    expect(summary.accountFailures).toEqual([
      {
        label: expect.stringContaining(org.unassumableAccountId!),
        accountId: org.unassumableAccountId,
        name: orgName(org, org.unassumableAccountId!),
        error: { code: 'AccessDenied', message: expect.stringContaining('sts:AssumeRole') },
      },
    ]);
    expect(summary.scopes.filter((s) => s.status === 'failed').map((s) => [s.accountId, s.region, s.error?.code])).toEqual([
      [org.deniedScope!.accountId, org.deniedScope!.region, 'AccessDeniedException'],
    ]);
    expect(summary.scopes.filter((s) => s.status === 'ok')).toHaveLength(reachable.length * REGIONS.length - 1);
    expect(new Set(summary.scopes.map((s) => s.accountId))).toEqual(new Set(reachable));
    // The suspended account is never touched; member accounts are read with their own assumed-role sessions.
    expect(sim.calls.some((c) => org.suspendedAccountIds.includes(c.accountId ?? '') || JSON.stringify(c.params).includes(org.suspendedAccountIds[0]!))).toBe(false);
    const assumed = sim.calls.filter((c) => c.operation === 'AssumeRole' && !c.errorCode).map((c) => String(c.params.RoleArn).split(':')[4]);
    expect(new Set(assumed)).toEqual(new Set(reachable.filter((id) => id !== org.management.Id)));
    // The failed account is recorded by id, so coverage knows it is missing.
    expect((await store.accountCoverage('aws.cloudtrail.trails')).find((a) => a.accountId === org.unassumableAccountId)).toMatchObject({ status: 'failed' });
    expect(progress.state).toMatchObject({ accountsTotal: org.activeAccountIds.length, accountsDone: org.activeAccountIds.length, accountsFailed: 1, scopesFailed: 1 });
  });

  it('keeps every trail of a denied account and a denied region, shows them failing, and repairs them on the next good sync', async () => {
    const { org, store } = await organization();
    const restoreFaults = withoutFaults(org);
    const good = await syncOrganization(store, discovery(org));
    expect(good.run.status).toBe('succeeded');
    const everything = (await store.findTrails({}, { limit: 1000 })).map((t) => t.arn).sort();
    expect(everything).toEqual([...org.trailArns].sort());

    restoreFaults();
    const faulty = await syncOrganization(store, discovery(org));
    expect(faulty.run.status).toBe('partial');
    expect(faulty.totals.deleted).toBe(0);
    expect((await store.findTrails({}, { limit: 1000 })).map((t) => t.arn).sort()).toEqual(everything);
    const failing = (await store.scopeCoverage('aws.cloudtrail.trails')).filter((s) => s.status === 'failed');
    expect(failing.map((s) => `${s.accountId}/${s.region}`)).toEqual([`${org.deniedScope!.accountId}/${org.deniedScope!.region}`]);

    withoutFaults(org);
    const repaired = await syncOrganization(store, discovery(org));
    expect(repaired.run.status).toBe('succeeded');
    expect((await store.scopeCoverage('aws.cloudtrail.trails')).every((s) => s.status === 'ok')).toBe(true);
    expect((await store.accountCoverage('aws.cloudtrail.trails')).every((a) => a.status === 'ok')).toBe(true);
  });

  // Counts row writes through SQLite triggers on the store's own connection: SQLite only.
  it.skipIf(ON_POSTGRES)('writes no asset row when it syncs an unchanged organization again, though every scope is confirmed (SQLite row-write triggers)', async () => {
    const { org, store } = await organization({ unassumableRole: false, deniedRegion: false });
    const first = await syncOrganization(store, discovery(org));
    const writes = countRowWrites(sqliteOf({ store }), ['trails', 'metric_filters', 'metric_alarms', 'sns_topics', 'asset_sightings', 'asset_tags', 'asset_changes']);
    const second = await syncOrganization(store, discovery(org));
    expect(second.run.status).toBe('succeeded');
    expect(second.totals).toMatchObject({ seen: first.totals.seen, new: 0, changed: 0, deleted: 0 });
    expect(writes.read()).toEqual({ trails: 0, metric_filters: 0, metric_alarms: 0, sns_topics: 0, asset_sightings: 0, asset_tags: 0, asset_changes: 0 });
    // The management account's monitoring (scenarios/monitoring.ts) was there to be written again, and was not.
    expect(await store.countAssets('MetricAlarm', {})).toBeGreaterThan(0);
    // Each trail still shows it was seen by this sync.
    const trails = await store.findTrails({}, { limit: 1000, fields: ['lastSeenAt'] });
    expect(trails.every((trail) => trail.lastSeenAt > second.run.startedAt)).toBe(true);
  });

  it('assumes listed roles with their external id, and fails only the account whose external id is wrong', async () => {
    const { org, store } = await organization({ unassumableRole: false, deniedRegion: false });
    const [first, second] = org.activeAccountIds.filter((id) => id !== org.management.Id);
    for (const account of org.scenario.accounts) for (const role of account.Roles ?? []) role.ExternalId = 'the-right-one';
    const summary = await syncOrganization(
      store,
      `accounts:
  - role_arn: arn:aws:iam::${first}:role/${org.memberRoleName}
    external_id: the-right-one
  - role_arn: arn:aws:iam::${second}:role/${org.memberRoleName}
    external_id: a-wrong-one
    name: second
`,
    );
    expect(summary.scopes.filter((s) => s.status === 'ok').map((s) => s.accountId)).toEqual(REGIONS.map(() => first));
    expect(summary.accountFailures).toEqual([
      { label: `${second} (second)`, accountId: second, name: 'second', error: expect.objectContaining({ code: 'AccessDenied' }) },
    ]);
  });

  it('refreshes assumed-role credentials before they expire during a long sync', async () => {
    const { org, sim, store } = await organization({ accounts: 2, unassumableRole: false, deniedRegion: false, suspendedAccounts: 0, latencyMs: 80 });
    org.scenario.sessionLifetimeSeconds = 1; // the simulator refuses a session's keys one second after AssumeRole
    const member = org.activeAccountIds.find((id) => id !== org.management.Id)!;
    const summary = await syncOrganization(store, discovery(org), { limits: { concurrency: 1, accountConcurrency: 1, callsPerSecond: 100 } });

    expect(summary.durationMs).toBeGreaterThan(2000); // long enough that one session could not have lasted
    expect(summary.run.status).toBe('succeeded');
    expect(sim.calls.filter((c) => c.errorCode === 'ExpiredTokenException' || c.errorCode === 'ExpiredToken')).toEqual([]);
    expect(sim.calls.filter((c) => c.operation === 'AssumeRole' && String(c.params.RoleArn).includes(member)).length).toBeGreaterThan(1);
  });

  it('keeps under the rate limit instead of tripping it, and retries transient errors until the scopes succeed', async () => {
    const { sim, store, org } = await organization({
      accounts: 3,
      unassumableRole: false,
      deniedRegion: false,
      suspendedAccounts: 0,
      callsPerSecond: 4,
      transientErrorRate: 0.15,
    });
    const summary = await syncOrganization(store, discovery(org), { maxAttempts: 8, limits: { concurrency: 16, accountConcurrency: 16, callsPerSecond: 4 } });
    expect(summary.run.status).toBe('succeeded');
    expect(sim.errorCounts.get('InternalFailure')).toBeGreaterThan(0);
    expect(sim.errorCounts.get('ThrottlingException') ?? 0).toBe(0);
  });

  it('records a scope throttled past its retries as failed, with the reason, and goes on with the others', async () => {
    const { org, store } = await organization({ unassumableRole: false, deniedRegion: false });
    const victim = org.activeAccountIds[1]!;
    org.scenario.faults = [{ kind: 'throttle', accountId: victim, region: 'eu-west-1', operation: 'DescribeTrails' }];
    const summary = await syncOrganization(store, discovery(org), { maxAttempts: 2 });
    expect(summary.scopes.filter((s) => s.status === 'failed').map((s) => [s.accountId, s.region, s.error?.code])).toEqual([
      [victim, 'eu-west-1', 'ThrottlingException'],
    ]);
    expect(summary.totals.scopesOk).toBe(org.activeAccountIds.length * REGIONS.length - 1);
  });

  it('records an included account the organization does not have as failed, never as quietly left out', async () => {
    const { org, store } = await organization({ unassumableRole: false, deniedRegion: false });
    const member = org.activeAccountIds.find((id) => id !== org.management.Id)!;
    const summary = await syncOrganization(store, `${discovery(org)}  include: ["${member}", "999999999999"]\n`);
    expect(summary.scopes.filter((s) => s.status === 'ok').map((s) => s.accountId)).toEqual(REGIONS.map(() => member));
    expect(summary.accountFailures).toEqual([{ label: '999999999999', accountId: '999999999999', error: expect.objectContaining({ code: 'NotInOrganization' }) }]);
    expect(summary.run.status).toBe('partial');
    expect((await store.accountCoverage('aws.cloudtrail.trails')).find((a) => a.accountId === '999999999999')).toMatchObject({ status: 'failed' });
  });

  it('fails a run that has no account to sync, so that nothing synced never reads as everything synced', async () => {
    const { org, store } = await organization();
    const summary = await syncOrganization(store, `${discovery(org)}  exclude: [${org.activeAccountIds.map((id) => `"${id}"`).join(', ')}]\n`);
    expect(summary.run).toMatchObject({ status: 'failed', errorMessage: expect.stringContaining('NoAccounts') });
    expect(summary.accountFailures).toEqual([{ label: 'account discovery', error: expect.objectContaining({ code: 'NoAccounts' }) }]);
  });

  it('retires an excluded or closed account: its regions leave the coverage, its trails leave default queries, until it is synced again', async () => {
    const { org, store } = await organization({ unassumableRole: false, deniedRegion: false });
    const owners = (arns: string[]) => new Set(arns.map((arn) => arn.split(':')[4]));
    const [excluded, closed] = org.activeAccountIds.filter((id) => id !== org.management.Id && owners(org.trailArns).has(id)) as [string, string];
    await syncOrganization(store, discovery(org));
    const trailsOf = (id: string) => org.trailArns.filter((arn) => arn.split(':')[4] === id);
    // Its KMS keys leave too, counted as keys, never as trails: the summary reports each asset type on its own.
    const keysOf = (id: string) => (org.scenario.accounts.find((a) => a.Id === id)!.KmsKeys ?? []).filter((key) => REGIONS.includes(key.Region));
    expect(keysOf(excluded).length + keysOf(closed).length).toBeGreaterThan(0);
    // And so do its regional resources of the other types (VPCs, recorders, and monitoring, which members hold none of).
    const inRegions = (id: string, key: 'MetricFilters' | 'MetricAlarms' | 'SnsTopics' | 'Vpcs' | 'ConfigurationRecorders') =>
      (org.scenario.accounts.find((a) => a.Id === id)![key] ?? []).filter((item) => REGIONS.includes(item.Region)).length;
    const regional = (id: string) => ({
      Vpc: inRegions(id, 'Vpcs'),
      ConfigurationRecorder: inRegions(id, 'ConfigurationRecorders'),
      MetricFilter: inRegions(id, 'MetricFilters'),
      MetricAlarm: inRegions(id, 'MetricAlarms'),
      SnsTopic: inRegions(id, 'SnsTopics'),
    });
    // Buckets are listed once per account, whatever their region.
    const bucketsOf = (id: string) => (org.scenario.accounts.find((a) => a.Id === id)!.Buckets ?? []).length;

    org.scenario.accounts.find((a) => a.Id === closed)!.Status = 'SUSPENDED';
    const summary = await syncOrganization(store, `${discovery(org)}  exclude: ["${excluded}"]\n`);
    expect(summary.run.status).toBe('succeeded');
    const byId = (a: { accountId: string }, b: { accountId: string }) => a.accountId.localeCompare(b.accountId);
    expect([...summary.retired].sort(byId)).toEqual(
      [
        {
          accountId: excluded,
          name: orgName(org, excluded),
          reason: 'excluded by organization.exclude',
          regions: REGIONS.length,
          assetsDeleted: { Trail: trailsOf(excluded).length, KmsKey: keysOf(excluded).length, Bucket: bucketsOf(excluded), ...regional(excluded) },
        },
        {
          accountId: closed,
          name: orgName(org, closed),
          reason: 'its state in AWS Organizations is SUSPENDED',
          regions: REGIONS.length,
          assetsDeleted: { Trail: trailsOf(closed).length, KmsKey: keysOf(closed).length, Bucket: bucketsOf(closed), ...regional(closed) },
        },
      ].sort(byId),
    );
    // The CLI says what left per type, trails under their own name: `..., 2 trails deleted, 1 kms keys deleted`.
    expect(syncSummaryText(summary)).toContain(
      `Retired from the inventory: ${excluded} (${orgName(org, excluded)}) (excluded by organization.exclude): ${REGIONS.length} regions out of coverage, ${trailsOf(excluded).length} trails deleted, ${keysOf(excluded).length} kms keys deleted`,
    );
    const live = (await store.findTrails({}, { limit: 1000 })).map((t) => t.arn);
    expect(live.filter((arn) => [excluded, closed].includes(arn.split(':')[4]!))).toEqual([]);
    const liveKeys = (await store.findAssetsOfType('KmsKey', {})).map((k) => k.arn as string);
    expect(liveKeys.filter((arn) => [excluded, closed].includes(arn.split(':')[4]!))).toEqual([]);
    const coverage = await computeCoverage(store, 'Trail');
    expect(coverage.filter((entry) => [excluded, closed].includes(entry.accountId))).toEqual([]);
    // The control engine no longer waits on them (the other gaps here are the regions this test leaves out).
    const gaps = await inventoryGaps(store, ['Trail'], { now: new Date(Date.now() + 49 * 3_600_000) });
    expect(gaps.filter((gap) => gap.includes(excluded) || gap.includes(closed))).toEqual([]);
    expect(gaps.some((gap) => gap.includes('last synced more than 48 h ago'))).toBe(true);
    expect((await store.trailHistory([trailsOf(excluded)[0]!]))[0]![0]).toMatchObject({ kind: 'deleted', runId: summary.run.id });

    // Synced again, the account is back, its trails restored.
    const back = await syncOrganization(store, discovery(org));
    expect(back.retired).toEqual([]); // the closed account is still closed, but nothing of it is left to retire
    expect((await store.findTrails({}, { limit: 1000 })).map((t) => t.arn)).toEqual(expect.arrayContaining(trailsOf(excluded)));
  });

  it('forgets the accounts an accounts file lists under forget', async () => {
    const { org, store } = await organization({ unassumableRole: false, deniedRegion: false });
    await syncOrganization(store, discovery(org));
    const gone = org.activeAccountIds.find((id) => id !== org.management.Id)!;
    const summary = await syncOrganization(store, `${discovery(org)}forget: ["${gone}"]\n`);
    expect(summary.retired).toEqual([expect.objectContaining({ accountId: gone, reason: 'listed under forget in accounts.yaml' })]);
    expect(summary.scopes.some((s) => s.accountId === gone)).toBe(false);
  });

  it('records a run whose accounts could not be listed as failed, touching no data', async () => {
    const { org, store } = await organization();
    vi.stubEnv('AWS_ACCESS_KEY_ID', org.scenario.accounts[2]!.AccessKeyId); // a member cannot list the organization
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.scenario.accounts[2]!.SecretAccessKey);
    const summary = await syncOrganization(store, discovery(org));
    expect(summary.run).toMatchObject({ status: 'failed', errorCode: 'ScopesFailed' });
    expect(summary.accountFailures).toEqual([{ label: 'account discovery', error: expect.objectContaining({ code: 'AccessDeniedException' }) }]);
  });

  it('says it is alive while it runs, so a dead run can be told from a slow one', async () => {
    const { org, store } = await organization({ accounts: 2, unassumableRole: false, deniedRegion: false, suspendedAccounts: 0, latencyMs: 100 });
    const summary = await syncOrganization(store, discovery(org), { heartbeatMs: 50, limits: { concurrency: 1, accountConcurrency: 1, callsPerSecond: 100 } });
    const run = (await store.listSyncRuns({ collector: summary.run.collector, limit: 1 }))[0]!;
    expect(run.id).toBe(summary.run.id);
    expect(Date.parse(run.heartbeatAt!) - Date.parse(run.startedAt)).toBeGreaterThan(summary.durationMs / 2);
  });
});
