import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetInsightSelectorsCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario, LIST_TAGS_MAX_RESOURCE_IDS, startSimulator, type Scenario, type SimAccount, type SimTrail, type Simulator } from '../../src/simulator/index.js';
import { cloudTrailClient } from './sdk-clients.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator(demoScenario());
});
afterEach(async () => {
  await sim.close();
});

const account = (id: string): SimAccount => sim.scenario.accounts.find((candidate) => candidate.Id === id)!;
const trail = (accountId: string, name: string): SimTrail => account(accountId).Trails.find((candidate) => candidate.Name === name)!;
const workloads = () => account('222222222222');
const security = () => account('333333333333');

const WORKLOADS_MAIN_ARN = 'arn:aws:cloudtrail:us-west-2:222222222222:trail/workloads-main-trail';
const ORG_TRAIL_ARN = 'arn:aws:cloudtrail:us-east-1:111111111111:trail/acme-org-trail';

describe('GetTrailStatus', () => {
  it('finds a trail by name only in its home region; a shadow region needs the ARN', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-east-1' });
    await expect(client.send(new GetTrailStatusCommand({ Name: 'workloads-main-trail' }))).rejects.toMatchObject({
      name: 'TrailNotFoundException',
      message: 'Unknown trail: arn:aws:cloudtrail:us-east-1:222222222222:trail/workloads-main-trail for the user: 222222222222',
      $metadata: { httpStatusCode: 400 },
    });
    const status = await client.send(new GetTrailStatusCommand({ Name: WORKLOADS_MAIN_ARN }));
    expect(status.IsLogging).toBe(true);
    expect(sim.calls.at(-1)).toMatchObject({ operation: 'GetTrailStatus', region: 'us-east-1', params: { Name: WORKLOADS_MAIN_ARN }, status: 200 });

    const home = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    expect((await home.send(new GetTrailStatusCommand({ Name: 'workloads-main-trail' }))).IsLogging).toBe(true);
  });

  it("answers TrailNotFoundException for the organization's trail asked from a member account", async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-east-1' });
    await expect(client.send(new GetTrailStatusCommand({ Name: ORG_TRAIL_ARN }))).rejects.toMatchObject({
      name: 'TrailNotFoundException',
      message: `Unknown trail: ${ORG_TRAIL_ARN} for the user: 222222222222`,
    });
  });

  it('does not find a single-region trail by ARN outside its home region', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-east-1' });
    await expect(client.send(new GetTrailStatusCommand({ Name: 'arn:aws:cloudtrail:eu-west-1:222222222222:trail/eu-legacy-audit' }))).rejects.toMatchObject({
      name: 'TrailNotFoundException',
    });
  });

  it('writes times as Java doubles that the SDK parses to the exact instant, plus the legacy strings', async () => {
    trail('222222222222', 'workloads-main-trail').Status = {
      StartLoggingTime: '2017-11-06T09:22:45.693Z',
      LatestDeliveryTime: '2018-01-14T11:25:59.630Z',
      LatestDigestDeliveryTime: '2018-01-14T11:28:04.411Z',
    };
    const status = await cloudTrailClient(sim, workloads(), { region: 'us-west-2' }).send(new GetTrailStatusCommand({ Name: 'workloads-main-trail' }));
    expect(status.LatestDeliveryTime).toEqual(new Date('2018-01-14T11:25:59.630Z'));
    expect(status.StartLoggingTime).toEqual(new Date('2017-11-06T09:22:45.693Z'));
    expect(status.LatestDeliveryAttemptTime).toBe('2018-01-14T11:25:59Z');
    expect(status.LatestDeliveryAttemptSucceeded).toBe('2018-01-14T11:25:59Z');
    expect(status.TimeLoggingStarted).toBe('2017-11-06T09:22:45Z');
    expect(status.TimeLoggingStopped).toBe('');
    expect(status.StopLoggingTime).toBeUndefined();
    const rawBody = sim.calls.at(-1)?.responseBody ?? '';
    expect(rawBody).toContain('"LatestDeliveryTime":1.51592915963E9');
    expect(rawBody).toContain('"StartLoggingTime":1.509960165693E9');
  });

  it('leaves every time member out for a trail that never logged, keeping the legacy strings empty', async () => {
    account('222222222222').Trails.push({ Name: 'never-started', HomeRegion: 'us-west-2', S3BucketName: 'b', IsMultiRegionTrail: false, IsLogging: false });
    await cloudTrailClient(sim, workloads(), { region: 'us-west-2' }).send(new GetTrailStatusCommand({ Name: 'never-started' }));
    expect(JSON.parse(sim.calls.at(-1)?.responseBody ?? '')).toEqual({
      IsLogging: false,
      LatestDeliveryAttemptTime: '',
      LatestNotificationAttemptTime: '',
      LatestNotificationAttemptSucceeded: '',
      LatestDeliveryAttemptSucceeded: '',
      TimeLoggingStarted: '',
      TimeLoggingStopped: '',
    });
  });

  it('reports delivery errors when the scenario sets them', async () => {
    trail('222222222222', 'eu-legacy-audit').Status = { LatestDeliveryError: 'AccessDenied', LatestDeliveryTime: '2026-01-01T00:00:00Z' };
    const status = await cloudTrailClient(sim, workloads(), { region: 'eu-west-1' }).send(new GetTrailStatusCommand({ Name: 'eu-legacy-audit' }));
    expect(status).toMatchObject({ IsLogging: false, LatestDeliveryError: 'AccessDenied', LatestDeliveryAttemptSucceeded: '' });
  });
});

describe('GetEventSelectors and GetInsightSelectors', () => {
  it('returns basic selectors with the members AWS fills in', async () => {
    const output = await cloudTrailClient(sim, security(), { region: 'us-east-1' }).send(new GetEventSelectorsCommand({ TrailName: 'app-data-events' }));
    expect(output.TrailARN).toBe('arn:aws:cloudtrail:us-east-1:333333333333:trail/app-data-events');
    expect(output.EventSelectors).toEqual([
      {
        ReadWriteType: 'WriteOnly',
        IncludeManagementEvents: false,
        DataResources: [
          { Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::acme-app-uploads/'] },
          { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda:us-east-1:333333333333:function:acme-app-processor'] },
        ],
        ExcludeManagementEventSources: [],
      },
    ]);
    expect(output.AdvancedEventSelectors).toBeUndefined();
  });

  it('returns advanced selectors alone when the trail uses them', async () => {
    const output = await cloudTrailClient(sim, security(), { region: 'eu-central-1' }).send(
      new GetEventSelectorsCommand({ TrailName: 'arn:aws:cloudtrail:eu-central-1:333333333333:trail/security-insights-trail' }),
    );
    expect(output.EventSelectors).toBeUndefined();
    expect(output.AdvancedEventSelectors?.[0]).toEqual({ Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] });
  });

  it('returns the default selector for a trail nobody configured', async () => {
    const output = await cloudTrailClient(sim, workloads(), { region: 'us-west-2' }).send(new GetEventSelectorsCommand({ TrailName: 'workloads-main-trail' }));
    expect(output.EventSelectors).toEqual([{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }]);
  });

  it('rejects a home-region ARN sent to another region with CloudTrailARNInvalidException', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-east-1' });
    await expect(client.send(new GetEventSelectorsCommand({ TrailName: WORKLOADS_MAIN_ARN }))).rejects.toMatchObject({
      name: 'CloudTrailARNInvalidException',
      message: 'Region in ARN is wrong, you can only access resources in region us-east-1.',
    });
  });

  it('returns insight selectors, and InsightNotEnabledException for a trail without them', async () => {
    const client = cloudTrailClient(sim, security(), { region: 'eu-central-1' });
    const output = await client.send(new GetInsightSelectorsCommand({ TrailName: 'security-insights-trail' }));
    expect(output.InsightSelectors).toEqual([{ InsightType: 'ApiCallRateInsight' }, { InsightType: 'ApiErrorRateInsight' }]);
    const other = cloudTrailClient(sim, security(), { region: 'us-east-1' });
    await expect(other.send(new GetInsightSelectorsCommand({ TrailName: 'app-data-events' }))).rejects.toMatchObject({
      name: 'InsightNotEnabledException',
    });
  });
});

describe('ListTags', () => {
  it('returns the tags of the caller’s trails in their home region, empty lists included', async () => {
    account('111111111111').Trails.push({ Name: 'untagged', HomeRegion: 'us-east-1', S3BucketName: 'b', IsMultiRegionTrail: false, IsLogging: true });
    const untaggedArn = 'arn:aws:cloudtrail:us-east-1:111111111111:trail/untagged';
    const output = await cloudTrailClient(sim, account('111111111111')).send(new ListTagsCommand({ ResourceIdList: [ORG_TRAIL_ARN, untaggedArn] }));
    expect(output.ResourceTagList).toEqual([
      {
        ResourceId: ORG_TRAIL_ARN,
        TagsList: [
          { Key: 'Owner', Value: 'security-team' },
          { Key: 'Environment', Value: 'production' },
          { Key: 'CostCenter', Value: 'SEC-0042' },
        ],
      },
      { ResourceId: untaggedArn, TagsList: [] },
    ]);
  });

  it(`accepts ${LIST_TAGS_MAX_RESOURCE_IDS} ARNs and rejects ${LIST_TAGS_MAX_RESOURCE_IDS + 1} with InvalidParameterException`, async () => {
    const scenario = manyTrailsScenario(LIST_TAGS_MAX_RESOURCE_IDS + 1);
    const local = await startSimulator(scenario);
    try {
      const owner = scenario.accounts[0]!;
      const arns = owner.Trails.map((t) => `arn:aws:cloudtrail:us-east-1:${owner.Id}:trail/${t.Name}`);
      const client = cloudTrailClient(local, owner);
      const ok = await client.send(new ListTagsCommand({ ResourceIdList: arns.slice(0, LIST_TAGS_MAX_RESOURCE_IDS) }));
      expect(ok.ResourceTagList).toHaveLength(LIST_TAGS_MAX_RESOURCE_IDS);
      await expect(client.send(new ListTagsCommand({ ResourceIdList: arns }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        $metadata: { httpStatusCode: 400 },
      });
      // The call log lets a collector test prove that it batches.
      expect(local.calls.map((call) => (call.params.ResourceIdList as string[]).length)).toEqual([20, 21]);
    } finally {
      await local.close();
    }
  });

  it('rejects an ARN from another region with CloudTrailARNInvalidException', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'eu-west-1' });
    await expect(client.send(new ListTagsCommand({ ResourceIdList: [WORKLOADS_MAIN_ARN] }))).rejects.toMatchObject({
      name: 'CloudTrailARNInvalidException',
      message: 'Region in ARN is wrong, you can only access resources in region eu-west-1.',
    });
  });

  it("rejects another account's organization trail with CloudTrailARNInvalidException", async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-east-1' });
    await expect(client.send(new ListTagsCommand({ ResourceIdList: [ORG_TRAIL_ARN] }))).rejects.toMatchObject({
      name: 'CloudTrailARNInvalidException',
      message: 'AccountID in ARN is wrong, you can only access resources with AccountID 222222222222.',
    });
  });

  it('answers ResourceNotFoundException for an unknown trail ARN', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    await expect(client.send(new ListTagsCommand({ ResourceIdList: ['arn:aws:cloudtrail:us-west-2:222222222222:trail/deleted-trail'] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('UpdateTrail, StartLogging and StopLogging', () => {
  it('sets a KMS key through the SDK, and the next DescribeTrails reports it', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    const keyArn = 'arn:aws:kms:us-west-2:222222222222:key/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const updated = await client.send(new UpdateTrailCommand({ Name: 'workloads-main-trail', KmsKeyId: keyArn }));
    expect(updated).toMatchObject({ Name: 'workloads-main-trail', TrailARN: WORKLOADS_MAIN_ARN, KmsKeyId: keyArn });
    expect(trail('222222222222', 'workloads-main-trail').KmsKeyId).toBe(keyArn);

    const shadow = cloudTrailClient(sim, workloads(), { region: 'ap-northeast-1' });
    const listed = await shadow.send(new DescribeTrailsCommand({ trailNameList: [WORKLOADS_MAIN_ARN] }));
    expect(listed.trailList?.[0]?.KmsKeyId).toBe(keyArn);
  });

  it('expands a bare key id to the key ARN in the home region, and "" removes encryption', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    await client.send(new UpdateTrailCommand({ Name: 'workloads-main-trail', KmsKeyId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f' }));
    expect(trail('222222222222', 'workloads-main-trail').KmsKeyId).toBe('arn:aws:kms:us-west-2:222222222222:key/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f');

    await client.send(new UpdateTrailCommand({ Name: 'workloads-main-trail', KmsKeyId: '' }));
    const listed = await client.send(new DescribeTrailsCommand({ trailNameList: ['workloads-main-trail'] }));
    expect(listed.trailList?.[0] && 'KmsKeyId' in listed.trailList[0]).toBe(false);
    expect(sim.calls.at(-1)?.responseBody).not.toContain('KmsKeyId');
  });

  it('reflects changes a test makes to the live scenario', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'eu-west-1' });
    trail('222222222222', 'eu-legacy-audit').KmsKeyId = 'arn:aws:kms:eu-west-1:222222222222:key/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const output = await client.send(new DescribeTrailsCommand({ trailNameList: ['eu-legacy-audit'] }));
    expect(output.trailList?.[0]?.KmsKeyId).toBe('arn:aws:kms:eu-west-1:222222222222:key/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
  });

  it('only updates in the home region and leaves the trail unchanged when refused', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-east-1' });
    await expect(client.send(new UpdateTrailCommand({ Name: WORKLOADS_MAIN_ARN, KmsKeyId: 'k' }))).rejects.toMatchObject({
      name: 'CloudTrailARNInvalidException',
    });
    await expect(
      cloudTrailClient(sim, workloads(), { region: 'us-west-2' }).send(
        new UpdateTrailCommand({ Name: 'workloads-main-trail', IncludeGlobalServiceEvents: false, KmsKeyId: 'k' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    expect(trail('222222222222', 'workloads-main-trail').KmsKeyId).toBeUndefined();
  });

  it('StopLogging and StartLogging flip IsLogging and stamp the time', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    const before = Date.now();
    await client.send(new StopLoggingCommand({ Name: 'workloads-main-trail' }));
    const stopped = await client.send(new GetTrailStatusCommand({ Name: 'workloads-main-trail' }));
    expect(stopped.IsLogging).toBe(false);
    expect(stopped.StopLoggingTime!.getTime()).toBeGreaterThanOrEqual(before);

    await client.send(new StartLoggingCommand({ Name: WORKLOADS_MAIN_ARN }));
    const started = await client.send(new GetTrailStatusCommand({ Name: 'workloads-main-trail' }));
    expect(started.IsLogging).toBe(true);
    expect(started.StartLoggingTime!.getTime()).toBeGreaterThanOrEqual(before);
  });
});

/** One account with `count` single-region trails in us-east-1, for the ListTags limit. */
function manyTrailsScenario(count: number): Scenario {
  return {
    accounts: [
      {
        Id: '444444444444',
        AccessKeyId: 'AKIATEST444444444444',
        SecretAccessKey: 'test-secret',
        Trails: Array.from({ length: count }, (_, index) => ({
          Name: `trail-${String(index + 1).padStart(2, '0')}`,
          HomeRegion: 'us-east-1',
          S3BucketName: 'bulk-trail-logs',
          IsMultiRegionTrail: false,
          IsLogging: true,
          Tags: { Index: String(index + 1) },
        })),
      },
    ],
  };
}
