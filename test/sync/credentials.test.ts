// The credentials of assumed roles: what each account's calls are signed with, and how many STS clients get them.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assumedRoleCredentials, type Credentials } from '../../src/sync/credentials.js';
import { simulatedAwsPerTest } from '../support/aws.js';
import { simAccount } from '../support/scenarios.js';

const setUp = simulatedAwsPerTest();
const MANAGEMENT = '111111111111';
const MEMBERS = ['222222222222', '333333333333', '444444444444', '555555555555'];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('assumed role credentials', () => {
  it('assume every role from the same credentials through one STS client, each as its own account', async () => {
    const { sim } = await setUp({
      accounts: [simAccount(MANAGEMENT, []), ...MEMBERS.map((id) => simAccount(id, [], { Roles: [{ Name: 'Reader', TrustedAccountIds: [MANAGEMENT] }] }))],
    });
    const management = sim.scenario.accounts[0]!;
    const source: Credentials = { accessKeyId: management.AccessKeyId, secretAccessKey: management.SecretAccessKey };
    const role = (id: string, from: Credentials) =>
      assumedRoleCredentials({
        roleArn: `arn:aws:iam::${id}:role/Reader`,
        sessionName: 'inventory',
        source: from,
        region: 'us-east-1',
        maxAttempts: 1,
        requestTimeoutMs: 5_000,
      });
    // Which client sent each AssumeRole: the SDK's own send, watched.
    const senders: unknown[] = [];
    const send = STSClient.prototype.send;
    vi.spyOn(STSClient.prototype, 'send').mockImplementation(function (this: STSClient, ...args: Parameters<typeof send>) {
      senders.push(this);
      return send.apply(this, args);
    } as typeof send);

    const identities = await Promise.all(MEMBERS.map((id) => role(id, source)()));
    expect(new Set(senders).size).toBe(1);
    expect(sim.callCounts.get('sts.AssumeRole')).toBe(MEMBERS.length);
    // Each set of keys is its own member's session.
    vi.restoreAllMocks();
    for (const [i, identity] of identities.entries()) {
      const caller = new STSClient({ region: 'us-east-1', maxAttempts: 1, credentials: identity });
      expect((await caller.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${MEMBERS[i]}:assumed-role/Reader/inventory`);
      caller.destroy();
    }

    // Other source credentials, even the same keys in another object, get a client of their own.
    senders.length = 0;
    vi.spyOn(STSClient.prototype, 'send').mockImplementation(function (this: STSClient, ...args: Parameters<typeof send>) {
      senders.push(this);
      return send.apply(this, args);
    } as typeof send);
    await role(MEMBERS[0]!, { ...source })();
    await role(MEMBERS[1]!, source)();
    expect(senders).toHaveLength(2);
    expect(senders[0]).not.toBe(senders[1]);
  });
});
