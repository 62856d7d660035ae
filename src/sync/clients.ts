// The AWS clients a sync hands its collectors (collectors/collector.ts, AwsClients): one SDK client per service and
// region for the whole run, shared by every account, each call signed with its own account's credentials and counted
// against its account's limits. What every client would otherwise build and look up for itself (configuration,
// middleware, signer, endpoint) is done once per run: with a client per account, those cost more CPU than the calls.
import * as crypto from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, MetadataBearer, MiddlewareStack, SourceData } from '@smithy/types';
import type { AwsClientClass, AwsClients } from '../../collectors/collector.js';
import { baseCredentials, credentialsProvider, type Credentials } from './credentials.js';
import { signingAccount, tagAccountCall, type AccountCall } from './account-call.js';
import { localEndpointLookup, withAddressEndpoints } from './local-endpoints.js';
import type { CallLimiter } from './limits.js';

/** Where a sync's collectors get each account's clients: RunClients in this thread, or SdkThreads spread over threads. */
export interface SyncClients {
  /** The clients of one account: `limitKey` is the account id, or its label until the id is known. */
  forAccount(limitKey: string, credentials: Credentials | undefined): AccountAwsClients;
  close(): Promise<void>;
}

/** One account's clients, whose calls count against the account's id once known. */
export interface AccountAwsClients extends AwsClients {
  /** From now on new clients count their calls against this key (the account id, once known). */
  limitAs(key: string): void;
}

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

/**
 * The client-wide credentials, which no call is signed with: each account's calls are signed by a signer of its own
 * (signAsEachAccount). The SDK still resolves them once per call before signing, so they answer, with keys AWS refuses.
 * A command that signs something itself with them (EC2 CopySnapshot's presigned URL) would be refused: no collector
 * sends one.
 */
const NO_CREDENTIALS: AwsCredentialIdentityProvider & { memoized: true } = Object.assign(
  async (): Promise<AwsCredentialIdentity> => ({ accessKeyId: 'NOT-AN-ACCOUNT', secretAccessKey: 'calls are signed with their own account' }),
  { memoized: true as const },
);

/**
 * The part of the clients that is the same for every account of a run: settings read once, one pool of keep-alive
 * connections and request handler, and one client per service and region, whose calls take their account's
 * credentials and limits from the account that makes them. The endpoint configured for each service
 * (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL or the profile) is looked up by its clients once.
 */
export class RunClients implements SyncClients {
  // The lookup lets the host names S3's rules make of a local endpoint reach it (src/sync/local-endpoints.ts).
  readonly agents = {
    httpAgent: new HttpAgent({ keepAlive: true, lookup: localEndpointLookup }),
    httpsAgent: new HttpsAgent({ keepAlive: true, lookup: localEndpointLookup }),
  };
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

  forAccount(limitKey: string, credentials: Credentials | undefined): AccountClients {
    return new AccountClients(
      this,
      limitKey,
      credentialsProvider(credentials, () => (this.defaultCredentials ??= baseCredentials())),
    );
  }

  /** The run's client of this service and region, built on first use. */
  shared(Client: AwsClientClass<unknown>, region: string, service: string): SdkClient {
    const key = `${service}/${region}/${Client.name}`;
    let client = this.clients.get(key);
    if (!client) {
      const config = {
        ...this.settings,
        credentials: NO_CREDENTIALS,
        signerConstructor: AccountSigners,
        maxAttempts: this.options.maxAttempts,
        requestHandler: this.sharedHandler ?? { ...this.options.requestHandler, ...this.agents },
        // The middleware is resolved once per command type, not per call: no client adds middleware after its first call.
        cacheMiddleware: true,
        // A bucket request sent to another region than the bucket's is retried in the region S3 names.
        ...(service === 's3' ? { followRegionRedirects: true } : {}),
        region,
      };
      client = new (Client as unknown as new (config: unknown) => SdkClient)(config);
      this.sharedHandler ??= client.config.requestHandler;
      if (service === 's3control') withAddressEndpoints(client.config as { endpointProvider?: never });
      this.limiter.attach(client, region, service);
      signAsEachAccount(client);
      withFastProperties(client.config);
      this.clients.set(key, client);
    }
    return client;
  }

  /** Closes the shared connection pool (clients are not destroyed one by one: that would close it under the others). */
  async close(): Promise<void> {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }
}

/** One account's view of the run's clients: each call it sends is signed with its credentials and counted as its own. */
export class AccountClients implements AccountAwsClients {
  private readonly clients = new Map<string, unknown>();

  constructor(
    private readonly run: RunClients,
    /** The limiter's key for the account's calls: moved to the account id once GetCallerIdentity told it. */
    private limitKey: string,
    private readonly credentials: AwsCredentialIdentityProvider,
  ) {}

  limitAs(key: string): void {
    this.limitKey = key;
  }

  client<C>(Client: AwsClientClass<C>, region: string, service: string): C {
    const key = `${this.limitKey}/${service}/${region}/${Client.name}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      const shared = this.run.shared(Client as AwsClientClass<unknown>, region, service);
      const call: AccountCall = { limitKey: this.limitKey, credentials: this.credentials };
      // The shared client itself, but every command it sends marked as this account's (the SDK's paginators call send too).
      client = Object.create(shared, {
        send: {
          value: (command: object, ...rest: unknown[]) => {
            try {
              tagAccountCall(command, call);
            } catch (error) {
              return Promise.reject(error);
            }
            return shared.send(command, ...rest);
          },
        },
      }) as C;
      this.clients.set(key, client);
    }
    return client;
  }
}

/** What the SDK's signer factory gives a signer constructor: the client's configuration, resolved for one auth scheme. */
type SignerParams = ConstructorParameters<typeof SignatureV4>[0];

/**
 * The signer constructor of the run's clients (the SDK's `signerConstructor` setting): what the SDK builds is not a
 * signer itself but the maker of one SigV4 signer per account, each asking its account's credentials at every signing.
 */
class AccountSigners {
  private readonly byAccount = new WeakMap<AwsCredentialIdentityProvider, SignatureV4>();

  constructor(private readonly params: SignerParams) {}

  forAccount(credentials: AwsCredentialIdentityProvider): SignatureV4 {
    let signer = this.byAccount.get(credentials);
    if (!signer) {
      const { applyChecksum, region, service, uriEscapePath } = this.params;
      signer = new SignatureV4({ applyChecksum, region, service, sha256: OneShotSha256, uriEscapePath, credentials });
      keepSigningKeys(signer);
      this.byAccount.set(credentials, signer);
    }
    return signer;
  }

  sign(): never {
    throw new Error('an AWS call reached the signer without its account: it cannot be signed');
  }
}

/**
 * SHA-256 and HMAC-SHA256 for the signers, each digest computed in one native call. The SDK's own hasher builds two
 * hash objects per plain digest (it digests a copy), five per signed call; building them is most of what hashing costs
 * for inputs of a few hundred bytes.
 */
export class OneShotSha256 implements Checksum {
  readonly digestLength = 32;
  private chunks: Uint8Array[] = [];

  constructor(private readonly secret?: SourceData) {}

  update(data: Uint8Array): void {
    this.chunks.push(data);
  }

  async digest(): Promise<Uint8Array> {
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const digest = this.secret === undefined ? sha256Of(data) : crypto.createHmac('sha256', asKey(this.secret)).update(data).digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  }

  reset(): void {
    this.chunks = [];
  }
}

/** `crypto.hash` came in Node 20.12; the project runs from 20.11, where one hash object does it. */
const sha256Of: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'buffer') : (data) => crypto.createHash('sha256').update(data).digest();

function asKey(secret: SourceData): string | Uint8Array {
  if (typeof secret === 'string') return secret;
  return ArrayBuffer.isView(secret) ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength) : new Uint8Array(secret);
}

type DeriveSigningKey = (credentials: AwsCredentialIdentity, region: string, shortDate: string, service?: string) => Promise<Uint8Array>;

/**
 * SigV4 derives a signing key per day, region and service with four HMACs; the SDK keeps the last 50 for the whole
 * process, which an organization's accounts × regions × services overflow, so each call derived its key again (about
 * 6% of a sync's CPU). Each account's signer keeps its own. Should the SDK rename the method, the SDK's cache applies.
 */
function keepSigningKeys(signer: SignatureV4): void {
  const own = signer as unknown as { getSigningKey?: DeriveSigningKey };
  const derive = own.getSigningKey?.bind(signer);
  if (!derive) return;
  const keys = new Map<string, Promise<Uint8Array>>();
  own.getSigningKey = (credentials, region, shortDate, service) => {
    const id = `${credentials.accessKeyId}\n${credentials.secretAccessKey}\n${credentials.sessionToken ?? ''}\n${shortDate}\n${region}\n${service ?? ''}`;
    let key = keys.get(id);
    if (!key) {
      if (keys.size >= 8) keys.clear(); // refreshed credentials and new days replace the old keys
      key = derive(credentials, region, shortDate, service);
      keys.set(id, key);
      key.catch(() => keys.delete(id));
    }
    return key;
  };
}

/**
 * The SDK builds a new signer for every call, copying the whole client configuration into it; a client of one region
 * and service signs every call the same way, so it keeps what its first call built (one per auth scheme) and hands
 * each call the signer of the account that sent it.
 */
function signAsEachAccount(client: SdkClient): void {
  const build = client.config.signer;
  if (!build) return;
  const built = new Map<string, Promise<unknown>>();
  client.config.signer = (authScheme) => {
    const { credentials } = signingAccount();
    const key = `${authScheme?.name}/${authScheme?.signingRegion}/${authScheme?.signingName}`;
    let signers = built.get(key);
    if (!signers) {
      signers = build(authScheme);
      built.set(key, signers);
      signers.catch(() => built.delete(key)); // not kept: the next call builds again
    }
    return signers.then((made) => (made as AccountSigners).forAccount(credentials));
  };
}

const ABSENT = Symbol('absent');
const lookUpAbsent = (through: Record<symbol, unknown>): unknown => through[ABSENT];

/**
 * The SDK copies the whole client configuration (some 45 settings) into a new object three times per call (to
 * serialize, to parse, to resolve the endpoint). The configuration it builds has its settings added one by one, so V8
 * keeps it as a dictionary, which copies about six times slower than an object with fast properties: a fifth of the
 * instructions a sync spends per call (README, Performance). V8 turns an object back into a fast one when lookups
 * through objects that inherit from it miss; the object, its settings and what the SDK does with them do not change.
 */
function withFastProperties(config: object): void {
  const heirs = [Object.create(config), Object.assign(Object.create(config), { heir: 2 })];
  for (let round = 0; round < 4; round += 1) for (const heir of heirs) lookUpAbsent(heir);
}
