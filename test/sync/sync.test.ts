// syncInventory over the simulated endpoint: runs and scopes are recorded, failures keep data, gone trails are deleted.
// Each test reads the trail collector's run (syncTrails): how the KMS collector's runs go is test/e2e/kms-keys.test.ts's.
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_REGIONS, demoScenario, startSimulator } from '../../src/simulator/index.js';
import { accountTargets, simulatedAwsPerTest } from '../support/aws.js';
import { syncTrails } from '../support/sync.js';
import { kmsKey, simAccount, simTrail, trailArn } from '../support/scenarios.js';

const A = '111111111111';
const B = '222222222222';

const setUp = simulatedAwsPerTest();

describe('syncInventory', () => {
  it('discovers the enabled regions, writes one scope per region and records a succeeded run', async () => {
    const { sim, store } = await setUp({
      accounts: [simAccount(A, [simTrail('main', 'us-east-1', { IsMultiRegionTrail: true })], { EnabledRegions: [...DEFAULT_REGIONS, 'ap-east-1'] })],
    });
    const summary = await syncTrails(store, { accounts: accountTargets(sim.scenario), log: silentLogger, maxAttempts: 1 });

    expect(summary.run).toMatchObject({ status: 'succeeded', errorCode: null });
    expect(summary.scopes.map((s) => s.region).sort()).toEqual([...DEFAULT_REGIONS, 'ap-east-1'].sort());
    expect(summary.totals).toEqual({ accounts: 1, scopesOk: 18, scopesSkipped: 0, scopesFailed: 0, seen: 18, new: 1, changed: 0, deleted: 0 });
    expect((await store.scopesOfRun(summary.run.id)).every((s) => s.status === 'ok' && s.accountId === A)).toBe(true);
    expect(sim.calls.filter((c) => c.service === 'sts').map((c) => c.operation)).toEqual(['GetCallerIdentity']);
    // The enabled regions are read once for the account; the VPC collector's calls are its own, per region.
    expect(sim.calls.filter((c) => c.service === 'ec2' && c.operation === 'DescribeRegions')).toHaveLength(1);
  });

  it('counts nothing as changed when an unchanged organization is synced again later, though its logs were delivered since', async () => {
    const { sim, store } = await setUp(demoScenario(new Date('2026-11-29T10:00:00Z')));
    const options = { accounts: accountTargets(sim.scenario), log: silentLogger, maxAttempts: 1 };
    expect((await syncTrails(store, options)).totals).toMatchObject({ new: 5, changed: 0 });
    sim.scenario.accounts = demoScenario(new Date('2026-11-29T11:30:00Z')).accounts;
    expect((await syncTrails(store, options)).totals).toMatchObject({ new: 0, changed: 0, deleted: 0 });
    const [orgTrail] = await store.findTrails({ name: 'acme-org-trail' });
    expect(orgTrail!.latestDeliveryTime).toBe('2026-11-29T11:26:00.000Z');
  });

  it('records an opt-in region asked for by name as skipped, not failed', async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [simTrail('main', 'us-east-1')])] });
    const summary = await syncTrails(store, { accounts: accountTargets(sim.scenario), regions: ['us-east-1', 'me-central-1'], log: silentLogger, maxAttempts: 1 });
    expect(summary.run.status).toBe('succeeded');
    expect(summary.scopes.map((s) => [s.region, s.status])).toEqual([
      ['us-east-1', 'ok'],
      ['me-central-1', 'skipped'],
    ]);
  });

  it('fails, never skips, an enabled region whose CloudTrail endpoint refuses the credentials', async () => {
    // STS and EC2 accept the key; CloudTrail (a second endpoint, through AWS_ENDPOINT_URL_CLOUDTRAIL) does not know it.
    const { sim, store } = await setUp({ accounts: [simAccount(A, [simTrail('plain', 'us-east-1')])] });
    const otherCloudTrail = await startSimulator({ accounts: [] });
    vi.stubEnv('AWS_ENDPOINT_URL_CLOUDTRAIL', otherCloudTrail.url);
    try {
      const summary = await syncTrails(store, { accounts: accountTargets(sim.scenario), regions: ['us-east-1', 'eu-west-1'], log: silentLogger, maxAttempts: 1 });
      expect(summary.run.status).toBe('failed');
      expect(summary.scopes.map((s) => [s.region, s.status, s.error?.code])).toEqual([
        ['us-east-1', 'failed', 'UnrecognizedClientException'],
        ['eu-west-1', 'failed', 'UnrecognizedClientException'],
      ]);
    } finally {
      await otherCloudTrail.close();
    }
  });

  it('syncs each region once however often it is named, and reports a name the partition does not have without making it a scope', async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [simTrail('main', 'us-east-1')])] });
    const summary = await syncTrails(store, {
      accounts: accountTargets(sim.scenario),
      regions: ['us-east-1', 'us-east-1', 'us-east-9'],
      log: silentLogger,
      maxAttempts: 1,
    });
    expect(summary.scopes.map((s) => [s.region, s.status])).toEqual([['us-east-1', 'ok']]);
    expect(summary.unknownRegions).toEqual([{ accountId: A, region: 'us-east-9' }]);
    expect(summary.run).toMatchObject({ status: 'partial', errorMessage: expect.stringContaining(`${A}/us-east-9: not a region of the account's partition`) });
    expect((await store.scopeCoverage('aws.cloudtrail.trails')).map((s) => s.region)).toEqual(['us-east-1']);
  });

  it('records the enabled regions of each account, so a region never synced can be told apart', async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [], { EnabledRegions: [...DEFAULT_REGIONS, 'ap-east-1'] })] });
    await syncTrails(store, { accounts: accountTargets(sim.scenario), regions: ['us-east-1'], log: silentLogger, maxAttempts: 1 });
    expect(await store.accountCoverage('aws.cloudtrail.trails')).toEqual([
      { accountId: A, status: 'ok', runId: 1, error: null, enabledRegions: [...DEFAULT_REGIONS, 'ap-east-1'].sort() },
    ]);
  });

  it("keeps a denied region's trails from the previous sync and marks the run partial", async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [simTrail('east', 'us-east-1'), simTrail('west', 'us-west-2')])] });
    const options = { accounts: accountTargets(sim.scenario), regions: ['us-east-1', 'us-west-2'], log: silentLogger, maxAttempts: 1 };
    await syncTrails(store, options);

    sim.scenario.faults = [{ kind: 'accessDenied', region: 'us-west-2' }];
    sim.scenario.accounts[0]!.Trails = []; // even if both trails were gone, only the healthy region may delete
    const summary = await syncTrails(store, options);

    expect(summary.run.status).toBe('partial');
    expect(summary.run.errorMessage).toContain(`${A}/us-west-2: AccessDeniedException`);
    expect(summary.totals).toMatchObject({ scopesOk: 1, scopesFailed: 1, deleted: 1 });
    expect((await store.findTrails({})).map((t) => t.name)).toEqual(['west']);
  });

  it('keeps what it knew of a trail whose home region is denied, though another region still lists it', async () => {
    const multiRegion = simTrail('everywhere', 'us-east-1', { IsMultiRegionTrail: true, Tags: { Owner: 'security' } });
    const { sim, store } = await setUp({ accounts: [simAccount(A, [multiRegion])] });
    const options = { accounts: accountTargets(sim.scenario), regions: ['us-east-1', 'eu-west-1'], log: silentLogger, maxAttempts: 1 };
    await syncTrails(store, options);
    const [before] = await store.findTrails({});

    sim.scenario.faults = [{ kind: 'accessDenied', region: 'us-east-1' }]; // DescribeTrails and every detail call there
    const summary = await syncTrails(store, options);
    expect(summary.scopes.map((s) => [s.region, s.status])).toEqual([
      ['us-east-1', 'failed'],
      ['eu-west-1', 'ok'],
    ]);
    const [after] = await store.findTrails({});
    expect(after).toMatchObject({ isLogging: true, tagsKnown: true, eventSelectors: before!.eventSelectors, collectionErrors: [] });
    expect(await store.tagsByAssetId([after!.id])).toEqual([[{ key: 'Owner', value: 'security' }]]);
    expect(await store.trailHistory([after!.id])).toEqual([[expect.objectContaining({ kind: 'created' })]]);
  });

  it('does not move lastSeenAt forward for a trail in a region since disabled (skipped, so it lists nothing)', async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [simTrail('hk', 'ap-east-1')], { EnabledRegions: ['us-east-1', 'ap-east-1'] })] });
    const options = { accounts: accountTargets(sim.scenario), regions: ['us-east-1', 'ap-east-1'], log: silentLogger, maxAttempts: 1 };
    const first = await syncTrails(store, options);
    sim.scenario.accounts[0]!.EnabledRegions = ['us-east-1'];
    const second = await syncTrails(store, options);
    expect(second.scopes.map((s) => [s.region, s.status])).toEqual([
      ['us-east-1', 'ok'],
      ['ap-east-1', 'skipped'],
    ]);
    const [trail] = await store.findTrails({});
    expect(trail!.lastSeenAt <= first.run.finishedAt!).toBe(true);
  });

  it('fails a region whose call times out, and keeps its data', async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [simTrail('east', 'us-east-1')])] });
    const options = { accounts: accountTargets(sim.scenario), regions: ['us-east-1'], log: silentLogger, maxAttempts: 1 };
    await syncTrails(store, options);
    // A second's timeout that no other call of a loaded machine comes near, and an answer ten times later than that.
    sim.scenario.faults = [{ kind: 'slow', operation: 'DescribeTrails', delayMs: 10_000 }];
    const summary = await syncTrails(store, { ...options, requestTimeoutMs: 1_000 });
    expect(summary.run.status).toBe('failed');
    expect(summary.scopes).toMatchObject([{ region: 'us-east-1', status: 'failed', error: { code: 'TimeoutError' } }]);
    expect((await store.findTrails({})).map((t) => t.name)).toEqual(['east']);
  });

  it('records an account whose credentials are refused as a failure of the run, and still syncs the others', async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [simTrail('a', 'us-east-1')]), simAccount(B, [simTrail('b', 'us-east-1')])] });
    const targets = accountTargets(sim.scenario);
    targets[0]!.credentials = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'nope' };
    const summary = await syncTrails(store, { accounts: targets, regions: ['us-east-1'], log: silentLogger, maxAttempts: 1 });

    expect(summary.accountFailures).toEqual([{ label: `account ${A}`, error: { code: 'InvalidClientTokenId', message: expect.any(String) } }]);
    expect(summary.run.status).toBe('partial');
    expect((await store.findTrails({})).map((t) => t.accountId)).toEqual([B]);
  });

  it('marks the run failed when the store fails, only once every other account has stopped writing', async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [simTrail('a', 'us-east-1')]), simAccount(B, [simTrail('b', 'us-east-1')])] });
    sim.scenario.faults = [{ kind: 'slow', accountId: B, operation: 'DescribeTrails', delayMs: 300 }];
    const failing = Object.create(store) as typeof store;
    failing.writeScope = async (runId, scope) => {
      if (scope.accountId === A) throw new Error('database or disk is full');
      return store.writeScope(runId, scope);
    };
    await expect(syncTrails(failing, { accounts: accountTargets(sim.scenario), regions: ['us-east-1'], log: silentLogger, maxAttempts: 1 })).rejects.toThrow(
      'disk is full',
    );

    const run = await store.latestSyncRun('aws.cloudtrail.trails');
    expect(run).toMatchObject({ status: 'failed', errorMessage: 'database or disk is full' });
    // B's scope, slower than A's failure, was written before the run was closed, not after.
    const [scopeB] = await store.scopesOfRun(run!.id);
    expect(scopeB).toMatchObject({ accountId: B, status: 'ok' });
    expect(scopeB!.finishedAt <= run!.finishedAt!).toBe(true);
  });

  it('fails the whole run when no account can be reached', async () => {
    const { sim, store } = await setUp({ accounts: [simAccount(A, [])] });
    const targets = accountTargets(sim.scenario);
    targets[0]!.credentials = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'nope' };
    const summary = await syncTrails(store, { accounts: targets, regions: ['us-east-1'], log: silentLogger, maxAttempts: 1 });
    expect(summary.run).toMatchObject({ status: 'failed', errorCode: 'ScopesFailed' });
    expect(await store.latestSyncRun('aws.cloudtrail.trails')).toMatchObject({ id: summary.run.id, status: 'failed' });
  });

  it('stores an organization trail once, under its owner, when the whole organization is synced', async () => {
    const { sim, store } = await setUp({
      organization: { managementAccountId: A },
      accounts: [
        simAccount(A, [simTrail('org', 'us-east-1', { IsMultiRegionTrail: true, IsOrganizationTrail: true, KmsKeyId: kmsKey(A, 'us-east-1'), Tags: { scope: 'org' } })]),
        simAccount(B, []),
      ],
    });
    // The member before the owner in one run, then the member alone: the owner's details survive both.
    const [owner, member] = accountTargets(sim.scenario);
    const options = { regions: ['us-east-1', 'eu-west-1'], log: silentLogger, maxAttempts: 1 };
    const first = await syncTrails(store, { ...options, accounts: [member!, owner!, member!] });
    expect(first.scopes).toHaveLength(4); // the account listed twice is synced once
    await syncTrails(store, { ...options, accounts: [member!] });

    const trails = await store.findTrails({});
    expect(trails).toHaveLength(1);
    expect(trails[0]).toMatchObject({ arn: trailArn(A, 'us-east-1', 'org'), accountId: A, region: 'us-east-1', isLogging: true, tagsKnown: true, collectionErrors: [] });
    expect((await store.sightingsByTrailArn([trails[0]!.arn]))[0]).toHaveLength(4);
  });
});
