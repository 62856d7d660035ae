import { DeleteTrailCommand, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Scenario, type Simulator } from '../../src/simulator/index.js';
import { CUSTODIAN_ACCOUNT_ID, readWireFile, recordedResponse } from '../support/recorded.js';
import { cloudTrailClient } from './sdk-clients.js';

/** Cloud Custodian's test account, with one trail of its own so unmatched calls get simulated answers. */
const custodian = { AccessKeyId: 'AKIACUSTODIAN0000001', SecretAccessKey: 'custodian-test-secret' };

function custodianScenario(): Scenario {
  return {
    accounts: [
      {
        Id: CUSTODIAN_ACCOUNT_ID,
        ...custodian,
        Trails: [{ Name: 'simulated-trail', HomeRegion: 'us-east-1', S3BucketName: 'simulated-bucket', IsMultiRegionTrail: false, IsLogging: true }],
      },
    ],
  };
}

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator(custodianScenario());
});
afterEach(async () => {
  await sim.close();
});

describe('replaying real CloudTrail recordings', () => {
  it('serves test_cloudtrail_status GetTrailStatus_1 verbatim, and the SDK parses its Java-double times', async () => {
    const path = 'test_cloudtrail_status/cloudtrail.GetTrailStatus_1';
    sim.scenario.recorded = [recordedResponse(path, { trail: 'skunk-trails' })];
    const status = await cloudTrailClient(sim, custodian).send(new GetTrailStatusCommand({ Name: 'skunk-trails' }));
    expect(status.IsLogging).toBe(false);
    expect(status.LatestDeliveryTime?.toISOString()).toBe('2018-01-14T11:25:59.630Z');
    expect(status.StopLoggingTime?.toISOString()).toBe('2018-01-14T11:19:40.347Z');
    expect(status.TimeLoggingStopped).toBe('2018-01-14T11:19:40Z');
    expect(status.$metadata.requestId).toBe('76852c54-8b5d-480c-98eb-4033167ad743');
    expect(sim.calls.at(-1)?.responseBody).toBe(readWireFile(path).body);
  });

  it('serves test_account_data_events DescribeTrails_3: two trails, one without KmsKeyId', async () => {
    sim.scenario.recorded = [recordedResponse('test_account_data_events/cloudtrail.DescribeTrails_3')];
    const output = await cloudTrailClient(sim, custodian).send(new DescribeTrailsCommand({}));
    expect(output.trailList?.map((trail) => trail.Name)).toEqual(['S3-DataEvents-test2', 'skunk-trails']);
    const [dataEvents, skunk] = output.trailList ?? [];
    expect(dataEvents && 'KmsKeyId' in dataEvents).toBe(false);
    expect(skunk?.KmsKeyId).toBe('arn:aws:kms:us-east-1:644160558196:key/36812ccf-daaf-49b1-a24b-0eef254ffe41');
    // 2017 recordings predate IsOrganizationTrail: the member is absent, not false.
    expect(skunk?.IsOrganizationTrail).toBeUndefined();
  });

  it('answers a recording naming a trail only for that trail, by name or by ARN', async () => {
    sim.scenario.recorded = [recordedResponse('test_cloudtrail_status/cloudtrail.GetTrailStatus_2', { trail: 'skunk-trails' })];
    const client = cloudTrailClient(sim, custodian);
    const byArn = await client.send(new GetTrailStatusCommand({ Name: `arn:aws:cloudtrail:us-east-1:${CUSTODIAN_ACCOUNT_ID}:trail/skunk-trails` }));
    expect(byArn.LatestDeliveryTime?.toISOString()).toBe('2019-01-23T00:41:47.177Z');
    // Another trail gets the simulated answer.
    const simulated = await client.send(new GetTrailStatusCommand({ Name: 'simulated-trail' }));
    expect(simulated.LatestDeliveryTime).toBeUndefined();
    expect(simulated.IsLogging).toBe(true);
  });

  it('does not answer another account or region with a recording', async () => {
    sim.scenario.recorded = [recordedResponse('test_account_data_events/cloudtrail.DescribeTrails_3', { region: 'eu-west-1' })];
    const output = await cloudTrailClient(sim, custodian, { region: 'us-east-1' }).send(new DescribeTrailsCommand({}));
    expect(output.trailList?.map((trail) => trail.Name)).toEqual(['simulated-trail']);
  });

  it('replays a recorded error once, without the stale Date that makes the SDK retry', async () => {
    sim.scenario.recorded = [recordedResponse('test_cloudtrail_delete/cloudtrail.DeleteTrail_2', { trail: 'delete-me' })];
    const client = cloudTrailClient(sim, custodian, { maxAttempts: 3 });
    await expect(client.send(new DeleteTrailCommand({ Name: 'delete-me' }))).rejects.toMatchObject({
      name: 'TrailNotFoundException',
      message: 'Unknown trail: arn:aws:cloudtrail:us-east-1:644160558196:trail/delete-me for the user: 644160558196',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]).toMatchObject({ operation: 'DeleteTrail', status: 400, errorCode: 'TrailNotFoundException' });
  });

  it('replays a never-started trail with no time members, and advanced selectors', async () => {
    sim.scenario.recorded = [
      recordedResponse('test_cloudtrail_create/cloudtrail.GetTrailStatus_1', { trail: 'nosetest' }),
      recordedResponse('test_cloudtrail_fail_management_advanced_events_included/cloudtrail.GetEventSelectors_1'),
    ];
    const client = cloudTrailClient(sim, custodian);
    const status = await client.send(new GetTrailStatusCommand({ Name: 'nosetest' }));
    expect(status).toMatchObject({ IsLogging: false, TimeLoggingStarted: '', LatestDeliveryAttemptTime: '' });
    expect(status.StartLoggingTime).toBeUndefined();
    const selectors = await client.send(new GetEventSelectorsCommand({ TrailName: 'test-cloudtrail' }));
    expect(selectors.AdvancedEventSelectors?.[0]?.FieldSelectors?.map((selector) => selector.Field)).toEqual(['eventCategory', 'eventSource', 'readOnly']);
  });

  it('still applies faults before recordings', async () => {
    sim.scenario.recorded = [recordedResponse('test_account_data_events/cloudtrail.DescribeTrails_3')];
    sim.scenario.faults = [{ kind: 'accessDenied', operation: 'DescribeTrails' }];
    await expect(cloudTrailClient(sim, custodian).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
