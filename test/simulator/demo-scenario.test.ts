import { DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_REGIONS,
  DEMO_ACCOUNT_IDS,
  DEMO_CREDENTIALS,
  DEMO_MANAGEMENT_ACCOUNT_ID,
  demoCredentials,
  demoScenario,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { cloudTrailClient, stsClient } from './sdk-clients.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator(demoScenario());
});
afterEach(async () => {
  await sim.close();
});

const asKeys = (accountId: string) => {
  const { accessKeyId, secretAccessKey } = demoCredentials(accountId);
  return { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey };
};

describe('demoScenario', () => {
  it('gives each demo account its own credentials', async () => {
    expect(DEMO_CREDENTIALS.map((entry) => entry.accountId)).toEqual([...DEMO_ACCOUNT_IDS]);
    for (const accountId of DEMO_ACCOUNT_IDS) {
      const identity = await stsClient(sim, asKeys(accountId)).send(new GetCallerIdentityCommand({}));
      expect(identity.Account).toBe(accountId);
    }
  });

  it('holds five distinct trails across the organization, two of them encrypted', async () => {
    const byArn = new Map<string, { KmsKeyId?: string }>();
    for (const accountId of DEMO_ACCOUNT_IDS) {
      for (const region of DEFAULT_REGIONS) {
        const output = await cloudTrailClient(sim, asKeys(accountId), { region }).send(new DescribeTrailsCommand({}));
        for (const trail of output.trailList ?? []) byArn.set(trail.TrailARN!, trail);
      }
    }
    expect([...byArn.keys()].sort()).toEqual([
      'arn:aws:cloudtrail:eu-central-1:333333333333:trail/security-insights-trail',
      'arn:aws:cloudtrail:eu-west-1:222222222222:trail/eu-legacy-audit',
      'arn:aws:cloudtrail:us-east-1:111111111111:trail/acme-org-trail',
      'arn:aws:cloudtrail:us-east-1:333333333333:trail/app-data-events',
      'arn:aws:cloudtrail:us-west-2:222222222222:trail/workloads-main-trail',
    ]);
    const encrypted = [...byArn].filter(([, trail]) => trail.KmsKeyId !== undefined).map(([arn]) => arn.split('/').pop());
    expect(encrypted.sort()).toEqual(['acme-org-trail', 'security-insights-trail']);
  });

  it('has a switched-off legacy trail with a stop time', async () => {
    const status = await cloudTrailClient(sim, asKeys('222222222222'), { region: 'eu-west-1' }).send(new GetTrailStatusCommand({ Name: 'eu-legacy-audit' }));
    expect(status.IsLogging).toBe(false);
    expect(status.StopLoggingTime).toBeInstanceOf(Date);
    expect(status.StopLoggingTime!.getTime()).toBeLessThan(Date.now());
  });

  it('returns a fresh copy each time, so one test cannot change another', () => {
    const first = demoScenario();
    first.accounts[0]!.Trails[0]!.KmsKeyId = undefined;
    expect(demoScenario().accounts[0]!.Trails[0]!.KmsKeyId).toMatch(/^arn:aws:kms:us-east-1:111111111111:key\//);
    expect(demoScenario().organization?.managementAccountId).toBe(DEMO_MANAGEMENT_ACCOUNT_ID);
  });
});
