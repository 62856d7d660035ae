// The S3 bucket collector against the simulator, through the sync's own client factory (src/sync/clients.ts) and the
// real SDK reached by AWS_ENDPOINT_URL: every field, what each per-bucket call's failure leaves unknown, the account's
// Block Public Access through S3 Control's account-prefixed host, paging, and the region rules of S3.
import { request as httpRequest, Agent } from 'node:http';
import { GetBucketAclCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION, S3_BUCKETS_COLLECTOR, s3BucketsCollector } from '../../../../collectors/aws/s3/buckets.js';
import type { BucketRecord } from '../../../../src/model/bucket.js';
import type { ScopeResult } from '../../../../src/model/scope.js';
import { startSimulator, type Scenario, type SimAccount, type SimBucket, type Simulator } from '../../../../src/simulator/index.js';
import { canonicalUserId } from '../../../../src/simulator/s3/scenario.js';
import { RunClients } from '../../../../src/sync/clients.js';
import { CallLimiter, DEFAULT_LIMITS } from '../../../../src/sync/limits.js';
import { localEndpointAddress, localEndpointLookup, withAddressEndpoints } from '../../../../src/sync/local-endpoints.js';
import { sigV4Headers } from '../../../simulator/sdk-clients.js';
import { stubAwsEnv } from '../../../support/aws.js';
import { simAccount } from '../../../support/scenarios.js';

const OWNER = '111122223333';
const OTHER = '444455556666';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

const DENY_HTTP = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::owner-logs', 'arn:aws:s3:::owner-logs/*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  },
  null,
  2,
);
const PUBLIC_READ =
  '{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::owner-public/*" } ] }';

const BUCKETS: SimBucket[] = [
  {
    Name: 'owner-logs',
    Region: 'us-east-1',
    CreationDate: '2024-03-01T10:00:00Z',
    Policy: DENY_HTTP,
    PublicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    Logging: { TargetBucket: 'owner-access-logs', TargetPrefix: 'logs/' },
    Encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:us-east-1:111122223333:key/0b6f7e8a-2c4d-4e5f-8a9b-1c2d3e4f5a6b', BucketKeyEnabled: true },
    Versioning: { Status: 'Enabled', MFADelete: 'Enabled' },
    Tags: { Team: 'security', Environment: 'production' },
  },
  {
    Name: 'owner-public',
    Region: 'eu-west-1',
    LocationConstraint: 'EU',
    CreationDate: '2019-06-01T08:30:00Z',
    Policy: PUBLIC_READ,
    PolicyIsPublic: true,
    Grants: [{ Type: 'Group', URI: ALL_USERS, Permission: 'READ' }],
    Versioning: { Status: 'Suspended', MFADelete: 'Disabled' },
  },
  { Name: 'owner-plain', Region: 'us-west-2', CreationDate: '2025-01-15T00:00:00Z', Encryption: { SSEAlgorithm: 'AES256' } },
];

const owner = (extra: Partial<SimAccount> = {}): SimAccount =>
  simAccount(OWNER, [], {
    Buckets: BUCKETS,
    PublicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false },
    ...extra,
  });

let sim: Simulator | undefined;
let clients: RunClients | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await clients?.close();
  await sim?.close();
  sim = undefined;
  clients = undefined;
});

/** Runs the collector for `account` with the sync's client factory, the endpoint from AWS_ENDPOINT_URL. */
async function collect(scenario: Scenario, account: SimAccount, pageSize?: number): Promise<ScopeResult<BucketRecord>> {
  sim = await startSimulator(scenario);
  stubAwsEnv(sim);
  clients = new RunClients({}, new CallLimiter(DEFAULT_LIMITS), { maxAttempts: 1, requestHandler: {} });
  const accountClients = clients.forAccount(account.Id, { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey });
  const collector = pageSize === undefined ? S3_BUCKETS_COLLECTOR : s3BucketsCollector({ ListBuckets: pageSize });
  const scopes = await collector.collect({ accountId: account.Id, regions: ['us-east-1'], clients: accountClients });
  expect(scopes).toHaveLength(1);
  return scopes[0]!;
}

const byName = (scope: ScopeResult<BucketRecord>) => new Map(scope.assets.map((bucket) => [bucket.name, bucket]));
const callsOf = (service: string, operation: string) => sim!.calls.filter((c) => c.service === service && c.operation === operation);

describe('the S3 bucket collector', () => {
  it('records every field of each bucket in its own region, named as Cyscale names them', async () => {
    const scope = await collect({ accounts: [owner()] }, owner());
    expect([scope.assetType, scope.region, scope.status]).toEqual(['Bucket', 'us-east-1', 'ok']);
    const buckets = byName(scope);
    expect([...buckets.keys()]).toEqual(['owner-logs', 'owner-plain', 'owner-public']);
    const accountBlock = { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false };
    expect(buckets.get('owner-logs')).toEqual({
      arn: 'arn:aws:s3:::owner-logs',
      name: 'owner-logs',
      accountId: OWNER,
      region: 'us-east-1',
      tags: [
        { key: 'Environment', value: 'production' },
        { key: 'Team', value: 'security' },
      ],
      collectionErrors: [],
      raw: expect.objectContaining({
        GetBucketLocation: expect.any(Object),
        GetBucketPolicy: { Policy: DENY_HTTP },
        [ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION]: expect.any(Object),
      }),
      creationDate: '2024-03-01T10:00:00.000Z',
      // Compact, as the library's patterns read it; raw keeps the text as S3 returned it.
      policyDocument: JSON.stringify(JSON.parse(DENY_HTTP)),
      bucketPolicy: {
        statements: [
          {
            sid: 'DenyInsecureTransport',
            effect: 'Deny',
            principals: ['AWS|*'],
            actions: ['s3:*'],
            notActions: [],
            resources: ['arn:aws:s3:::owner-logs', 'arn:aws:s3:::owner-logs/*'],
            conditions: [{ operator: 'Bool', key: 'aws:SecureTransport', values: ['false'] }],
          },
        ],
      },
      policyIsPublic: false,
      hasBucketACLGrant: [
        { granteeType: 'CanonicalUser', granteeURI: '', granteeID: canonicalUserId(OWNER), granteeDisplayName: `account-${OWNER}`, permission: 'FULL_CONTROL' },
      ],
      aclOwnerID: canonicalUserId(OWNER),
      publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
      accountPublicAccessBlock: accountBlock,
      publicAccessBlocked: true,
      loggingEnabled: true,
      loggingTargetBucket: 'owner-access-logs',
      loggingTargetPrefix: 'logs/',
      encrypted: true,
      encryptionAlgorithm: 'aws:kms',
      encryptionKeyID: 'arn:aws:kms:us-east-1:111122223333:key/0b6f7e8a-2c4d-4e5f-8a9b-1c2d3e4f5a6b',
      bucketKeyEnabled: true,
      versioningStatus: 'Enabled',
      versioningEnabled: true,
      bucketVersioningMFADelete: true,
    });
    expect(buckets.get('owner-public')).toMatchObject({
      // The legacy EU constraint is eu-west-1.
      region: 'eu-west-1',
      tags: [],
      collectionErrors: [],
      policyDocument: JSON.stringify(JSON.parse(PUBLIC_READ)),
      policyIsPublic: true,
      hasBucketACLGrant: [
        expect.objectContaining({ granteeType: 'CanonicalUser', permission: 'FULL_CONTROL' }),
        { granteeType: 'Group', granteeURI: ALL_USERS, granteeID: '', granteeDisplayName: '', permission: 'READ' },
      ],
      // Nothing set on the bucket: all four false, and the account blocks only public ACLs.
      publicAccessBlock: { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false },
      publicAccessBlocked: false,
      loggingEnabled: false,
      loggingTargetBucket: '',
      loggingTargetPrefix: '',
      encrypted: false,
      encryptionAlgorithm: '',
      encryptionKeyID: '',
      bucketKeyEnabled: false,
      versioningStatus: 'Suspended',
      versioningEnabled: false,
      bucketVersioningMFADelete: false,
    });
    expect(buckets.get('owner-plain')).toMatchObject({
      region: 'us-west-2',
      policyDocument: '',
      bucketPolicy: { statements: [] },
      policyIsPublic: false,
      encrypted: true,
      encryptionAlgorithm: 'AES256',
      encryptionKeyID: '',
      versioningStatus: '',
      versioningEnabled: false,
      bucketVersioningMFADelete: false,
    });
    // One ListBuckets and one account-level call for the account; each bucket's calls in its own region.
    expect(callsOf('s3', 'ListBuckets')).toHaveLength(1);
    expect(callsOf('s3control', 'GetPublicAccessBlock').map((c) => [c.status, c.params])).toEqual([[200, { AccountId: OWNER }]]);
    expect(callsOf('s3', 'GetBucketAcl').map((c) => [c.params.Bucket, c.region, c.status])).toEqual(
      expect.arrayContaining([
        ['owner-logs', 'us-east-1', 200],
        ['owner-public', 'eu-west-1', 200],
        ['owner-plain', 'us-west-2', 200],
      ]),
    );
    expect(sim!.calls.filter((c) => c.status === 301)).toEqual([]);
  });

  it.each([
    ['GetBucketAcl', { hasBucketACLGrant: null, aclOwnerID: null }],
    ['GetBucketPolicy', { policyDocument: null, bucketPolicy: null }],
    ['GetBucketPolicyStatus', { policyIsPublic: null }],
    ['GetPublicAccessBlock', { publicAccessBlock: null, publicAccessBlocked: null }],
    ['GetBucketLogging', { loggingEnabled: null, loggingTargetBucket: null, loggingTargetPrefix: null }],
    ['GetBucketEncryption', { encrypted: null, encryptionAlgorithm: null, encryptionKeyID: null, bucketKeyEnabled: null }],
    ['GetBucketVersioning', { versioningStatus: null, versioningEnabled: null, bucketVersioningMFADelete: null }],
    ['GetBucketTagging', { tags: null }],
  ])('a denied %s leaves exactly the fields it feeds unknown, on that bucket alone', async (operation, unknown) => {
    const scenario: Scenario = { accounts: [owner()], faults: [{ kind: 'accessDenied', service: 's3', operation, resource: 'arn:aws:s3:::owner-logs' }] };
    const buckets = byName(await collect(scenario, owner()));
    sim!.scenario.faults = [];
    const denied = buckets.get('owner-logs')!;
    expect(denied.collectionErrors).toEqual([{ operation, code: 'AccessDenied', message: 'Access Denied' }]);
    expect(denied).toMatchObject(unknown);
    // Every other field is as without the fault.
    const fields = Object.keys(unknown);
    const whole = byName(await rerun(owner())).get('owner-logs')!;
    const rest = (bucket: BucketRecord) =>
      Object.fromEntries(Object.entries(bucket).filter(([field]) => !fields.includes(field) && field !== 'collectionErrors' && field !== 'raw'));
    expect(rest(denied)).toEqual(rest(whole));
    expect(byName(await rerun(owner())).get('owner-public')!.collectionErrors).toEqual([]);
  });

  it('reads the region from ListBuckets when GetBucketLocation is denied, and knows nothing of a bucket whose region it cannot tell', async () => {
    const scenario: Scenario = {
      accounts: [owner()],
      faults: [{ kind: 'accessDenied', service: 's3', operation: 'GetBucketLocation', resource: 'arn:aws:s3:::owner-public' }],
    };
    const bucket = byName(await collect(scenario, owner())).get('owner-public')!;
    expect(bucket.region).toBe('eu-west-1');
    expect(bucket.collectionErrors.map((e) => e.operation)).toEqual(['GetBucketLocation']);
    expect(bucket.versioningStatus).toBe('Suspended');
  });

  it('records the account Block Public Access as all off when none is set, and as unknown (with publicAccessBlocked) when S3 Control refuses', async () => {
    const unset = byName(await collect({ accounts: [owner({ PublicAccessBlock: undefined })] }, owner()));
    expect(unset.get('owner-plain')!.accountPublicAccessBlock).toEqual({
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
    expect(callsOf('s3control', 'GetPublicAccessBlock').map((c) => [c.status, c.errorCode])).toEqual([[404, 'NoSuchPublicAccessBlockConfiguration']]);
    await sim!.close();
    await clients!.close();
    const denied = byName(await collect({ accounts: [owner()], faults: [{ kind: 'accessDenied', service: 's3control' }] }, owner()));
    for (const bucket of denied.values()) {
      expect(bucket.accountPublicAccessBlock).toBeNull();
      expect(bucket.publicAccessBlocked).toBeNull();
      expect(bucket.collectionErrors).toEqual([{ operation: ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION, code: 'AccessDenied', message: 'Access Denied' }]);
    }
    // The bucket's own settings are still known.
    expect(denied.get('owner-logs')!.publicAccessBlock).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
  });

  it('pages ListBuckets with its continuation token, and fails the scope when ListBuckets fails', async () => {
    const scope = await collect({ accounts: [owner()] }, owner(), 2);
    expect(scope.assets.map((b) => b.name)).toEqual(['owner-logs', 'owner-plain', 'owner-public']);
    expect(callsOf('s3', 'ListBuckets').map((c) => [c.params['max-buckets'], c.params['continuation-token'] !== undefined])).toEqual([
      ['2', false],
      ['2', true],
    ]);
    await sim!.close();
    await clients!.close();
    const failed = await collect({ accounts: [owner()], faults: [{ kind: 'accessDenied', service: 's3', operation: 'ListBuckets' }] }, owner());
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'AccessDenied' }, assets: [] });
  });

  it('leaves out a bucket deleted after ListBuckets listed it', async () => {
    const account = owner({ Buckets: [...BUCKETS] });
    // The bucket is deleted as soon as ListBuckets has listed it.
    sim = await startSimulator(
      { accounts: [account] },
      { onCall: (call) => void (call.operation === 'ListBuckets' && (account.Buckets = account.Buckets!.filter((b) => b.Name !== 'owner-plain'))) },
    );
    stubAwsEnv(sim);
    clients = new RunClients({}, new CallLimiter(DEFAULT_LIMITS), { maxAttempts: 1, requestHandler: {} });
    const accountClients = clients.forAccount(OWNER, { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey });
    const [scope] = await S3_BUCKETS_COLLECTOR.collect({ accountId: OWNER, regions: ['us-east-1'], clients: accountClients });
    expect(scope!.assets.map((b) => b.name)).toEqual(['owner-logs', 'owner-public']);
    expect(sim.calls.filter((c) => c.errorCode === 'NoSuchBucket').map((c) => c.params.Bucket)).toEqual(['owner-plain']);
  });
});

/** The same collection again on a fresh simulator of the same data. */
async function rerun(account: SimAccount): Promise<ScopeResult<BucketRecord>> {
  await sim?.close();
  await clients?.close();
  return collect({ accounts: [account] }, account);
}

describe('the simulated S3', () => {
  const start = async () => {
    sim = await startSimulator({
      accounts: [owner(), simAccount(OTHER, [], { Buckets: [{ Name: 'other-bucket', Region: 'us-east-1', CreationDate: '2025-01-01T00:00:00Z' }] })],
    });
    return sim;
  };
  const credentials = { accessKeyId: `AKIATEST${OWNER}`, secretAccessKey: `secret/${OWNER}/test` };

  it('redirects a bucket request sent to another region (301 with x-amz-bucket-region), which the SDK follows when told to', async () => {
    const live = await start();
    const plain = new S3Client({ region: 'us-east-1', endpoint: live.url, credentials, maxAttempts: 1 });
    await expect(plain.send(new GetBucketAclCommand({ Bucket: 'owner-public' }))).rejects.toMatchObject({
      name: 'PermanentRedirect',
      $metadata: { httpStatusCode: 301 },
    });
    const following = new S3Client({ region: 'us-east-1', endpoint: live.url, credentials, maxAttempts: 1, followRegionRedirects: true });
    const output = await following.send(new GetBucketAclCommand({ Bucket: 'owner-public' }));
    expect(output.Grants?.map((g) => g.Permission)).toEqual(['FULL_CONTROL', 'READ']);
    expect(callsOf('s3', 'GetBucketAcl').map((c) => [c.region, c.status])).toEqual([
      ['us-east-1', 301],
      ['us-east-1', 301],
      ['eu-west-1', 200],
    ]);
    plain.destroy();
    following.destroy();
  });

  it("is followed by the sync's S3 clients, which the client factory builds with followRegionRedirects", async () => {
    const live = await start();
    stubAwsEnv(live);
    clients = new RunClients({}, new CallLimiter(DEFAULT_LIMITS), { maxAttempts: 1, requestHandler: {} });
    const s3 = clients.forAccount(OWNER, credentials).client(S3Client, 'us-east-1', 's3');
    expect((await s3.send(new GetBucketAclCommand({ Bucket: 'owner-public' }))).Grants).toHaveLength(2);
    expect(callsOf('s3', 'GetBucketAcl').map((c) => [c.region, c.status])).toEqual([
      ['us-east-1', 301],
      ['eu-west-1', 200],
    ]);
  });

  it("answers GetBucketLocation from any region, and another account's bucket with AccessDenied", async () => {
    const live = await start();
    const client = new S3Client({ region: 'ap-south-1', endpoint: live.url, credentials, maxAttempts: 1 });
    const { GetBucketLocationCommand } = await import('@aws-sdk/client-s3');
    expect((await client.send(new GetBucketLocationCommand({ Bucket: 'owner-logs' }))).LocationConstraint).toBeUndefined();
    expect((await client.send(new GetBucketLocationCommand({ Bucket: 'owner-plain' }))).LocationConstraint).toBe('us-west-2');
    await expect(client.send(new GetBucketLocationCommand({ Bucket: 'other-bucket' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(client.send(new GetBucketLocationCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    client.destroy();
  });

  it('takes virtual-hosted requests: the bucket before the endpoint host, or in an S3 host naming the region', async () => {
    const live = await start();
    // Against http://localhost:<port> the SDK addresses the bucket in the host (bucket.localhost), which the lookup resolves.
    const agent = new Agent({ keepAlive: false, lookup: localEndpointLookup });
    const client = new S3Client({
      region: 'eu-west-1',
      endpoint: `http://localhost:${live.port}`,
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    const output = await client.send(new GetBucketAclCommand({ Bucket: 'owner-public' }));
    expect(output.Owner?.ID).toBe(canonicalUserId(OWNER));
    expect(callsOf('s3', 'GetBucketAcl').map((c) => [c.params.Bucket, c.status])).toEqual([['owner-public', 200]]);
    client.destroy();
    // As S3 itself is addressed: bucket.s3.<region>.amazonaws.com, signed for another region than the host names.
    const raw = await rawGet(live, 'owner-public.s3.eu-west-1.amazonaws.com', '/?versioning', 'us-east-1');
    expect(raw.status).toBe(400);
    expect(raw.body).toContain('<Code>AuthorizationHeaderMalformed</Code>');
    expect(raw.body).toContain('<Region>eu-west-1</Region>');
    const right = await rawGet(live, 'owner-public.s3.eu-west-1.amazonaws.com', '/?versioning', 'eu-west-1');
    expect([right.status, right.body]).toEqual([200, expect.stringContaining('<Status>Suspended</Status>')]);
    // Sent to the wrong regional endpoint, signed for it: a redirect naming the bucket's region.
    const moved = await rawGet(live, 'owner-public.s3.us-west-2.amazonaws.com', '/?versioning', 'us-west-2');
    expect([moved.status, moved.headers['x-amz-bucket-region']]).toEqual([301, 'eu-west-1']);
  });

  it("refuses a request without x-amz-content-sha256 and names S3's own error codes", async () => {
    const live = await start();
    const missing = await rawGet(live, `127.0.0.1:${live.port}`, '/owner-logs?policy', 'us-east-1', false);
    expect([missing.status, missing.body]).toEqual([400, expect.stringContaining('<Code>InvalidRequest</Code>')]);
    const noPolicy = await rawGet(live, `127.0.0.1:${live.port}`, '/owner-plain?policy', 'us-west-2');
    expect(noPolicy.status).toBe(404);
    expect(noPolicy.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>NoSuchBucketPolicy<\/Code><Message>The bucket policy does not exist<\/Message><BucketName>owner-plain<\/BucketName>/,
    );
  });
});

describe('local endpoint host names', () => {
  it('are loopback under localhost; every other name is left to DNS', () => {
    expect(localEndpointAddress('111122223333.localhost')).toBe('127.0.0.1');
    expect(localEndpointAddress('my-bucket.LOCALHOST.')).toBe('127.0.0.1');
    expect(localEndpointAddress('111122223333.s3-control.us-east-1.amazonaws.com')).toBeUndefined();
    expect(localEndpointAddress('bucket.s3.amazonaws.com')).toBeUndefined();
    expect(localEndpointAddress('localhost.example.com')).toBeUndefined();
  });

  it('keep S3 Control on an endpoint given by address, and on AWS its account-prefixed host', async () => {
    const { S3ControlClient } = await import('@aws-sdk/client-s3-control');
    const client = new S3ControlClient({ region: 'us-east-1' });
    const config = client.config as unknown as { endpointProvider: (params: Record<string, unknown>) => { url: URL } };
    withAddressEndpoints(config);
    const url = (params: Record<string, unknown>) =>
      config.endpointProvider({ Region: 'us-east-1', AccountId: OWNER, RequiresAccountId: true, UseFIPS: false, UseDualStack: false, ...params }).url.href;
    expect(url({ Endpoint: 'http://127.0.0.1:4566' })).toBe('http://127.0.0.1:4566/');
    expect(url({ Endpoint: 'http://[::1]:4566' })).toBe('http://[::1]:4566/');
    expect(url({ Endpoint: 'http://localhost:4566' })).toBe(`http://${OWNER}.localhost:4566/`);
    expect(url({})).toBe(`https://${OWNER}.s3-control.us-east-1.amazonaws.com/`);
    client.destroy();
  });
});

/** A GET with a SigV4-shaped header for `region`, to `host` as the Host header, sent to the simulator. */
function rawGet(
  live: Simulator,
  host: string,
  path: string,
  region: string,
  withPayloadHash = true,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, ...sigV4Headers(`AKIATEST${OWNER}`, region, 's3') };
    if (withPayloadHash) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    const req = httpRequest({ host: '127.0.0.1', port: live.port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
