// AWS Organizations over AWS JSON 1.1 (x-amz-target AWSOrganizationsV20161128.<Op>): ListAccounts and
// DescribeOrganization, for the organization the scenario describes, through the shared JSON request flow (json-service.ts).

import { createHash } from 'node:crypto';
import { AwsError } from './errors.js';
import type { SimResponse } from './exchange.js';
import { EpochSeconds, jsonErrorResponse, jsonResponse, toWireJson } from './json.js';
import { jsonService, type JsonCall, type JsonOperation } from './json-service.js';
import { decodePageToken, encodePageToken } from './page-tokens.js';
import type { Scenario, SimAccount } from './scenario.js';
import type { SimService } from './service.js';

export const ORGANIZATIONS_TARGET_PREFIX = 'AWSOrganizationsV20161128.';
export const ORGANIZATIONS_SIGNING_NAME = 'organizations';

/** ListAccounts page size: AWS allows 1..20 and uses 20 when MaxResults is left out. */
export const LIST_ACCOUNTS_MAX_RESULTS = 20;

/** Organizations' own errors carry the HTTP status of the service model (the SDK reads the code, not the status). */
const notInUse = () => new AwsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.', 404);
const accessDenied = () => new AwsError('AccessDeniedException', "You don't have permissions to access this resource.", 403);

/** InvalidInputException has a Reason member besides the message. */
class InvalidInput extends AwsError {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super('InvalidInputException', message);
  }
}

const OPERATIONS: Record<string, JsonOperation<JsonCall>> = { ListAccounts: listAccounts, DescribeOrganization: describeOrganization };

/** A global service: it answers whatever region the request is signed for. No faults or recordings apply to it. */
export const ORGANIZATIONS_SERVICE: SimService = jsonService({
  name: 'organizations',
  targetPrefixes: [ORGANIZATIONS_TARGET_PREFIX],
  signingName: ORGANIZATIONS_SIGNING_NAME,
  internalError: () => new AwsError('ServiceException', "AWS Organizations can't complete your request because of an internal service error. Try again later.", 500),
  operations: OPERATIONS,
  global: true,
  unknownOperations: 'refusedFirst',
  errorResponse,
});

function errorResponse(error: AwsError): SimResponse {
  if (error instanceof InvalidInput) {
    return jsonResponse(error.httpStatus, toWireJson({ __type: error.code, Message: error.message, Reason: error.reason }));
  }
  return jsonErrorResponse(error);
}

/** The organization id: the scenario's, or o- and 10 characters derived from the management account id. */
export function organizationId(scenario: Scenario): string {
  const organization = scenario.organization;
  if (organization === undefined) throw notInUse();
  if (organization.id !== undefined) return organization.id;
  const digest = createHash('sha256').update(`organization:${organization.managementAccountId}`).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `o-${[...digest.subarray(0, 10)].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

function describeOrganization({ scenario }: JsonCall): unknown {
  const id = organizationId(scenario);
  const managementId = scenario.organization!.managementAccountId;
  const management = scenario.accounts.find((account) => account.Id === managementId);
  return {
    Organization: {
      Id: id,
      Arn: `arn:aws:organizations::${managementId}:organization/${id}`,
      FeatureSet: 'ALL',
      MasterAccountArn: accountArn(managementId, id, managementId),
      MasterAccountId: managementId,
      MasterAccountEmail: management === undefined ? undefined : accountEmail(management),
      AvailablePolicyTypes: [],
    },
  };
}

/** Every scenario account in scenario order; only the management account (or a session in it) may ask. */
function listAccounts({ scenario, caller }: JsonCall, input: Record<string, unknown>): unknown {
  const id = organizationId(scenario);
  const managementId = scenario.organization!.managementAccountId;
  if (caller.Id !== managementId) throw accessDenied();

  const maxResults = input.MaxResults ?? LIST_ACCOUNTS_MAX_RESULTS;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults)) {
    throw new AwsError('SerializationException', 'Expected integer for member MaxResults.');
  }
  if (maxResults < 1) throw new InvalidInput('You provided a value that is less than the minimum allowed value.', 'MIN_VALUE_EXCEEDED');
  if (maxResults > LIST_ACCOUNTS_MAX_RESULTS) throw new InvalidInput('You provided a value that exceeds the maximum allowed value.', 'MAX_VALUE_EXCEEDED');

  const accounts = scenario.accounts;
  const start =
    input.NextToken === undefined || input.NextToken === null ? 0 : decodePageToken(input.NextToken, listAccountsScope(id), accounts.length, invalidNextToken);
  const end = Math.min(accounts.length, start + maxResults);
  const page = accounts.slice(start, end).map((account) => ({
    Id: account.Id,
    Arn: accountArn(managementId, id, account.Id),
    Email: accountEmail(account),
    Name: account.Name ?? `account-${account.Id}`,
    Status: account.Status ?? 'ACTIVE',
    State: account.Status ?? 'ACTIVE',
    JoinedMethod: account.Id === managementId ? 'INVITED' : 'CREATED',
    JoinedTimestamp: new EpochSeconds(joinedSeconds(account.Id)),
  }));
  return { Accounts: page, NextToken: end < accounts.length ? encodePageToken(listAccountsScope(id), end) : undefined };
}

function accountArn(managementId: string, organizationId: string, accountId: string): string {
  return `arn:aws:organizations::${managementId}:account/${organizationId}/${accountId}`;
}

function accountEmail(account: SimAccount): string {
  return account.Email ?? `aws+${account.Id}@example.com`;
}

/** A fixed join instant per account id (whole seconds within 2019..2022), so listings repeat exactly. */
function joinedSeconds(accountId: string): number {
  const spread = createHash('sha256').update(`joined:${accountId}`).digest().readUInt32BE(0) % (4 * 365 * 86_400);
  return Date.UTC(2019, 0, 1) / 1000 + spread;
}

/** ListAccounts tokens are bound to the organization. */
function listAccountsScope(organizationId: string): string {
  return `ListAccounts:${organizationId}`;
}

function invalidNextToken(): AwsError {
  return new InvalidInput('You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.', 'INVALID_NEXT_TOKEN');
}
