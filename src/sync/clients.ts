// The AWS clients a sync hands its collectors (collectors/collector.ts, AwsClients): one SDK client per service and
// region for the whole run, shared by every account, each call signed with its own account's credentials and counted
// against its account's limits. What every client would otherwise build and look up for itself (configuration,
// middleware, signer, endpoint) is done once per run: with a client per account, those cost more CPU than the calls.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, MetadataBearer, MiddlewareStack } from '@smithy/types';
import type { AwsClientClass, AwsClients } from '../../collectors/collector.js';
import { baseCredentials, type Credentials } from './credentials.js';
import { asAccountCall, currentAccountCall, type AccountCall } from './account-call.js';
import type { CallLimiter } from './limits.js';

/** What a probe client resolved that every client of the run shares (AWS_USE_FIPS_ENDPOINT, AWS_RETRY_MODE, ...). */
export type SharedClientSettings = Record<string, unknown>;

interface SdkClient {
  middlewareStack: MiddlewareStack<object, MetadataBearer>;
  send(...args: unknown[]): Promise<unknown>;
  config: { requestHandler?: unknown; signer?: (authScheme?: AuthScheme) => Promise<unknown> };
}

/** What the endpoint tells the signer: the scheme and where it signs for (the same for every call of one client). */
interface AuthScheme {
  name?: string;
  signingRegion?: string;
  signingName?: string;
}

/** Credentials the SDK uses as they are (not memoized again): the account's own provider, looked up per call. */
const accountCredentials: AwsCredentialIdentityProvider & { memoized: true } = Object.assign(
  (() => currentAccountCall().credentials()) as AwsCredentialIdentityProvider,
  { memoized: true as const },
);

/**
 * The part of the clients that is the same for every account of a run: settings read once, one pool of keep-alive
 * connections and request handler, and one client per service and region, whose calls take their account's
 * credentials and limits from the account that makes them. The endpoint configured for each service
 * (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL or the profile) is looked up by its clients once.
 */
export class RunClients {
  readonly agents = { httpAgent: new HttpAgent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) };
  private readonly clients = new Map<string, SdkClient>();
  /** The request handler the first client built from the run's handler settings, given to every later client. */
  private sharedHandler: unknown;
  /** The standard SDK chain, for accounts given no credentials: resolved once, refreshed before it expires. */
  private defaultCredentials: AwsCredentialIdentityProvider | undefined;

  constructor(
    readonly settings: SharedClientSettings,
    readonly limiter: CallLimiter,
    readonly options: { maxAttempts: number; requestHandler: Record<string, unknown> },
  ) {}

  /** The clients of one account: `limitKey` is the account id, or its label until the id is known. */
  forAccount(limitKey: string, credentials: Credentials | undefined): AccountClients {
    return new AccountClients(this, limitKey, this.credentialsOf(credentials));
  }

  /** The run's client of this service and region, built on first use. */
  shared(Client: AwsClientClass<unknown>, region: string, service: string): SdkClient {
    const key = `${service}/${region}/${Client.name}`;
    let client = this.clients.get(key);
    if (!client) {
      const config = {
        ...this.settings,
        credentials: accountCredentials,
        maxAttempts: this.options.maxAttempts,
        requestHandler: this.sharedHandler ?? { ...this.options.requestHandler, ...this.agents },
        // The middleware is resolved once per command type, not per call: no client adds middleware after its first call.
        cacheMiddleware: true,
        region,
      };
      client = new (Client as unknown as new (config: unknown) => SdkClient)(config);
      this.sharedHandler ??= client.config.requestHandler;
      this.limiter.attach(client, () => currentAccountCall(), region, service);
      reuseSigner(client);
      this.clients.set(key, client);
    }
    return client;
  }

  private credentialsOf(credentials: Credentials | undefined): AwsCredentialIdentityProvider {
    if (credentials === undefined) return (this.defaultCredentials ??= baseCredentials());
    if (typeof credentials === 'function') return credentials;
    const identity: AwsCredentialIdentity = credentials;
    return async () => identity;
  }

  /** Closes the shared connection pool (clients are not destroyed one by one: that would close it under the others). */
  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }
}

/** One account's view of the run's clients: each call it sends is signed with its credentials and counted as its own. */
export class AccountClients implements AwsClients {
  private readonly clients = new Map<string, unknown>();

  constructor(
    private readonly run: RunClients,
    /** The limiter's key for the account's calls: moved to the account id once GetCallerIdentity told it. */
    private limitKey: string,
    private readonly credentials: AwsCredentialIdentityProvider,
  ) {}

  /** From now on new clients count their calls against this key (the account id, once known). */
  limitAs(key: string): void {
    this.limitKey = key;
  }

  client<C>(Client: AwsClientClass<C>, region: string, service: string): C {
    const key = `${this.limitKey}/${service}/${region}/${Client.name}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      const shared = this.run.shared(Client as AwsClientClass<unknown>, region, service);
      const call: AccountCall = { limitKey: this.limitKey, credentials: this.credentials };
      // The shared client itself, but every send made as this account (the SDK's paginators call send too).
      client = Object.create(shared, {
        send: { value: (...args: unknown[]) => asAccountCall(call, () => shared.send(...args)) },
      }) as C;
      this.clients.set(key, client);
    }
    return client;
  }
}

/**
 * The SDK builds a new SigV4 signer for every call, copying the whole client configuration into it; a client of one
 * region and service signs every call the same way, so it keeps the signer its first call built (one per auth scheme).
 * The signer asks the credentials provider at every signing, so each call is still signed as its own account.
 */
function reuseSigner(client: SdkClient): void {
  const build = client.config.signer;
  if (!build) return;
  const signers = new Map<string, Promise<unknown>>();
  client.config.signer = (authScheme) => {
    const key = `${authScheme?.name}/${authScheme?.signingRegion}/${authScheme?.signingName}`;
    let signer = signers.get(key);
    if (!signer) {
      signer = build(authScheme);
      signers.set(key, signer);
      signer.catch(() => signers.delete(key)); // not kept: the next call builds again
    }
    return signer;
  };
}
