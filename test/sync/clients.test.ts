// The run's SDK clients are shared by every account and every collector (src/sync/clients.ts): each call must still be
// signed with its own account's credentials and counted against its own account, also when it waited in the limiter
// behind other accounts' calls, and whichever collector (trails, KMS keys) made it.
import * as cloudtrail from '@aws-sdk/client-cloudtrail';
import * as kms from '@aws-sdk/client-kms';
import { createHash, createHmac } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AWS_COLLECTORS } from '../../collectors/aws/index.js';
import { silentLogger } from '../../src/log.js';
import type { SimKmsKey } from '../../src/simulator/index.js';
import { OneShotSha256, RunClients } from '../../src/sync/clients.js';
import { CallLimiter, DEFAULT_LIMITS } from '../../src/sync/limits.js';
import { syncInventory } from '../../src/sync/sync.js';
import { accountTargets, simulatedAwsPerTest } from '../support/aws.js';
import { simAccount, simTrail } from '../support/scenarios.js';

const setUp = simulatedAwsPerTest();
const IDS = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555', '666666666666'];
const REGIONS = ['us-east-1', 'eu-west-1'];
/** The scopes a sync of one account writes: each regional collector's regions, and one for a type listed once per account. */
const SCOPES_PER_ACCOUNT = AWS_COLLECTORS.reduce((n, collector) => n + (collector.definition.scope === 'regional' ? REGIONS.length : 1), 0);

/** A key per region whose id ends in its owner's account id: every call naming it names the account it belongs to. */
function ownKeys(id: string): SimKmsKey[] {
  return REGIONS.map((region, i) => ({ KeyId: `0000000${i}-0000-4000-8000-${id}`, Region: region, CreationDate: '2024-01-02T03:04:05Z' }));
}

describe('shared SDK clients', () => {
  it('sign every call as the account that makes it, though calls of many accounts queue in the same clients', async () => {
    const accountBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
    const { sim, store } = await setUp({
      accounts: IDS.map((id) => simAccount(id, [simTrail(`trail-${id}`, 'us-east-1')], { KmsKeys: ownKeys(id), PublicAccessBlock: accountBlock })),
    });
    // Two calls in flight in all: each call waits behind other accounts' calls and is let go by their completion.
    const summary = await syncInventory(store, {
      accounts: accountTargets(sim.scenario),
      regions: REGIONS,
      limits: { concurrency: 2, accountConcurrency: 1 },
      log: silentLogger,
      maxAttempts: 1,
    });

    expect(summary.accountFailures).toEqual([]);
    // Every collector ran over every account: the regional ones in every region, buckets once per account.
    expect(summary.runs.map((run) => run.collector)).toEqual(AWS_COLLECTORS.map((collector) => collector.definition.collector));
    expect(summary.totals).toMatchObject({ accounts: IDS.length, scopesOk: IDS.length * SCOPES_PER_ACCOUNT, scopesFailed: 0, new: IDS.length * 3 });
    // The simulator knows the caller by the access key that signed the call: no call was refused, and none was signed as
    // an account other than the one whose resources it names (every key id and ARN carries its owner's account id).
    expect(sim.calls.filter((call) => call.status !== 200)).toEqual([]);
    for (const call of sim.calls) {
      const named = new Set(JSON.stringify(call.params).match(/\b\d{12}\b/g) ?? []);
      expect(
        [...named].filter((accountId) => accountId !== call.accountId),
        `${call.service}:${call.operation} signed as ${call.accountId}`,
      ).toEqual([]);
    }
    // Every account made exactly its own calls, no more and no fewer: a call made with another account's keys would
    // show up in that account's list.
    const perRegion = (operations: string[]): string[] => REGIONS.flatMap(() => operations);
    for (const id of IDS) {
      const calls = sim.calls.filter((call) => call.accountId === id);
      expect(calls.map((call) => `${call.service}:${call.operation}`).sort()).toEqual(
        [
          ...perRegion(['cloudtrail:DescribeTrails']),
          'cloudtrail:GetEventSelectors',
          'cloudtrail:GetTrailStatus',
          'cloudtrail:ListTags',
          ...perRegion([
            'kms:ListKeys',
            'kms:ListAliases',
            'kms:DescribeKey',
            'kms:GetKeyRotationStatus',
            'kms:ListKeyRotations',
            'kms:GetKeyPolicy',
            'kms:ListResourceTags',
            'ec2:DescribeVpcs',
            'ec2:DescribeFlowLogs',
            'config:DescribeConfigurationRecorders',
            'config:DescribeConfigurationRecorderStatus',
          ]),
          // The accounts hold no metric filters, alarms or topics: one listing per region each.
          ...perRegion(['logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarms', 'sns:ListTopics']),
          'ec2:DescribeRegions',
          'sts:GetCallerIdentity',
          's3:ListBuckets',
          's3control:GetPublicAccessBlock',
        ].sort(),
      );
      // What each listing answered was stored under the account that owns it: the listings were signed as their account.
      const trails = await store.findTrails({ accountId: id });
      expect(trails.map((trail) => trail.name)).toEqual([`trail-${id}`]);
      const keys = await store.findAssetsOfType('KmsKey', { accountId: id });
      expect(keys.map((key) => key.arn).sort()).toEqual(
        ownKeys(id)
          .map((key) => `arn:aws:kms:${key.Region}:${id}:key/${key.KeyId}`)
          .sort(),
      );
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("build each command's middleware once per client, also for a sync that can be stopped (the CLI's)", async () => {
    // The SDK rebuilds the whole middleware stack for a call sent with per-call options (an abort signal, say), and that
    // rebuild costs more CPU than the rest of the call: collectors send without options.
    const commands = Object.entries({ ...cloudtrail, ...kms }).filter(([name, value]) => name.endsWith('Command') && typeof value === 'function');
    const builds = new Map<string, number>();
    const owners = new Set<object>();
    for (const [, Command] of commands) {
      // The method belongs to a class the command extends, not to the command's own prototype.
      let owner = (Command as { prototype: object }).prototype;
      while (owner && !Object.hasOwn(owner, 'resolveMiddleware')) owner = Object.getPrototypeOf(owner);
      if (!owner || owners.has(owner)) continue;
      owners.add(owner);
      const original = (owner as { resolveMiddleware: (...args: unknown[]) => unknown }).resolveMiddleware;
      vi.spyOn(owner as { resolveMiddleware: (...args: unknown[]) => unknown }, 'resolveMiddleware').mockImplementation(function (this: object, ...args: unknown[]) {
        const name = this.constructor.name;
        builds.set(name, (builds.get(name) ?? 0) + 1);
        return original.apply(this, args);
      });
    }
    const { sim, store } = await setUp({ accounts: IDS.map((id) => simAccount(id, [simTrail(`trail-${id}`, 'us-east-1')], { KmsKeys: ownKeys(id) })) });
    const summary = await syncInventory(store, { accounts: accountTargets(sim.scenario), regions: REGIONS, signal: new AbortController().signal, log: silentLogger });

    expect(summary.totals).toMatchObject({ scopesOk: IDS.length * SCOPES_PER_ACCOUNT, scopesFailed: 0 });
    const sent = new Map<string, number>();
    for (const call of sim.calls) sent.set(`${call.operation}Command`, (sent.get(`${call.operation}Command`) ?? 0) + 1);
    // Every command the sync sent was sent many times (once per account and region at least), and built at most once
    // per client: one client per service and region.
    expect([...builds.keys()].sort()).toEqual([...sent.keys()].filter((name) => commands.some(([command]) => command === name)).sort());
    for (const [name, count] of builds) {
      expect(sent.get(name), name).toBeGreaterThanOrEqual(IDS.length);
      expect(count, name).toBeLessThanOrEqual(REGIONS.length);
    }
  });

  it('keep each client’s configuration an object with fast properties, which the SDK copies three times per call', async () => {
    // V8's own answer, through its natives syntax (allowed from here on, for the functions compiled after this line).
    setFlagsFromString('--allow-natives-syntax');
    const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;
    const { sim } = await setUp({ accounts: [simAccount(IDS[0]!, [simTrail('trail', 'us-east-1')], { KmsKeys: ownKeys(IDS[0]!) })] });
    const account = sim.scenario.accounts[0]!;
    // What the SDK builds when left alone: its settings kept as a dictionary.
    expect(hasFastProperties(new kms.KMSClient({ region: 'us-east-1', endpoint: sim.url }).config)).toBe(false);

    const run = new RunClients({ endpoint: sim.url }, new CallLimiter(DEFAULT_LIMITS), { maxAttempts: 1, requestHandler: {} });
    try {
      const clients = run.forAccount(account.Id, { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey });
      const keys = clients.client(kms.KMSClient, 'us-east-1', 'kms');
      const trails = clients.client(cloudtrail.CloudTrailClient, 'us-east-1', 'cloudtrail');
      // Still so after calls, which set more of the configuration (the signing region and service).
      for (let i = 0; i < 3; i += 1) {
        await keys.send(new kms.ListKeysCommand({}));
        await trails.send(new cloudtrail.DescribeTrailsCommand({}));
      }
      expect(sim.calls.map((call) => call.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(hasFastProperties(keys.config)).toBe(true);
      expect(hasFastProperties(trails.config)).toBe(true);
    } finally {
      await run.close();
    }
  });

  it('hash for the signers as SHA-256 and HMAC-SHA256 do, whatever the chunks and the kind of key', async () => {
    const utf8 = (text: string) => new TextEncoder().encode(text);
    const digestOf = async (secret: string | Uint8Array | undefined, chunks: string[]) => {
      const hasher = new OneShotSha256(secret);
      for (const chunk of chunks) hasher.update(utf8(chunk));
      return Buffer.from(await hasher.digest()).toString('hex');
    };
    // FIPS 180-2's vector, then the empty input.
    expect(await digestOf(undefined, ['abc'])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await digestOf(undefined, [])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const request = 'POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:kms.us-east-1.amazonaws.com\n';
    expect(await digestOf(undefined, [request.slice(0, 10), request.slice(10), 'é'])).toBe(createHash('sha256').update(`${request}é`).digest('hex'));
    // RFC 4231's second HMAC-SHA256 vector, with the key as text and as bytes (a derived signing key is bytes).
    const rfc4231 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(await digestOf('Jefe', ['what do ya want ', 'for nothing?'])).toBe(rfc4231);
    expect(await digestOf(utf8('Jefe'), ['what do ya want for nothing?'])).toBe(rfc4231);
    const key = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).subarray(2, 8);
    expect(await digestOf(key, ['string to sign'])).toBe(createHmac('sha256', Buffer.from(key)).update('string to sign').digest('hex'));
    // Reset forgets what was given.
    const hasher = new OneShotSha256();
    hasher.update(utf8('discarded'));
    hasher.reset();
    hasher.update(utf8('abc'));
    expect(Buffer.from(await hasher.digest()).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hash the same where Node has no crypto.hash (before 20.12)', async () => {
    const nodeCrypto = createRequire(import.meta.url)('node:crypto') as { hash?: unknown };
    const hash = nodeCrypto.hash;
    nodeCrypto.hash = undefined;
    syncBuiltinESMExports();
    try {
      vi.resetModules();
      const { OneShotSha256: WithoutOneShot } = await import('../../src/sync/clients.js');
      expect(WithoutOneShot).not.toBe(OneShotSha256);
      const hasher = new WithoutOneShot();
      hasher.update(new TextEncoder().encode('abc'));
      expect(Buffer.from(await hasher.digest()).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    } finally {
      nodeCrypto.hash = hash;
      syncBuiltinESMExports();
      vi.resetModules();
    }
  });
});
