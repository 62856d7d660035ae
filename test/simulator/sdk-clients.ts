// Real AWS SDK v3 clients pointed at a running simulator, plus a raw-request helper for malformed input.

import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient, type Credentials as StsCredentials } from '@aws-sdk/client-sts';
import type { Simulator, SimAccount } from '../../src/simulator/index.js';

export interface ClientOptions {
  region?: string;
  /** 1 unless a test exercises retries. */
  maxAttempts?: number;
}

/** A scenario account's static keys, or AssumeRole session credentials (with their SessionToken). */
export type Credentials = Pick<SimAccount, 'AccessKeyId' | 'SecretAccessKey'> & { SessionToken?: string };

function config(sim: Simulator, who: Credentials, options: ClientOptions) {
  return {
    region: options.region ?? 'us-east-1',
    endpoint: sim.url,
    credentials: {
      accessKeyId: who.AccessKeyId,
      secretAccessKey: who.SecretAccessKey,
      ...(who.SessionToken === undefined ? {} : { sessionToken: who.SessionToken }),
    },
    maxAttempts: options.maxAttempts ?? 1,
  };
}

/** The Credentials member of an AssumeRole output, as client credentials. */
export function sessionCredentials(credentials: StsCredentials | undefined): Credentials {
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined || credentials.SessionToken === undefined) {
    throw new Error('AssumeRole returned no credentials');
  }
  return { AccessKeyId: credentials.AccessKeyId, SecretAccessKey: credentials.SecretAccessKey, SessionToken: credentials.SessionToken };
}

export const cloudTrailClient = (sim: Simulator, who: Credentials, options: ClientOptions = {}) => new CloudTrailClient(config(sim, who, options));
export const stsClient = (sim: Simulator, who: Credentials, options: ClientOptions = {}) => new STSClient(config(sim, who, options));
export const ec2Client = (sim: Simulator, who: Credentials, options: ClientOptions = {}) => new EC2Client(config(sim, who, options));
export const organizationsClient = (sim: Simulator, who: Credentials, options: ClientOptions = {}) => new OrganizationsClient(config(sim, who, options));

/** A syntactically valid SigV4 authorization header (the simulator reads the scope, not the signature). */
export function sigV4Headers(accessKeyId: string, region: string, service: string): Record<string, string> {
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261129/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    'x-amz-date': '20261129T120000Z',
  };
}

/** POSTs a hand-made CloudTrail JSON request and returns status and parsed body. */
export async function rawCloudTrail(
  sim: Simulator,
  operation: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(sim.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CloudTrail_20131101.${operation}`, ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export const kmsClient = (sim: Simulator, who: Credentials, options: ClientOptions = {}) => new KMSClient(config(sim, who, options));
