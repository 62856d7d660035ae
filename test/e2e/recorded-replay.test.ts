// Real AWS responses (Cloud Custodian recordings, see test/fixtures/aws/README.md) replayed through the real SDK,
// synced, and queried over HTTP with the seed query: the project must read what AWS actually sends.
import { describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/server/server.js';
import type { RecordedResponse, Scenario } from '../../src/simulator/index.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, simulatedAwsPerTest } from '../support/aws.js';
import { postGraphQL } from '../support/cli.js';
import { CUSTODIAN_ACCOUNT_ID, recordedResponse } from '../support/recorded.js';
import { simAccount, simTrail, trailArn } from '../support/scenarios.js';

const SEED_DOCUMENT = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';
const ACCOUNT = CUSTODIAN_ACCOUNT_ID;
const arn = (name: string, account = ACCOUNT) => trailArn(account, 'us-east-1', name);

const setUp = simulatedAwsPerTest();

/** Syncs us-east-1 and us-west-2 of Custodian's account, answering from `recorded` where it matches, and returns the seed query's answer over HTTP. */
async function syncAndAskSeedQuery(trailNames: string[], recorded: RecordedResponse[]) {
  // The recorded trails also exist in the simulated account, so the calls nobody recorded (ListTags) get consistent answers.
  const scenario: Scenario = {
    accounts: [
      simAccount(
        ACCOUNT,
        trailNames.map((name) => simTrail(name, 'us-east-1', { IsMultiRegionTrail: true })),
      ),
    ],
    recorded,
  };
  const { store } = await setUp(scenario);
  const summary = await syncInventory(store, { accounts: accountTargets(scenario), regions: ['us-east-1', 'us-west-2'], log: silentLogger, maxAttempts: 1 });
  expect(summary.run.status).toBe('succeeded');
  const server = await startServer({ store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
  try {
    const { status, body } = await postGraphQL(server.graphqlUrl, SEED_DOCUMENT);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    return { ids: body.data.trails.map((t: { id: string }) => t.id) as string[], store };
  } finally {
    await server.close();
  }
}

describe('replaying recorded AWS responses', () => {
  it('finds the recorded trail that has no KmsKeyId, and only that one (2016 recording, length-verified)', async () => {
    const { ids, store } = await syncAndAskSeedQuery(
      ['S3-DataEvents-test2', 'skunk-trails'],
      [
        recordedResponse('test_account_data_events/cloudtrail.DescribeTrails_3'),
        recordedResponse('test_account_data_events/cloudtrail.DescribeTrails_2', { region: 'us-west-2' }),
        recordedResponse('test_cloudtrail_create/cloudtrail.GetTrailStatus_1', { trail: arn('S3-DataEvents-test2') }),
        recordedResponse('test_account_data_events/cloudtrail.GetEventSelectors_2', { trail: arn('S3-DataEvents-test2') }),
      ],
    );
    expect(ids).toEqual([arn('S3-DataEvents-test2')]);

    const [plain, encrypted] = await store.trailsById([arn('S3-DataEvents-test2'), arn('skunk-trails')]);
    expect(encrypted!.kmsKeyID).toBe('arn:aws:kms:us-east-1:644160558196:key/36812ccf-daaf-49b1-a24b-0eef254ffe41');
    // A 2016 trail has no IsOrganizationTrail or HasInsightSelectors member: absent means false.
    expect(plain).toMatchObject({
      kmsKeyID: '',
      snsTopicARN: '',
      s3KeyPrefix: 'DataEvents',
      isOrganizationTrail: false,
      hasInsightSelectors: false,
      hasCustomEventSelectors: true,
      // A trail created but never started: no time fields at all in the recorded status.
      isLogging: false,
      startLoggingTime: null,
      latestDeliveryTime: null,
      latestDeliveryError: '',
      eventSelectors: [
        {
          readWriteType: 'All',
          includeManagementEvents: false,
          dataResources: [{ type: 'AWS::S3::Object', values: ['arn:aws:s3:::'] }],
          excludeManagementEventSources: [],
        },
      ],
    });
    expect((plain!.raw as { GetTrailStatus: Record<string, unknown> }).GetTrailStatus).toMatchObject({ LatestDeliveryAttemptTime: '', TimeLoggingStarted: '' });
  });

  it('parses recorded status times, written as Java doubles, to the exact instant (2018-2019 recordings)', async () => {
    const { ids, store } = await syncAndAskSeedQuery(
      ['S3-DataEvents', 'skunk-trails'],
      [
        recordedResponse('test_cloudtrail_status/cloudtrail.DescribeTrails_1'),
        recordedResponse('test_account_data_events/cloudtrail.DescribeTrails_2', { region: 'us-west-2' }),
        recordedResponse('test_cloudtrail_status/cloudtrail.GetTrailStatus_1', { trail: arn('S3-DataEvents') }),
        recordedResponse('test_cloudtrail_status/cloudtrail.GetTrailStatus_2', { trail: arn('skunk-trails') }),
      ],
    );
    expect(ids).toEqual([arn('S3-DataEvents'), arn('skunk-trails')]);
    const [stopped, logging] = await store.trailsById(ids);
    expect(stopped).toMatchObject({
      isLogging: false,
      latestDeliveryTime: '2018-01-14T11:25:59.630Z',
      startLoggingTime: '2017-11-06T09:22:45.693Z',
      stopLoggingTime: '2018-01-14T11:19:40.347Z',
      latestDigestDeliveryTime: '2018-01-14T11:28:04.411Z',
    });
    expect(logging).toMatchObject({ isLogging: true, latestDeliveryTime: '2019-01-23T00:41:47.177Z' });
  });

  it('stores an organization trail seen from a member account once, under its owner, with what could not be read recorded', async () => {
    const { ids, store } = await syncAndAskSeedQuery(
      ['aws-controltower-BaselineCloudTrail', 'data-events'],
      [recordedResponse('test_s3_data_events/cloudtrail.DescribeTrails_1'), recordedResponse('test_s3_data_events/cloudtrail.DescribeTrails_1', { region: 'us-west-2' })],
    );
    const org = arn('org-trail', '123456789012');
    expect(ids).toEqual([org, arn('aws-controltower-BaselineCloudTrail'), arn('data-events')]); // ordered by id (ARN)
    const [orgTrail] = await store.trailsById([org]);
    expect(orgTrail).toMatchObject({ accountId: '123456789012', region: 'us-east-1', isOrganizationTrail: true, isLogging: null, tagsKnown: false });
    expect(orgTrail!.collectionErrors.map((e) => e.operation)).toEqual(['GetTrailStatus', 'GetEventSelectors', 'ListTags']);
    expect(await store.sightingsByTrailArn([org])).toEqual([
      [
        { accountId: ACCOUNT, region: 'us-east-1' },
        { accountId: ACCOUNT, region: 'us-west-2' },
      ],
    ]);
    const [controlTower] = await store.trailsById([arn('aws-controltower-BaselineCloudTrail')]);
    expect(controlTower).toMatchObject({
      snsTopicName: 'arn:aws:sns:us-east-1:644160558196:aws-controltower-AllConfigNotifications',
      cloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:644160558196:log-group:aws-controltower/CloudTrailLogs:*',
    });
  });
});
