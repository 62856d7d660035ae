import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, ListTagsCommand } from '@aws-sdk/client-cloudtrail';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { demoScenario, startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { cloudTrailClient, stsClient } from './sdk-clients.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator(demoScenario());
});
afterEach(async () => {
  await sim.close();
});

const account = (id: string): SimAccount => sim.scenario.accounts.find((candidate) => candidate.Id === id)!;
const workloads = () => account('222222222222');
const WORKLOADS_MAIN_ARN = 'arn:aws:cloudtrail:us-west-2:222222222222:trail/workloads-main-trail';

describe('injected faults', () => {
  it('denies access in one region only', async () => {
    sim.scenario.faults = [{ kind: 'accessDenied', accountId: '222222222222', region: 'eu-west-1' }];
    await expect(cloudTrailClient(sim, workloads(), { region: 'eu-west-1' }).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message:
        'User: arn:aws:iam::222222222222:user/inventory-reader is not authorized to perform: cloudtrail:DescribeTrails ' +
        'because no identity-based policy allows the cloudtrail:DescribeTrails action',
      $metadata: { httpStatusCode: 400 },
    });
    const elsewhere = await cloudTrailClient(sim, workloads(), { region: 'us-west-2' }).send(new DescribeTrailsCommand({}));
    expect(elsewhere.trailList?.length).toBe(2);
    const otherAccount = await cloudTrailClient(sim, account('333333333333'), { region: 'eu-west-1' }).send(new DescribeTrailsCommand({}));
    expect(otherAccount.trailList?.length).toBeGreaterThan(0);
  });

  it('throttles once, and the SDK succeeds on its second attempt', async () => {
    sim.scenario.faults = [{ kind: 'throttle', operation: 'DescribeTrails', times: 1 }];
    const output = await cloudTrailClient(sim, workloads(), { region: 'us-west-2', maxAttempts: 2 }).send(new DescribeTrailsCommand({}));
    expect(output.$metadata.attempts).toBe(2);
    expect(output.trailList?.length).toBe(2);
    expect(sim.calls.map((call) => [call.status, call.errorCode])).toEqual([
      [400, 'ThrottlingException'],
      [200, undefined],
    ]);
  });

  it('throttles every matching call when times is omitted', async () => {
    sim.scenario.faults = [{ kind: 'throttle', accountId: '222222222222' }];
    await expect(cloudTrailClient(sim, workloads()).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    await expect(cloudTrailClient(sim, workloads()).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('makes a listed trail vanish for per-trail calls (unknownTrail)', async () => {
    sim.scenario.faults = [{ kind: 'unknownTrail', trailArn: WORKLOADS_MAIN_ARN }];
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    const listed = await client.send(new DescribeTrailsCommand({}));
    expect(listed.trailList?.map((trail) => trail.TrailARN)).toContain(WORKLOADS_MAIN_ARN);
    await expect(client.send(new GetTrailStatusCommand({ Name: WORKLOADS_MAIN_ARN }))).rejects.toMatchObject({
      name: 'TrailNotFoundException',
      message: `Unknown trail: ${WORKLOADS_MAIN_ARN} for the user: 222222222222`,
    });
    await expect(client.send(new GetEventSelectorsCommand({ TrailName: 'workloads-main-trail' }))).rejects.toMatchObject({
      name: 'TrailNotFoundException',
    });
    await expect(client.send(new ListTagsCommand({ ResourceIdList: [WORKLOADS_MAIN_ARN] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('limits unknownTrail to one operation when it names one', async () => {
    sim.scenario.faults = [{ kind: 'unknownTrail', trailArn: WORKLOADS_MAIN_ARN, operation: 'GetEventSelectors' }];
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    expect((await client.send(new GetTrailStatusCommand({ Name: WORKLOADS_MAIN_ARN }))).IsLogging).toBe(true);
    await expect(client.send(new GetEventSelectorsCommand({ TrailName: WORKLOADS_MAIN_ARN }))).rejects.toMatchObject({
      name: 'TrailNotFoundException',
    });
  });

  it('answers HTTP 500 InternalFailure for internalError, then recovers', async () => {
    sim.scenario.faults = [{ kind: 'internalError', region: 'us-west-2', times: 1 }];
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    await expect(client.send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    expect((await client.send(new DescribeTrailsCommand({}))).trailList?.length).toBe(2);
  });

  it('leaves STS and EC2 alone', async () => {
    sim.scenario.faults = [{ kind: 'accessDenied' }, { kind: 'throttle' }];
    const identity = await stsClient(sim, workloads()).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('222222222222');
  });
});

describe('rate limit, transient errors and latency', () => {
  it('throttles calls above the per-account, per-region rate', async () => {
    // The bucket reads the clock: a fake one, still between calls, so the calls are as close together as the test says
    // however slowly a loaded machine runs them.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    sim.scenario.rateLimit = { callsPerSecond: 2 };
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    await client.send(new DescribeTrailsCommand({}));
    await client.send(new DescribeTrailsCommand({}));
    await expect(client.send(new DescribeTrailsCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    // Other regions and other accounts have their own buckets.
    await cloudTrailClient(sim, workloads(), { region: 'eu-west-1' }).send(new DescribeTrailsCommand({}));
    await cloudTrailClient(sim, account('333333333333'), { region: 'us-west-2' }).send(new DescribeTrailsCommand({}));
    // The bucket refills at callsPerSecond.
    vi.setSystemTime(Date.now() + 600);
    await client.send(new DescribeTrailsCommand({}));
  });

  it('fails a seeded, reproducible fraction of calls with InternalFailure', async () => {
    const outcomes = async (target: Simulator) => {
      const client = cloudTrailClient(target, workloads(), { region: 'us-west-2' });
      const results: string[] = [];
      for (let index = 0; index < 40; index += 1) {
        results.push(
          await client.send(new DescribeTrailsCommand({})).then(
            () => 'ok',
            (error: { name: string }) => error.name,
          ),
        );
      }
      return results;
    };
    sim.scenario.transientErrorRate = 0.3;
    sim.scenario.seed = 42;
    const first = await outcomes(sim);
    const failures = first.filter((outcome) => outcome === 'InternalFailure').length;
    expect(failures).toBeGreaterThan(4);
    expect(failures).toBeLessThan(24);
    expect(new Set(first)).toEqual(new Set(['ok', 'InternalFailure']));

    const again = await startSimulator({ ...demoScenario(), transientErrorRate: 0.3, seed: 42 });
    try {
      expect(await outcomes(again)).toEqual(first);
    } finally {
      await again.close();
    }
  });

  it('delays every response by latencyMs', async () => {
    sim.scenario.latencyMs = 120;
    const started = performance.now();
    await cloudTrailClient(sim, workloads(), { region: 'us-west-2' }).send(new DescribeTrailsCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });
});
