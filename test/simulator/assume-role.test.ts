import { DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Scenario, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { cloudTrailClient, ec2Client, organizationsClient, sessionCredentials, stsClient, type Credentials } from './sdk-clients.js';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const OTHER = '333333333333';

function account(id: string, extra: Partial<SimAccount> = {}): SimAccount {
  return { Id: id, AccessKeyId: `AKIAROLES${id.slice(0, 11)}`, SecretAccessKey: `secret-${id}`, Trails: [], ...extra };
}

function rolesScenario(): Scenario {
  return {
    organization: { managementAccountId: MANAGEMENT },
    accounts: [
      account(MANAGEMENT, { Roles: [{ Name: 'Reader', TrustedAccountIds: [MANAGEMENT] }] }),
      account(MEMBER, {
        Roles: [
          { Name: 'Reader', TrustedAccountIds: [MANAGEMENT] },
          { Name: 'Partner', ExternalId: 'partner-7781' },
        ],
        Trails: [{ Name: 'member-trail', HomeRegion: 'eu-west-1', S3BucketName: 'member-logs', IsMultiRegionTrail: false, IsLogging: true }],
      }),
      // No TrustedAccountIds: the role trusts every account of the scenario.
      account(OTHER, { Roles: [{ Name: 'Reader' }] }),
    ],
  };
}

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator(rolesScenario());
});
afterEach(async () => {
  vi.useRealTimers();
  await sim.close();
});

/**
 * Stops the clock the simulator and the SDK read (timers still run): a one-second session then lasts until the test
 * moves the clock on with `later`, however slowly a loaded machine makes the calls.
 */
function stopTheClock(): void {
  vi.useFakeTimers({ toFake: ['Date'] });
}
const later = (ms: number) => vi.setSystemTime(Date.now() + ms);

const keys = (id: string): Credentials => sim.scenario.accounts.find((candidate) => candidate.Id === id)!;
const roleArn = (accountId: string, role: string) => `arn:aws:iam::${accountId}:role/${role}`;

async function assume(who: Credentials, input: Partial<AssumeRoleCommandInput> & { RoleArn: string }) {
  return stsClient(sim, who).send(new AssumeRoleCommand({ RoleSessionName: 'inventory', ...input }));
}

function accessDenied(callerArn: string, resource: string) {
  return {
    name: 'AccessDenied',
    message: `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${resource}`,
    $metadata: { httpStatusCode: 403 },
  };
}

describe('STS AssumeRole', () => {
  it('returns temporary credentials and the assumed-role user, and logs the call under the caller account', async () => {
    const before = Date.now();
    const output = await assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader') });
    const after = Date.now();
    expect(output.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(output.Credentials?.SecretAccessKey).toMatch(/^.{40}$/);
    expect(output.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    // Issued between before and after, for an hour, in whole seconds rounded down.
    const expiration = output.Credentials!.Expiration!.getTime();
    expect(expiration).toBeGreaterThan(before + 3600_000 - 1000);
    expect(expiration).toBeLessThanOrEqual(after + 3600_000);
    expect(output.AssumedRoleUser).toEqual({
      Arn: `arn:aws:sts::${MEMBER}:assumed-role/Reader/inventory`,
      AssumedRoleId: expect.stringMatching(/^AROA[A-Z0-9]{17}:inventory$/),
    });
    expect(sim.calls.at(-1)).toMatchObject({
      service: 'sts',
      operation: 'AssumeRole',
      accountId: MANAGEMENT,
      status: 200,
      params: { Action: 'AssumeRole', RoleArn: roleArn(MEMBER, 'Reader'), RoleSessionName: 'inventory' },
    });
    expect(sim.sessions.get(output.Credentials!.AccessKeyId!)).toMatchObject({ accountId: MEMBER, roleName: 'Reader', sessionName: 'inventory' });
  });

  it('issues a distinct access key per call and honours DurationSeconds', async () => {
    const first = await assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader') });
    const before = Date.now();
    const second = await assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader'), DurationSeconds: 900 });
    const after = Date.now();
    expect(second.Credentials?.AccessKeyId).not.toBe(first.Credentials?.AccessKeyId);
    expect(second.Credentials?.SessionToken).not.toBe(first.Credentials?.SessionToken);
    // Issued between before and after, for 900 s, in whole seconds rounded down.
    const expiration = second.Credentials!.Expiration!.getTime();
    expect(expiration).toBeGreaterThan(before + 900_000 - 1000);
    expect(expiration).toBeLessThanOrEqual(after + 900_000);
  });

  it('refuses DurationSeconds outside 900..43200 with ValidationError', async () => {
    for (const DurationSeconds of [899, 43_201]) {
      await expect(assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader'), DurationSeconds })).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringContaining(`Value '${DurationSeconds}' at 'durationSeconds' failed to satisfy constraint`),
        $metadata: { httpStatusCode: 400 },
      });
    }
    await expect(assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader'), DurationSeconds: 43_200 })).resolves.toBeDefined();
    expect(sim.sessions.size).toBe(1);
  });

  it('answers AccessDenied for a role that does not exist, in an account that does not exist too', async () => {
    const caller = `arn:aws:iam::${MANAGEMENT}:user/inventory-reader`;
    await expect(assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Nope') })).rejects.toMatchObject(accessDenied(caller, roleArn(MEMBER, 'Nope')));
    await expect(assume(keys(MANAGEMENT), { RoleArn: roleArn('999999999999', 'Reader') })).rejects.toMatchObject(accessDenied(caller, roleArn('999999999999', 'Reader')));
    expect(sim.calls.map((call) => [call.accountId, call.status, call.errorCode])).toEqual([
      [MANAGEMENT, 403, 'AccessDenied'],
      [MANAGEMENT, 403, 'AccessDenied'],
    ]);
    expect(sim.sessions.size).toBe(0);
  });

  it("answers AccessDenied when the role does not trust the caller's account", async () => {
    await expect(assume(keys(OTHER), { RoleArn: roleArn(MEMBER, 'Reader') })).rejects.toMatchObject(
      accessDenied(`arn:aws:iam::${OTHER}:user/inventory-reader`, roleArn(MEMBER, 'Reader')),
    );
    // A role without TrustedAccountIds trusts every account of the scenario, its own included.
    await expect(assume(keys(MEMBER), { RoleArn: roleArn(OTHER, 'Reader') })).resolves.toBeDefined();
    await expect(assume(keys(OTHER), { RoleArn: roleArn(OTHER, 'Reader') })).resolves.toBeDefined();
  });

  it('answers AccessDenied for a missing or wrong external id, and succeeds with the right one', async () => {
    const caller = `arn:aws:iam::${OTHER}:user/inventory-reader`;
    const partner = roleArn(MEMBER, 'Partner');
    await expect(assume(keys(OTHER), { RoleArn: partner })).rejects.toMatchObject(accessDenied(caller, partner));
    await expect(assume(keys(OTHER), { RoleArn: partner, ExternalId: 'partner-0000' })).rejects.toMatchObject(accessDenied(caller, partner));
    const output = await assume(keys(OTHER), { RoleArn: partner, ExternalId: 'partner-7781' });
    expect(output.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/Partner/inventory`);
    expect(sim.calls.at(-1)?.params).toMatchObject({ ExternalId: 'partner-7781' });
  });

  it('refuses to assume a role in a SUSPENDED account', async () => {
    sim.scenario.accounts[1]!.Status = 'SUSPENDED';
    await expect(assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader') })).rejects.toMatchObject(
      accessDenied(`arn:aws:iam::${MANAGEMENT}:user/inventory-reader`, roleArn(MEMBER, 'Reader')),
    );
  });
});

describe('session credentials', () => {
  it('identify the member account and its assumed role in CloudTrail, EC2 and STS', async () => {
    const output = await assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader') });
    const session = sessionCredentials(output.Credentials);

    const identity = await stsClient(sim, session).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: MEMBER,
      Arn: `arn:aws:sts::${MEMBER}:assumed-role/Reader/inventory`,
      UserId: output.AssumedRoleUser?.AssumedRoleId,
    });

    const trails = await cloudTrailClient(sim, session, { region: 'eu-west-1' }).send(new DescribeTrailsCommand({}));
    expect(trails.trailList?.map((trail) => trail.TrailARN)).toEqual([`arn:aws:cloudtrail:eu-west-1:${MEMBER}:trail/member-trail`]);

    const regions = await ec2Client(sim, session).send(new DescribeRegionsCommand({}));
    expect(regions.Regions?.length).toBeGreaterThan(0);

    expect(sim.calls.slice(1).map((call) => [call.service, call.operation, call.accountId, call.status])).toEqual([
      ['sts', 'GetCallerIdentity', MEMBER, 200],
      ['cloudtrail', 'DescribeTrails', MEMBER, 200],
      ['ec2', 'DescribeRegions', MEMBER, 200],
    ]);
  });

  it('name the assumed-role ARN in a CloudTrail AccessDeniedException', async () => {
    sim.scenario.faults = [{ kind: 'accessDenied', accountId: MEMBER, region: 'eu-west-1' }];
    const session = sessionCredentials((await assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader') })).Credentials);
    await expect(cloudTrailClient(sim, session, { region: 'eu-west-1' }).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(new RegExp(`^User: arn:aws:sts::${MEMBER}:assumed-role/Reader/inventory is not authorized`)),
    });
  });

  it('chain: a session assumes another role, acting as its assumed-role principal', async () => {
    const first = sessionCredentials((await assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader') })).Credentials);
    const chained = await assume(first, { RoleArn: roleArn(OTHER, 'Reader'), RoleSessionName: 'chained' });
    expect(chained.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${OTHER}:assumed-role/Reader/chained`);
    expect(sim.calls.at(-1)).toMatchObject({ operation: 'AssumeRole', accountId: MEMBER, status: 200 });
    const identity = await stsClient(sim, sessionCredentials(chained.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(OTHER);

    // Trust is checked against the session's account, and the denial names the session's ARN.
    await expect(assume(first, { RoleArn: roleArn(MEMBER, 'Reader') })).rejects.toMatchObject(
      accessDenied(`arn:aws:sts::${MEMBER}:assumed-role/Reader/inventory`, roleArn(MEMBER, 'Reader')),
    );
    // Role chaining limits a session to one hour.
    await expect(assume(first, { RoleArn: roleArn(OTHER, 'Reader'), DurationSeconds: 7200 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    });
  });

  it('are refused without their session token, or with a wrong one', async () => {
    const session = sessionCredentials((await assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader') })).Credentials);
    const withoutToken: Credentials = { AccessKeyId: session.AccessKeyId, SecretAccessKey: session.SecretAccessKey };
    const wrongToken: Credentials = { ...session, SessionToken: `${session.SessionToken!.slice(0, -4)}AAAA` };
    for (const who of [withoutToken, wrongToken]) {
      await expect(stsClient(sim, who).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
        message: 'The security token included in the request is invalid.',
        $metadata: { httpStatusCode: 403 },
      });
      await expect(cloudTrailClient(sim, who).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(ec2Client(sim, who).send(new DescribeRegionsCommand({}))).rejects.toMatchObject({ name: 'AuthFailure' });
      await expect(organizationsClient(sim, who).send(new DescribeOrganizationCommand({}))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
    }
    expect(sim.calls.slice(1).every((call) => call.accountId === undefined)).toBe(true);
  });

  it('expire after sessionLifetimeSeconds: every service answers ExpiredToken', async () => {
    stopTheClock();
    sim.scenario.sessionLifetimeSeconds = 1;
    const output = await assume(keys(MANAGEMENT), { RoleArn: roleArn(MEMBER, 'Reader'), DurationSeconds: 3600 });
    const session = sessionCredentials(output.Credentials);
    expect(output.Credentials!.Expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    await expect(stsClient(sim, session).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: MEMBER });

    later(1100);
    const expired = 'The security token included in the request is expired';
    await expect(cloudTrailClient(sim, session).send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'ExpiredTokenException',
      message: expired,
      $metadata: { httpStatusCode: 400 },
    });
    await expect(organizationsClient(sim, session).send(new DescribeOrganizationCommand({}))).rejects.toMatchObject({
      name: 'ExpiredTokenException',
      message: expired,
      $metadata: { httpStatusCode: 400 },
    });
    await expect(stsClient(sim, session).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'ExpiredToken',
      message: expired,
      $metadata: { httpStatusCode: 403 },
    });
    await expect(ec2Client(sim, session).send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'ExpiredToken',
      message: expired,
      $metadata: { httpStatusCode: 403 },
    });
    await expect(assume(session, { RoleArn: roleArn(OTHER, 'Reader') })).rejects.toMatchObject({ name: 'ExpiredToken' });
    expect(sim.errorCounts.get('ExpiredTokenException')).toBe(2);
    expect(sim.errorCounts.get('ExpiredToken')).toBe(3);
  });

  it("are refreshed by the SDK's fromTemporaryCredentials provider when they expire", async () => {
    stopTheClock();
    sim.scenario.sessionLifetimeSeconds = 1;
    const management = keys(MANAGEMENT);
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: sim.url,
      maxAttempts: 1,
      credentials: fromTemporaryCredentials({
        params: { RoleArn: roleArn(MEMBER, 'Reader'), RoleSessionName: 'refreshing' },
        masterCredentials: { accessKeyId: management.AccessKeyId, secretAccessKey: management.SecretAccessKey },
        clientConfig: { region: 'us-east-1', endpoint: sim.url, maxAttempts: 1 },
      }),
    });
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/Reader/refreshing`);
    later(1100);
    expect((await client.send(new GetCallerIdentityCommand({}))).Account).toBe(MEMBER);
    expect(sim.callCounts.get('sts.AssumeRole')).toBeGreaterThanOrEqual(2);
    expect(sim.errorCounts.size).toBe(0);
  });
});
