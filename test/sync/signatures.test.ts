// Every call of a sync carries a SigV4 signature that verifies with the secret key of the account that sent it, though
// the run's clients are shared by every account and each account's signer keeps its derived keys
// (src/sync/clients.ts). The verifier here follows AWS's documented algorithm ("Create a signed AWS API request"),
// with node:crypto only, independent of the SDK's signer.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudTrailClient, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunClients, type SyncClients } from '../../src/sync/clients.js';
import { CallLimiter, type SyncLimits } from '../../src/sync/limits.js';
import { SdkThreads } from '../../src/sync/sdk-threads.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
let refused = 0;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    received.push({ method: req.method!, path: req.url!, headers: req.headers, body });
    // Every other first attempt is refused with a 503, so retries are signed too.
    if (String(req.headers['amz-sdk-request']).startsWith('attempt=1;') && received.length % 2 === 0) {
      refused += 1;
      res.statusCode = 503;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      return void res.end('{"__type":"ServiceUnavailableException","message":"try again"}');
    }
    const action = new URLSearchParams(body).get('Action');
    if (action === 'DescribeRegions') {
      res.setHeader('content-type', 'text/xml');
      return void res.end('<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><regionInfo/></DescribeRegionsResponse>');
    }
    if (action === 'GetCallerIdentity') {
      res.setHeader('content-type', 'text/xml');
      return void res.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>',
      );
    }
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.end('{}');
  });
});

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** The signature AWS computes for this request with `secret`, from the headers the request says it signed. */
function expectedSignature(request: Received, secret: string): { accessKeyId: string; signature: string; computed: string } {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    String(request.headers.authorization),
  );
  if (!match) throw new Error(`not a SigV4 Authorization header: ${request.headers.authorization}`);
  const [, accessKeyId, day, region, service, signedHeaders, signature] = match as unknown as string[];
  const names = signedHeaders!.split(';');
  const canonicalHeaders = names.map((name) => `${name}:${String(request.headers[name]).trim()}\n`).join('');
  const canonicalRequest = [request.method, request.path, '', canonicalHeaders, signedHeaders, sha256(request.body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', request.headers['x-amz-date'], scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day!), region!), service!), 'aws4_request');
  return { accessKeyId: accessKeyId!, signature: signature!, computed: hmac(key, stringToSign).toString('hex') };
}

const LIMITS: SyncLimits = { concurrency: 8, accountConcurrency: 4, callsPerSecond: 1000 };
const CLIENTS: [string, (url: string) => SyncClients][] = [
  ['on the main thread', (url) => new RunClients({ endpoint: url }, new CallLimiter(LIMITS), { maxAttempts: 3, requestHandler: {} })],
  ['on SDK threads', (url) => new SdkThreads(2, { settings: { endpoint: url }, limits: LIMITS, maxAttempts: 3, requestHandler: {} })],
];

describe.each(CLIENTS)('signatures of the run’s shared clients %s', (_where, clientsAt) => {
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verify with the secret of the account that sent each call, across accounts, regions, services and refreshed keys', async () => {
    received.length = 0;
    refused = 0;
    const run = clientsAt(url);
    const secrets = new Map<string, string>();
    // Account 2's provider hands out new keys at every call, as an assumed role's refreshed session would: its keys
    // expire within the refresh window, so no copy of them is kept either.
    let refreshes = 0;
    const accounts = [
      run.forAccount('111111111111', { accessKeyId: 'AKIAONE', secretAccessKey: 'secret-one' }),
      run.forAccount('222222222222', async () => {
        refreshes += 1;
        const identity = {
          accessKeyId: `ASIATWO${refreshes}`,
          secretAccessKey: `secret-two-${refreshes}`,
          sessionToken: `token-${refreshes}`,
          expiration: new Date(Date.now() + 60_000),
        };
        secrets.set(identity.accessKeyId, identity.secretAccessKey);
        return identity;
      }),
      run.forAccount('333333333333', { accessKeyId: 'AKIATHREE', secretAccessKey: 'secret-three' }),
    ];
    secrets.set('AKIAONE', 'secret-one');
    secrets.set('AKIATHREE', 'secret-three');
    try {
      await Promise.all(
        ['us-east-1', 'eu-west-1'].flatMap((region) =>
          accounts.flatMap((account, i) =>
            Array.from({ length: 4 }, async () => {
              await account.client(CloudTrailClient, region, 'cloudtrail').send(new GetTrailStatusCommand({ Name: `trail-${i}` }));
              await account.client(KMSClient, region, 'kms').send(new DescribeKeyCommand({ KeyId: `key-${i}` }));
              // The query protocol (EC2, STS) as well as AWS JSON (CloudTrail, KMS).
              await account.client(EC2Client, region, 'ec2').send(new DescribeRegionsCommand({ RegionNames: [`region-${i}`] }));
              await account.client(STSClient, region, 'sts').send(new GetCallerIdentityCommand({}));
            }),
          ),
        ),
      );
    } finally {
      await run.close();
    }

    // 2 regions × 3 accounts × 4 rounds × 4 calls, and a retry of each refused attempt.
    expect(received).toHaveLength(2 * 3 * 4 * 4 + refused);
    expect(refused).toBeGreaterThan(10);
    for (const request of received) {
      const { accessKeyId, signature, computed } = expectedSignature(request, secrets.get(String(/Credential=([^/]+)/.exec(String(request.headers.authorization))![1]))!);
      expect(secrets.has(accessKeyId), `signed with ${accessKeyId}`).toBe(true);
      expect(signature, `${request.headers['x-amz-target']} signed by ${accessKeyId}`).toBe(computed);
      // A session's token travels with the keys it belongs to.
      expect(request.headers['x-amz-security-token']).toBe(accessKeyId.startsWith('ASIATWO') ? `token-${accessKeyId.slice(7)}` : undefined);
      // The call names the account that sent it (trail-i, key-i, region-i): it was signed by that account's keys.
      const sender = ['AKIAONE', 'ASIATWO', 'AKIATHREE'].findIndex((prefix) => accessKeyId.startsWith(prefix));
      if (!request.body.includes('Action=GetCallerIdentity')) expect(request.body).toMatch(new RegExp(`-${sender}("|&|$)`));
    }
    expect(refreshes).toBeGreaterThan(1);
  });
});
