// The AWS clients a sync hands its collectors (collectors/collector.ts, AwsClients): one SDK client per account, service
// and region, each with the run's shared settings, retries, request handler and the CallLimiter. What every client
// would otherwise look up for itself is looked up once per run: a client's own lookups cost more CPU than its calls.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { MiddlewareStack } from '@smithy/types';
import type { AwsClientClass, AwsClients } from '../../collectors/collector.js';
import type { Credentials } from './credentials.js';
import type { CallLimiter } from './limits.js';

/** What a probe client resolved that every client of the run shares (AWS_USE_FIPS_ENDPOINT, AWS_RETRY_MODE, ...). */
export type SharedClientSettings = Record<string, unknown>;

interface SdkClient {
  middlewareStack: MiddlewareStack<any, any>;
  config: { serviceConfiguredEndpoint?: () => Promise<string | undefined>; signer?: (authScheme?: AuthScheme) => Promise<unknown> };
}

/** What the endpoint tells the signer: the scheme and where it signs for (the same for every call of one client). */
interface AuthScheme {
  name?: string;
  signingRegion?: string;
  signingName?: string;
}

/**
 * The part of the clients' configuration that is the same for every account of a run: settings read once, one pool of
 * keep-alive connections (thousands of clients must not open thousands of connections), and the endpoint configured
 * for each service (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL or the profile), looked up by the first client of the
 * service and then given to the others, which would each look it up again through the environment and config files.
 */
export class RunClients {
  readonly agents = { httpAgent: new HttpAgent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) };
  /** Per service: the configured endpoint (a URL, or null for none), once the first client of the service found it. */
  private readonly endpoints = new Map<string, string | null>();
  private readonly probing = new Set<string>();
  /** The request handler the first client built from the run's handler settings, given to every later client. */
  private sharedHandler: unknown;

  constructor(
    readonly settings: SharedClientSettings,
    readonly limiter: CallLimiter,
    readonly options: { maxAttempts: number; requestHandler: Record<string, unknown> },
  ) {}

  /** The clients of one account: `limitKey` is the account id, or its label until the id is known. */
  forAccount(limitKey: string, credentials: Credentials | undefined): AccountClients {
    return new AccountClients(this, limitKey, credentials);
  }

  /** How a new client of `service` gets its endpoint: the one found for the service, or a lookup of its own for the first. */
  endpointConfig(service: string): Record<string, unknown> {
    const endpoint = this.endpoints.get(service);
    if (endpoint === undefined) return {};
    return endpoint === null ? { ignoreConfiguredEndpointUrls: true } : { endpoint };
  }

  /** The request handler a new client gets: the shared one once built, else the settings to build it from. */
  requestHandler(): unknown {
    return this.sharedHandler ?? { ...this.options.requestHandler, ...this.agents };
  }

  /** Keeps the first client's request handler (on the shared agents) for every later client: one handler, not one each. */
  shareRequestHandler(client: { config: { requestHandler?: unknown } }): void {
    this.sharedHandler ??= client.config.requestHandler;
  }

  /** Learns the service's configured endpoint from its first client (its own lookup, which it makes anyway). */
  learnEndpoint(service: string, client: SdkClient): void {
    if (this.endpoints.has(service) || this.probing.has(service)) return;
    const lookup = client.config.serviceConfiguredEndpoint;
    if (!lookup) return;
    this.probing.add(service);
    lookup().then(
      (endpoint) => this.endpoints.set(service, endpoint ?? null),
      () => this.probing.delete(service), // not learnt: the next client looks again
    );
  }

  /** Closes the shared connection pool (clients are not destroyed one by one: that would close it under the others). */
  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }
}

/** One account's clients: built on first use, one per service and region, every attempt passing the CallLimiter. */
export class AccountClients implements AwsClients {
  private readonly clients = new Map<string, unknown>();

  constructor(
    private readonly run: RunClients,
    /** The limiter's key for the account's calls: moved to the account id once GetCallerIdentity told it. */
    private limitKey: string,
    private readonly credentials: Credentials | undefined,
  ) {}

  /** From now on new clients count their calls against this key (the account id, once known). */
  limitAs(key: string): void {
    this.limitKey = key;
  }

  client<C>(Client: AwsClientClass<C>, region: string, service: string): C {
    const key = `${this.limitKey}/${service}/${region}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      const { settings, options, limiter } = this.run;
      const config = {
        ...settings,
        ...this.run.endpointConfig(service),
        ...(this.credentials ? { credentials: this.credentials } : {}),
        maxAttempts: options.maxAttempts,
        requestHandler: this.run.requestHandler(),
        // The middleware is resolved once per command type, not per call: no client adds middleware after its first call.
        cacheMiddleware: true,
        region,
      };
      client = new (Client as unknown as new (config: unknown) => C)(config);
      limiter.attach(client as unknown as SdkClient, this.limitKey, region, service);
      reuseSigner(client as unknown as SdkClient);
      this.run.shareRequestHandler(client as unknown as { config: { requestHandler?: unknown } });
      this.run.learnEndpoint(service, client as unknown as SdkClient);
      this.clients.set(key, client);
    }
    return client;
  }
}

/**
 * The SDK builds a new SigV4 signer for every call, copying the whole client configuration into it; a client of one
 * region and service signs every call the same way, so it keeps the signer its first call built (one per auth scheme),
 * with the same credentials provider, which still refreshes expiring credentials.
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
