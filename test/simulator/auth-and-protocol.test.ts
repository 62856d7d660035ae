import {
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  type GetTrailStatusCommandInput,
  type ListTagsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario, startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { cloudTrailClient, ec2Client, rawCloudTrail, sigV4Headers, stsClient } from './sdk-clients.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator(demoScenario());
});
afterEach(async () => {
  await sim.close();
});

const account = (id: string): SimAccount => sim.scenario.accounts.find((candidate) => candidate.Id === id)!;
const workloads = () => account('222222222222');
const stranger = { AccessKeyId: 'AKIAUNKNOWN000000000', SecretAccessKey: 'not-a-scenario-secret' };

describe('opt-in regions', () => {
  it('answers UnrecognizedClientException in an opt-in region the account has not enabled', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'ap-east-1' });
    await expect(client.send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(sim.calls.at(-1)).toMatchObject({ region: 'ap-east-1', accountId: '222222222222', errorCode: 'UnrecognizedClientException' });
  });

  it('answers normally in an opt-in region the account has enabled', async () => {
    const output = await cloudTrailClient(sim, account('333333333333'), { region: 'ap-east-1' }).send(new DescribeTrailsCommand({}));
    expect((output.trailList ?? []).map((trail) => trail.Name).sort()).toEqual(['acme-org-trail', 'security-insights-trail']);
  });
});

describe('credentials', () => {
  it('rejects an unknown access key the way each service does', async () => {
    await expect(cloudTrailClient(sim, stranger).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    await expect(stsClient(sim, stranger).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(ec2Client(sim, stranger).send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
      $metadata: { httpStatusCode: 401 },
    });
    expect(sim.calls.map((call) => [call.service, call.accountId, call.errorCode])).toEqual([
      ['cloudtrail', undefined, 'UnrecognizedClientException'],
      ['sts', undefined, 'InvalidClientTokenId'],
      ['ec2', undefined, 'AuthFailure'],
    ]);
  });

  it('answers MissingAuthenticationTokenException to an unsigned request', async () => {
    const response = await rawCloudTrail(sim, 'DescribeTrails', '{}', {});
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ __type: 'MissingAuthenticationTokenException', Message: 'Missing Authentication Token' });
  });

  it('answers MissingAuthenticationToken in STS XML to an unsigned query request', async () => {
    const response = await fetch(sim.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(body).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(body).toContain('<Type>Sender</Type>');
  });

  it('answers IncompleteSignatureException to a garbled authorization header', async () => {
    const response = await rawCloudTrail(sim, 'DescribeTrails', '{}', {
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIADEMO222222222222/20261129/us-east-1',
      'x-amz-date': '20261129T120000Z',
    });
    expect(response.status).toBe(400);
    expect(response.json.__type).toBe('IncompleteSignatureException');
    expect(response.json.Message).toContain("Authorization header requires 'Signature' parameter.");
  });

  it('answers InvalidSignatureException when the credential is scoped to another service', async () => {
    const response = await rawCloudTrail(sim, 'DescribeTrails', '{}', sigV4Headers(workloads().AccessKeyId, 'us-east-1', 'sts'));
    expect(response.json).toEqual({ __type: 'InvalidSignatureException', Message: "Credential should be scoped to correct service: 'cloudtrail'. " });
  });
});

describe('requests CloudTrail does not accept', () => {
  it('answers UnknownOperationException to an operation the simulator does not model', async () => {
    const client = cloudTrailClient(sim, workloads());
    await expect(client.send(new CreateTrailCommand({ Name: 'new-trail', S3BucketName: 'bucket' }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
  });

  it('answers UnknownOperationException when X-Amz-Target is missing', async () => {
    const response = await fetch(sim.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', ...sigV4Headers(workloads().AccessKeyId, 'us-east-1', 'cloudtrail') },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  it('answers SerializationException to a body that is not a JSON object or has mistyped members', async () => {
    const headers = sigV4Headers(workloads().AccessKeyId, 'us-west-2', 'cloudtrail');
    expect((await rawCloudTrail(sim, 'DescribeTrails', '{"trailNameList":', headers)).json.__type).toBe('SerializationException');
    expect((await rawCloudTrail(sim, 'DescribeTrails', '[]', headers)).json.__type).toBe('SerializationException');
    expect((await rawCloudTrail(sim, 'DescribeTrails', '{"includeShadowTrails":"no"}', headers)).json.__type).toBe('SerializationException');
    expect((await rawCloudTrail(sim, 'GetTrailStatus', '{"Name":42}', headers)).json.__type).toBe('SerializationException');
  });

  it('rejects a request without its required members', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    await expect(client.send(new GetTrailStatusCommand({} as GetTrailStatusCommandInput))).rejects.toMatchObject({
      name: 'InvalidTrailNameException',
      message: 'Trail name too short. Minimum allowed length: 3 characters. Specified name length: 0 characters.',
    });
    await expect(client.send(new ListTagsCommand({} as ListTagsCommandInput))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('rejects trail names that break the naming rules before looking them up', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    for (const name of ['ab', 'has space', '-leading-hyphen', 'double..dot', '10.0.0.1']) {
      await expect(client.send(new GetTrailStatusCommand({ Name: name }))).rejects.toMatchObject({ name: 'InvalidTrailNameException' });
    }
  });

  it('rejects a malformed trail ARN with CloudTrailARNInvalidException', async () => {
    const client = cloudTrailClient(sim, workloads(), { region: 'us-west-2' });
    await expect(client.send(new GetTrailStatusCommand({ Name: 'arn:aws:s3:::not-a-trail' }))).rejects.toMatchObject({
      name: 'CloudTrailARNInvalidException',
    });
  });
});

describe('call log', () => {
  it('records service, operation, region, account, parameters and outcome, and resets in place', async () => {
    const calls = sim.calls;
    await cloudTrailClient(sim, workloads(), { region: 'eu-west-1' }).send(new GetTrailStatusCommand({ Name: 'eu-legacy-audit' }));
    expect(calls).toEqual([
      expect.objectContaining({
        service: 'cloudtrail',
        operation: 'GetTrailStatus',
        region: 'eu-west-1',
        accountId: '222222222222',
        params: { Name: 'eu-legacy-audit' },
        status: 200,
      }),
    ]);
    expect(calls[0]?.errorCode).toBeUndefined();
    sim.resetCalls();
    expect(sim.calls).toBe(calls);
    expect(calls).toHaveLength(0);
  });
});
