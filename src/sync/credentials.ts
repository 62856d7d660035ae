// Credentials for the accounts a sync reaches: the standard SDK chain, and roles assumed from it that are refreshed
// before they expire, so a sync that runs for hours never signs a call with expired keys.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Credentials are renewed when they have less than this left: the SDK's own refresh window. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

export { DEFAULT_REQUEST_TIMEOUT_MS } from './settings.js';

/** How every client of a sync connects: a call that does not answer in time fails, it does not hang the run. */
export function requestHandlerConfig(requestTimeoutMs: number) {
  return { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true, connectionTimeout: 10_000 };
}

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** The default chain (environment, profiles, SSO, container and instance roles), resolved once and shared. */
export function baseCredentials(): AwsCredentialIdentityProvider {
  return refreshing(fromNodeProviderChain());
}

/** An account's credentials as a provider: keys as given, and none as the default chain (`defaults`, one per run). */
export function credentialsProvider(credentials: Credentials | undefined, defaults: () => AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  if (credentials === undefined) return defaults();
  if (typeof credentials === 'function') return credentials;
  const identity: AwsCredentialIdentity = credentials;
  return async () => identity;
}

export interface AssumeRole {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  /** The credentials that assume the role; the default chain when omitted. */
  source?: Credentials;
  /** The region whose STS endpoint answers AssumeRole. */
  region: string;
  maxAttempts: number;
  /** Milliseconds before an AssumeRole call is abandoned. */
  requestTimeoutMs: number;
}

/** An assumed role's credentials, shared by every client of the account: one AssumeRole per refresh, not one per client. */
export function assumedRoleCredentials(role: AssumeRole): AwsCredentialIdentityProvider {
  const params = { RoleArn: role.roleArn, RoleSessionName: role.sessionName, ...(role.externalId ? { ExternalId: role.externalId } : {}) };
  return refreshing(async () => {
    const { Credentials: issued } = await stsClientFor(role).send(new AssumeRoleCommand(params));
    if (!issued?.AccessKeyId || !issued.SecretAccessKey) throw new Error(`STS answered AssumeRole of ${role.roleArn} without credentials`);
    return { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey, sessionToken: issued.SessionToken, expiration: issued.Expiration };
  });
}

/** The STS clients that assume roles, by the credentials that assume them, then by their settings. */
const stsClients = new WeakMap<object, Map<string, STSClient>>();
/** Stands for the default chain, for roles assumed without a source. */
const DEFAULT_CHAIN = {};

/**
 * One STS client for every role assumed from the same credentials with the same settings (an organization's members
 * from its management credentials): a client per role resolved its configuration and opened its connection again for
 * each of hundreds of accounts.
 */
function stsClientFor(role: AssumeRole): STSClient {
  const source = role.source ?? DEFAULT_CHAIN;
  let bySettings = stsClients.get(source);
  if (!bySettings) stsClients.set(source, (bySettings = new Map()));
  const settings = `${role.region}\n${role.maxAttempts}\n${role.requestTimeoutMs}`;
  let client = bySettings.get(settings);
  if (!client) {
    client = new STSClient({
      region: role.region,
      maxAttempts: role.maxAttempts,
      requestHandler: requestHandlerConfig(role.requestTimeoutMs),
      // Without a source, the default chain, as the SDK's own clients have it.
      ...(role.source ? { credentials: role.source } : {}),
    });
    bySettings.set(settings, client);
  }
  return client;
}

/**
 * Caches credentials until they come within REFRESH_BEFORE_EXPIRY_MS of expiring, then fetches new ones once, however
 * many calls ask at the same moment. A failed fetch is not cached: the next call tries again.
 */
export function refreshing(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    if (current && !expiresSoon(current)) return current;
    pending ??= provider()
      .then((fresh) => (current = fresh))
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

function expiresSoon(credentials: AwsCredentialIdentity): boolean {
  return credentials.expiration !== undefined && credentials.expiration.getTime() - Date.now() < REFRESH_BEFORE_EXPIRY_MS;
}
