// The AWS query protocol's request side (STS and EC2): a form-encoded POST naming an Action and a Version.
import { peekCredentialScope } from './auth.js';
import type { SimRequest } from './exchange.js';
import type { SimCall } from './scenario.js';

/** The form parameters of a query-protocol request, e.g. { Action: 'DescribeRegions', Version: '2016-11-15', AllRegions: 'true' }. */
export type QueryParameters = Record<string, string>;

export function parseQueryBody(body: string): QueryParameters {
  const parameters: QueryParameters = {};
  for (const [key, value] of new URLSearchParams(body)) parameters[key] = value;
  return parameters;
}

/** Collects numbered list members: `RegionName.1=a&RegionName.2=b` gives ['a', 'b'] (in index order). */
export function listParameter(parameters: QueryParameters, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  return Object.entries(parameters)
    .map(([key, value]) => ({ index: Number(pattern.exec(key)?.[1]), value }))
    .filter((entry) => Number.isInteger(entry.index))
    .sort((a, b) => a.index - b.index)
    .map((entry) => entry.value);
}

export function isFormEncoded(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** Reads a query-protocol request and opens its call-log entry; the handler fills in the account and the outcome. */
export function startQueryCall(request: SimRequest, service: SimCall['service']): { parameters: QueryParameters; call: SimCall } {
  const parameters = parseQueryBody(request.body);
  const call: SimCall = {
    service,
    operation: parameters.Action ?? '',
    region: peekCredentialScope(request.headers)?.region ?? '',
    accountId: undefined,
    params: parameters,
    status: 0,
  };
  return { parameters, call };
}
