// AWS Organizations over AWS JSON 1.1 (x-amz-target AWSOrganizationsV20161128.<Op>): ListAccounts and
// DescribeOrganization, for the organization the scenario describes.

import { createHash } from 'node:crypto';
import { authenticate, JSON_AUTH_ERROR_CODES, peekCredentialScope } from './auth.js';
import { parseJsonBody } from './cloudtrail/input.js';
import { EpochSeconds, jsonErrorResponse, jsonResponse, toWireJson } from './json.js';
import { AwsError } from './errors.js';
import type { HandledRequest, SimRequest, SimResponse } from './exchange.js';
import type { Scenario, SimAccount, SimCall } from './scenario.js';
import { operationFromTarget, targetHeader, type SimService } from './service.js';
import type { SessionStore } from './sessions.js';

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

type Operation = (scenario: Scenario, caller: SimAccount, input: Record<string, unknown>) => unknown;

const OPERATIONS: Record<string, Operation> = { ListAccounts: listAccounts, DescribeOrganization: describeOrganization };

export const ORGANIZATIONS_SERVICE: SimService = {
  name: 'organizations',
  targetPrefixes: [ORGANIZATIONS_TARGET_PREFIX],
  handle: (request, { scenario, sessions }) => handleOrganizations(request, scenario, sessions),
};

export function handleOrganizations(request: SimRequest, scenario: Scenario, sessions: SessionStore): HandledRequest {
  const call: SimCall = {
    service: 'organizations',
    operation: operationFromTarget(targetHeader(request)),
    region: peekCredentialScope(request.headers)?.region ?? '',
    accountId: undefined,
    params: {},
    status: 0,
  };
  try {
    const auth = authenticate(request.headers, scenario, ORGANIZATIONS_SIGNING_NAME, sessions);
    if (!auth.ok) throw new AwsError(JSON_AUTH_ERROR_CODES[auth.reason], auth.message);
    call.accountId = auth.account.Id;
    const input = parseJsonBody(request.body);
    call.params = input;
    const operation = OPERATIONS[call.operation];
    if (operation === undefined) {
      throw new AwsError('UnknownOperationException', call.operation === '' ? 'Missing X-Amz-Target header.' : `Unknown operation ${call.operation}.`);
    }
    return { response: jsonResponse(200, toWireJson(operation(scenario, auth.account, input))), call };
  } catch (thrown) {
    const error = thrown instanceof AwsError ? thrown : new AwsError('ServiceException', 'AWS Organizations can\'t complete your request because of an internal service error. Try again later.', 500);
    call.errorCode = error.code;
    return { response: errorResponse(error), call };
  }
}

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

function describeOrganization(scenario: Scenario): unknown {
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
function listAccounts(scenario: Scenario, caller: SimAccount, input: Record<string, unknown>): unknown {
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
  const start = input.NextToken === undefined || input.NextToken === null ? 0 : decodeToken(input.NextToken, id, accounts.length);
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
  return { Accounts: page, NextToken: end < accounts.length ? encodeToken(id, end) : undefined };
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

/** Opaque page tokens: the next offset with a check value, so a made-up or foreign token is refused. */
function encodeToken(organizationId: string, offset: number): string {
  return Buffer.from(`${offset}:${tokenCheck(organizationId, offset)}`).toString('base64url');
}

function decodeToken(token: unknown, organizationId: string, total: number): number {
  const invalid = new InvalidInput(
    'You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.',
    'INVALID_NEXT_TOKEN',
  );
  if (typeof token !== 'string') throw invalid;
  const [offsetText = '', check] = Buffer.from(token, 'base64url').toString('utf8').split(':');
  const offset = Number(offsetText);
  if (!/^\d+$/.test(offsetText) || offset <= 0 || offset > total || check !== tokenCheck(organizationId, offset)) throw invalid;
  return offset;
}

function tokenCheck(organizationId: string, offset: number): string {
  return createHash('sha256').update(`ListAccounts:${organizationId}:${offset}`).digest('hex').slice(0, 16);
}
