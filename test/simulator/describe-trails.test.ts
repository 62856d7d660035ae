import { DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS, demoScenario, startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { cloudTrailClient, rawCloudTrail, sigV4Headers } from './sdk-clients.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator(demoScenario());
});
afterEach(async () => {
  await sim.close();
});

const account = (id: string): SimAccount => sim.scenario.accounts.find((candidate) => candidate.Id === id)!;
const management = () => account('111111111111');
const workloads = () => account('222222222222');
const security = () => account('333333333333');

async function trailNames(who: SimAccount, region: string, input: ConstructorParameters<typeof DescribeTrailsCommand>[0] = {}) {
  const output = await cloudTrailClient(sim, who, { region }).send(new DescribeTrailsCommand(input));
  return (output.trailList ?? []).map((trail) => trail.Name).sort();
}

describe('DescribeTrails visibility', () => {
  it("lists a member's trails homed in the region, its multi-region trails homed elsewhere and the organization trail", async () => {
    const output = await cloudTrailClient(sim, workloads(), { region: 'eu-west-1' }).send(new DescribeTrailsCommand({}));
    const byName = new Map((output.trailList ?? []).map((trail) => [trail.Name, trail]));
    expect([...byName.keys()].sort()).toEqual(['acme-org-trail', 'eu-legacy-audit', 'workloads-main-trail']);
    expect(byName.get('workloads-main-trail')).toMatchObject({
      HomeRegion: 'us-west-2',
      TrailARN: 'arn:aws:cloudtrail:us-west-2:222222222222:trail/workloads-main-trail',
      IsMultiRegionTrail: true,
    });
    // The organization trail carries the management account's id in its ARN.
    expect(byName.get('acme-org-trail')).toMatchObject({
      TrailARN: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/acme-org-trail',
      HomeRegion: 'us-east-1',
      IsOrganizationTrail: true,
    });
  });

  it('shows a single-region trail only in its home region', async () => {
    expect(await trailNames(workloads(), 'us-east-1')).toEqual(['acme-org-trail', 'workloads-main-trail']);
    expect(await trailNames(workloads(), 'eu-west-1')).toContain('eu-legacy-audit');
  });

  it('shows the management account its organization trail once, as its own trail, and no member trails', async () => {
    expect(await trailNames(management(), 'us-east-1')).toEqual(['acme-org-trail']);
    expect(await trailNames(management(), 'ap-southeast-2')).toEqual(['acme-org-trail']);
  });

  it('shows a single-region organization trail to members only in its home region', async () => {
    management().Trails.push({ Name: 'org-eu-only', HomeRegion: 'eu-west-1', S3BucketName: 'b', IsMultiRegionTrail: false, IsOrganizationTrail: true, IsLogging: true });
    expect(await trailNames(security(), 'eu-west-1')).toContain('org-eu-only');
    expect(await trailNames(security(), 'eu-west-2')).not.toContain('org-eu-only');
  });

  it('with includeShadowTrails false returns only trails homed in the region, and no organization trails', async () => {
    expect(await trailNames(workloads(), 'eu-west-1', { includeShadowTrails: false })).toEqual(['eu-legacy-audit']);
    expect(await trailNames(workloads(), 'us-west-2', { includeShadowTrails: false })).toEqual(['workloads-main-trail']);
    expect(await trailNames(workloads(), 'us-east-1', { includeShadowTrails: false })).toEqual([]);
    expect(sim.calls.at(-1)?.params).toEqual({ includeShadowTrails: false });
  });

  it('shows no organization trails when the scenario has no organization', async () => {
    delete sim.scenario.organization;
    expect(await trailNames(workloads(), 'us-east-1')).toEqual(['workloads-main-trail']);
  });

  it("matches names only against the caller's trails homed in the region, and ARNs against any visible trail", async () => {
    const region = 'eu-west-1';
    expect(await trailNames(workloads(), region, { trailNameList: ['workloads-main-trail'] })).toEqual([]);
    expect(await trailNames(workloads(), region, { trailNameList: ['eu-legacy-audit'] })).toEqual(['eu-legacy-audit']);
    expect(await trailNames(workloads(), region, { trailNameList: ['acme-org-trail'] })).toEqual([]);
    expect(
      await trailNames(workloads(), region, {
        trailNameList: ['arn:aws:cloudtrail:us-west-2:222222222222:trail/workloads-main-trail', 'arn:aws:cloudtrail:us-east-1:111111111111:trail/acme-org-trail'],
      }),
    ).toEqual(['acme-org-trail', 'workloads-main-trail']);
  });

  it('reports HasCustomEventSelectors and HasInsightSelectors from the configured selectors', async () => {
    const output = await cloudTrailClient(sim, security(), { region: 'us-east-1' }).send(new DescribeTrailsCommand({}));
    const byName = new Map((output.trailList ?? []).map((trail) => [trail.Name, trail]));
    expect(byName.get('app-data-events')).toMatchObject({ HasCustomEventSelectors: true, HasInsightSelectors: false });
    expect(byName.get('security-insights-trail')).toMatchObject({ HasCustomEventSelectors: true, HasInsightSelectors: true });
    expect(byName.get('acme-org-trail')).toMatchObject({ HasCustomEventSelectors: false, HasInsightSelectors: false });
  });
});

describe('DescribeTrails wire form', () => {
  it('leaves KmsKeyId out of the body for an unencrypted trail instead of sending null', async () => {
    const output = await cloudTrailClient(sim, workloads(), { region: 'eu-west-1' }).send(new DescribeTrailsCommand({}));
    const legacy = output.trailList?.find((trail) => trail.Name === 'eu-legacy-audit');
    expect(legacy).toBeDefined();
    expect(legacy && 'KmsKeyId' in legacy).toBe(false);

    const rawBody = sim.calls.at(-1)?.responseBody ?? '';
    expect(rawBody).not.toContain('null');
    const rawTrails = (JSON.parse(rawBody) as { trailList: Array<Record<string, unknown>> }).trailList;
    const rawLegacy = rawTrails.find((trail) => trail.Name === 'eu-legacy-audit')!;
    expect(Object.keys(rawLegacy)).not.toContain('KmsKeyId');
    expect(Object.keys(rawLegacy)).not.toContain('SnsTopicName');
    expect(rawTrails.find((trail) => trail.Name === 'acme-org-trail')?.KmsKeyId).toBe('arn:aws:kms:us-east-1:111111111111:key/6f1d2c3b-8a4e-4f0b-9c7d-2e5a1b3c4d5e');
  });

  it('answers the legacy X-Amz-Target spelling of older clients', async () => {
    const response = await fetch(sim.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails',
        ...sigV4Headers(DEMO_CREDENTIALS[1]!.accessKeyId, 'us-west-2', 'cloudtrail'),
      },
      body: '{}',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { trailList: Array<{ Name: string }> };
    expect(body.trailList.map((trail) => trail.Name).sort()).toEqual(['acme-org-trail', 'workloads-main-trail']);
  });

  it('sends content-type, a fresh request id and no Date header', async () => {
    const headers = sigV4Headers(DEMO_CREDENTIALS[0]!.accessKeyId, 'us-east-1', 'cloudtrail');
    const first = await rawCloudTrail(sim, 'DescribeTrails', '{}', headers);
    const second = await rawCloudTrail(sim, 'DescribeTrails', '{}', headers);
    expect(first.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(first.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(second.headers.get('x-amzn-requestid')).not.toBe(first.headers.get('x-amzn-requestid'));
    expect(first.headers.get('date')).toBeNull();
  });

  it('is reachable through the standard AWS_ENDPOINT_URL variable', async () => {
    const previous = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = sim.url;
    try {
      const { CloudTrailClient } = await import('@aws-sdk/client-cloudtrail');
      const client = new CloudTrailClient({
        region: 'us-west-2',
        credentials: { accessKeyId: workloads().AccessKeyId, secretAccessKey: workloads().SecretAccessKey },
        maxAttempts: 1,
      });
      const output = await client.send(new DescribeTrailsCommand({}));
      expect(output.trailList?.length).toBe(2);
      expect(sim.calls.at(-1)).toMatchObject({ service: 'cloudtrail', region: 'us-west-2', accountId: '222222222222' });
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = previous;
    }
  });
});
