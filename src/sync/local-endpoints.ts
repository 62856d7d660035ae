// The host names AWS's endpoint rules make from a local endpoint (README, S3 buckets: "Local endpoints"). With an
// endpoint override (AWS_ENDPOINT_URL, how tests and emulators point the SDK), S3 Control's rules put the account id
// before the endpoint's host (`111122223333.localhost:4566`), and S3's rules the bucket's name before it for
// virtual-hosted requests. Under `localhost` such a name is the loopback address (RFC 6761), which the agents' lookup
// answers without DNS. Before an IP address no label can go at all (a URL's host that ends in a number must be an
// IPv4 address), so S3 Control's rules are asked for the endpoint itself, the account staying in x-amz-account-id.
// Real AWS endpoints are never either: their names are looked up and resolved as usual.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

/** The loopback address for a name under `localhost`, or undefined for a name DNS must resolve. */
export function localEndpointAddress(hostname: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') ? '127.0.0.1' : undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for an HTTP agent (net.connect's option): names under localhost are loopback, the rest go to DNS. */
export function localEndpointLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  const address = localEndpointAddress(hostname);
  if (address === undefined) {
    dnsLookup(hostname, options as LookupAllOptions, callback as (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void);
    return;
  }
  if (options.all) callback(null, [{ address, family: 4 }]);
  else callback(null, address, 4);
}

type EndpointProvider = (params: Record<string, unknown>, context?: unknown) => unknown;

/** Whether an endpoint override's host is an IP address, before which S3 Control's rules cannot put the account. */
export function isAddressEndpoint(endpoint: unknown): boolean {
  if (typeof endpoint !== 'string') return false;
  try {
    return isIP(new URL(endpoint).hostname.replace(/^\[|\]$/g, '')) !== 0;
  } catch {
    return false;
  }
}

/**
 * An S3 Control client whose endpoint rules, for an endpoint override on an IP address, give the endpoint itself
 * instead of the account-prefixed host the URL standard refuses (`111122223333.127.0.0.1`).
 */
export function withAddressEndpoints(config: { endpointProvider?: EndpointProvider }): void {
  const resolve = config.endpointProvider;
  if (resolve === undefined) return;
  config.endpointProvider = (params, context) =>
    resolve(params.RequiresAccountId === true && isAddressEndpoint(params.Endpoint) ? { ...params, RequiresAccountId: false } : params, context);
}
