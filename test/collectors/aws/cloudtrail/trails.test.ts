// The trail collector against the simulated endpoint, through the real SDK: which calls it makes, where, and
// what it records when AWS says no.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { AwsClients } from '../../../../collectors/collector.js';
import { LIST_TAGS_MAX_ARNS, TRAILS } from '../../../../collectors/aws/cloudtrail/trails.js';
import { startSimulator, type Scenario, type SimAccount, type Simulator } from '../../../../src/simulator/index.js';
import type { ScopeResult } from '../../../../src/model/scope.js';
import type { TrailRecord } from '../../../../src/model/trail.js';
import { stubAwsEnv } from '../../../support/aws.js';
import { kmsKey, simAccount, simTrail, trailArn } from '../../../support/scenarios.js';

const OWNER = '123456789012';
const MEMBER = '210987654321';

let sim: Simulator | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await sim?.close();
  sim = undefined;
});

/** The collector through its interface, with plain SDK clients (one per service and region) in place of the sync's. */
async function collect(scenario: Scenario, account: SimAccount, regions: string[], maxAttempts = 1): Promise<ScopeResult<TrailRecord>[]> {
  sim = await startSimulator(scenario);
  stubAwsEnv(sim);
  const built = new Map<string, { destroy(): void }>();
  const clients: AwsClients = {
    client: (Client, region, service) => {
      const key = `${service}/${region}`;
      if (!built.has(key)) {
        const credentials = { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey };
        built.set(key, new (Client as unknown as new (config: object) => { destroy(): void })({ region, maxAttempts, credentials }));
      }
      return built.get(key) as never;
    },
  };
  try {
    const scopes = await TRAILS.collect({ accountId: account.Id, regions, clients });
    expect(scopes.every((scope) => scope.assetType === 'Trail' && scope.accountId === account.Id)).toBe(true);
    return scopes;
  } finally {
    for (const client of built.values()) client.destroy();
  }
}

const callsOf = (operation: string) => sim!.calls.filter((c) => c.service === 'cloudtrail' && c.operation === operation);

describe('the trail collector', () => {
  it('reads a multi-region trail in every region but fetches its details once, in its home region, by ARN', async () => {
    const owner = simAccount(OWNER, [simTrail('everywhere', 'eu-west-1', { IsMultiRegionTrail: true, KmsKeyId: kmsKey(OWNER, 'eu-west-1') })]);
    const scopes = await collect({ accounts: [owner] }, owner, ['us-east-1', 'eu-west-1', 'ap-northeast-1']);

    expect(scopes.map((s) => [s.region, s.status, s.assets.map((t) => t.arn)])).toEqual([
      ['us-east-1', 'ok', [trailArn(OWNER, 'eu-west-1', 'everywhere')]],
      ['eu-west-1', 'ok', [trailArn(OWNER, 'eu-west-1', 'everywhere')]],
      ['ap-northeast-1', 'ok', [trailArn(OWNER, 'eu-west-1', 'everywhere')]],
    ]);
    const record = scopes[0]!.assets[0]!;
    expect(record).toMatchObject({
      accountId: OWNER,
      region: 'eu-west-1',
      homeRegion: 'eu-west-1',
      kmsKeyID: kmsKey(OWNER, 'eu-west-1'),
      isLogging: true,
      collectionErrors: [],
    });
    for (const operation of ['GetTrailStatus', 'GetEventSelectors']) {
      expect(callsOf(operation).map((c) => [c.region, Object.values(c.params)[0]])).toEqual([['eu-west-1', record.arn]]);
    }
    expect(callsOf('DescribeTrails')).toHaveLength(3);
  });

  it('stores a trail without KmsKeyId as kmsKeyID "", never null', async () => {
    const owner = simAccount(OWNER, [simTrail('plain', 'us-east-1')]);
    const [scope] = await collect({ accounts: [owner] }, owner, ['us-east-1']);
    expect(callsOf('DescribeTrails')[0]!.responseBody).not.toContain('KmsKeyId');
    expect(scope!.assets[0]!.kmsKeyID).toBe('');
  });

  it('lists tags in batches of at most 20 ARNs, per home region', async () => {
    const trails = [
      ...Array.from({ length: 25 }, (_, i) => simTrail(`east-${String(i).padStart(2, '0')}`, 'us-east-1', { Tags: { index: String(i) } })),
      ...Array.from({ length: 3 }, (_, i) => simTrail(`west-${i}`, 'us-west-2', { Tags: { index: `w${i}` } })),
    ];
    const owner = simAccount(OWNER, trails);
    const scopes = await collect({ accounts: [owner] }, owner, ['us-east-1', 'us-west-2']);

    const batches = callsOf('ListTags').map((c) => ({ region: c.region, arns: c.params.ResourceIdList as string[] }));
    expect(LIST_TAGS_MAX_ARNS).toBe(20);
    expect(batches.every((b) => b.arns.length <= 20 && b.arns.every((arn) => arn.split(':')[3] === b.region))).toBe(true);
    expect(batches.map((b) => b.arns.length).sort((a, b) => a - b)).toEqual([3, 5, 20]);
    const all = scopes.flatMap((s) => s.assets);
    expect(all).toHaveLength(28);
    for (const record of all) expect(record.tags).toEqual([{ key: 'index', value: record.name.replace(/^east-0?/, '').replace(/^west-/, 'w') }]);
  });

  it('leaves tags unknown when ListTags fails, rather than recording "no tags"', async () => {
    const owner = simAccount(OWNER, [simTrail('tagged', 'us-east-1', { Tags: { team: 'a' } })]);
    const scenario: Scenario = { accounts: [owner], faults: [{ kind: 'accessDenied', operation: 'ListTags' }] };
    const [scope] = await collect(scenario, owner, ['us-east-1']);
    expect(scope!.status).toBe('ok');
    expect(scope!.assets[0]).toMatchObject({ tags: null, collectionErrors: [{ operation: 'ListTags', code: 'AccessDeniedException' }] });
  });

  it("records what it cannot read of another account's organization trail without failing the region", async () => {
    const scenario: Scenario = {
      organization: { managementAccountId: OWNER },
      accounts: [
        simAccount(OWNER, [simTrail('org', 'us-east-1', { IsMultiRegionTrail: true, IsOrganizationTrail: true, KmsKeyId: kmsKey(OWNER, 'us-east-1') })]),
        simAccount(MEMBER, []),
      ],
    };
    const member = scenario.accounts[1]!;
    const scopes = await collect(scenario, member, ['us-east-1', 'us-east-2']);

    expect(scopes.map((s) => s.status)).toEqual(['ok', 'ok']);
    const record = scopes[0]!.assets[0]!;
    expect(record).toMatchObject({ arn: trailArn(OWNER, 'us-east-1', 'org'), accountId: OWNER, isOrganizationTrail: true, isLogging: null, tags: null });
    expect(record.collectionErrors.map((e) => [e.operation, e.code])).toEqual([
      ['GetTrailStatus', 'TrailNotFoundException'],
      ['GetEventSelectors', expect.any(String)],
      ['ListTags', 'NotOwner'],
    ]);
    expect(callsOf('ListTags')).toEqual([]);
  });

  it('fails only the region that is denied, and a region whose endpoint refuses the credentials', async () => {
    const owner = simAccount(OWNER, [simTrail('main', 'us-east-1')]);
    const scenario: Scenario = { accounts: [owner], faults: [{ kind: 'accessDenied', accountId: OWNER, region: 'eu-west-1' }] };
    // ap-east-1 is not enabled for the account; deciding to skip such a region is the sync's job, which asks EC2 first.
    const scopes = await collect(scenario, owner, ['us-east-1', 'eu-west-1', 'ap-east-1']);
    expect(scopes.map((s) => [s.region, s.status, s.error?.code])).toEqual([
      ['us-east-1', 'ok', undefined],
      ['eu-west-1', 'failed', 'AccessDeniedException'],
      ['ap-east-1', 'failed', 'UnrecognizedClientException'],
    ]);
    expect(scopes[1]!.error!.message).toContain('not authorized to perform: cloudtrail:DescribeTrails');
  });

  it('leaves a trail that vanished between calls with unknown status, and says why', async () => {
    const owner = simAccount(OWNER, [simTrail('vanishing', 'us-east-1'), simTrail('steady', 'us-east-1')]);
    const scenario: Scenario = {
      accounts: [owner],
      faults: [{ kind: 'unknownTrail', trailArn: trailArn(OWNER, 'us-east-1', 'vanishing'), operation: 'GetTrailStatus' }],
    };
    const [scope] = await collect(scenario, owner, ['us-east-1']);
    const byName = new Map(scope!.assets.map((t) => [t.name, t]));
    expect(byName.get('vanishing')).toMatchObject({
      isLogging: null,
      latestDeliveryError: null,
      collectionErrors: [{ operation: 'GetTrailStatus', code: 'TrailNotFoundException' }],
    });
    expect(byName.get('steady')).toMatchObject({ isLogging: true, latestDeliveryError: '', collectionErrors: [] });
  });

  it("rides out throttling through the SDK's retries", async () => {
    const owner = simAccount(OWNER, [simTrail('main', 'us-east-1')]);
    const scenario: Scenario = { accounts: [owner], faults: [{ kind: 'throttle', operation: 'DescribeTrails', times: 2 }] };
    const [scope] = await collect(scenario, owner, ['us-east-1'], 3);
    expect(scope!.status).toBe('ok');
    expect(callsOf('DescribeTrails').map((c) => c.errorCode ?? 'ok')).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
  });

  it('reads insight selectors only for trails that have them, and maps every selector kind', async () => {
    const owner = simAccount(OWNER, [
      simTrail('insightful', 'us-east-1', {
        InsightSelectors: [{ InsightType: 'ApiCallRateInsight' }],
        AdvancedEventSelectors: [{ Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
      }),
      simTrail('basic', 'us-east-1', {
        EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::bucket/'] }] }],
      }),
    ]);
    const [scope] = await collect({ accounts: [owner] }, owner, ['us-east-1']);
    const byName = new Map(scope!.assets.map((t) => [t.name, t]));
    expect(callsOf('GetInsightSelectors').map((c) => c.params.TrailName)).toEqual([trailArn(OWNER, 'us-east-1', 'insightful')]);
    expect(byName.get('insightful')).toMatchObject({
      hasInsightSelectors: true,
      insightSelectors: [{ insightType: 'ApiCallRateInsight' }],
      advancedEventSelectors: [{ name: 'mgmt', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'], notEquals: [] }] }],
    });
    expect(byName.get('basic')).toMatchObject({
      hasInsightSelectors: false,
      insightSelectors: [],
      eventSelectors: [{ readWriteType: 'WriteOnly', includeManagementEvents: true, dataResources: [{ type: 'AWS::S3::Object', values: ['arn:aws:s3:::bucket/'] }] }],
    });
  });
});

afterAll(() => vi.unstubAllEnvs());
