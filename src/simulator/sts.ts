// STS over the AWS query protocol: GetCallerIdentity and AssumeRole, answered in XML like sts.amazonaws.com.

import { randomUUID } from 'node:crypto';
import { callerArn, findAccountById } from './accounts.js';
import { authenticate, type AuthFailureReason } from './auth.js';
import { AwsError } from './errors.js';
import type { HandledRequest, SimRequest, SimResponse } from './exchange.js';
import { startQueryCall, type QueryParameters } from './query.js';
import type { Scenario, SimAccount } from './scenario.js';
import type { SimService } from './service.js';
import { roleId, stableSuffix, type SessionStore, type SimSession } from './sessions.js';
import { element, textElement } from './xml.js';

export const STS_API_VERSION = '2011-06-15';
export const STS_SIGNING_NAME = 'sts';
const STS_XMLNS = `https://sts.amazonaws.com/doc/${STS_API_VERSION}/`;

const AUTH_ERRORS: Record<AuthFailureReason, { code: string; status: number }> = {
  missingToken: { code: 'MissingAuthenticationToken', status: 403 },
  incompleteSignature: { code: 'IncompleteSignature', status: 400 },
  wrongService: { code: 'SignatureDoesNotMatch', status: 403 },
  unknownAccessKey: { code: 'InvalidClientTokenId', status: 403 },
  expiredToken: { code: 'ExpiredToken', status: 403 },
};

/** AssumeRole DurationSeconds bounds, and the limit for a session that assumes another role (role chaining). */
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 43_200;
const DEFAULT_DURATION_SECONDS = 3600;
const ROLE_CHAINING_MAX_SECONDS = 3600;
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/** Every other query request: STS answers unknown actions and versions with InvalidAction, as sts.amazonaws.com does. */
export const STS_SERVICE: SimService = {
  name: 'sts',
  recognises: ({ form }) => form !== undefined,
  handle: (request, { scenario, sessions }) => handleSts(request, scenario, sessions),
};

export function handleSts(request: SimRequest, scenario: Scenario, sessions: SessionStore): HandledRequest {
  const { parameters, call } = startQueryCall(request, 'sts');
  try {
    const auth = authenticate(request.headers, scenario, STS_SIGNING_NAME, sessions);
    if (!auth.ok) {
      const { code, status } = AUTH_ERRORS[auth.reason];
      throw new AwsError(code, auth.message, status);
    }
    call.accountId = auth.account.Id;
    if (parameters.Action === undefined) throw new AwsError('MissingAction', 'Missing Action');
    if (parameters.Version === STS_API_VERSION) {
      if (parameters.Action === 'GetCallerIdentity') return { response: getCallerIdentity(auth.account), call };
      if (parameters.Action === 'AssumeRole') {
        return { response: assumeRole(scenario, sessions, auth.account, auth.session, parameters), call };
      }
    }
    throw new AwsError('InvalidAction', `Could not find operation ${parameters.Action} for version ${parameters.Version ?? 'NO_VERSION_SPECIFIED'}`);
  } catch (thrown) {
    const error = thrown instanceof AwsError ? thrown : new AwsError('InternalFailure', 'An internal error has occurred.', 500);
    call.errorCode = error.code;
    return { response: stsErrorResponse(error), call };
  }
}

function getCallerIdentity(account: SimAccount): SimResponse {
  const requestId = randomUUID();
  const body = element(
    'GetCallerIdentityResponse',
    [
      element('GetCallerIdentityResult', [textElement('Arn', callerArn(account)), textElement('UserId', userId(account)), textElement('Account', account.Id)]),
      element('ResponseMetadata', textElement('RequestId', requestId)),
    ],
    { xmlns: STS_XMLNS },
  );
  return xmlResponse(200, body, requestId);
}

/**
 * AWS's unique id of the principal: AIDA… for an IAM user, AROA…:<session> for an assumed role (the
 * role's id, the same one AssumeRole reports in AssumedRoleId). Stable per ARN.
 */
function userId(account: SimAccount): string {
  const arn = callerArn(account);
  const assumedRole = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumedRole) return `${roleId(assumedRole[1]!, assumedRole[2]!)}:${assumedRole[3]!}`;
  return `AIDA${stableSuffix(arn)}`;
}

/**
 * AssumeRole: the role must exist in the account its ARN names, trust the caller's account, and get the
 * ExternalId its trust policy asks for; a SUSPENDED account's roles cannot be assumed. Every refusal is the
 * same AccessDenied, as in AWS, which does not say which condition failed.
 */
function assumeRole(scenario: Scenario, sessions: SessionStore, caller: SimAccount, callerSession: SimSession | undefined, parameters: QueryParameters): SimResponse {
  const requestedArn = required(parameters, 'RoleArn', 'roleArn');
  const sessionName = required(parameters, 'RoleSessionName', 'roleSessionName');
  if (requestedArn.length < 20 || requestedArn.length > 2048) {
    throw validationError(
      `Value '${requestedArn}' at 'roleArn' failed to satisfy constraint: Member must have length ${requestedArn.length < 20 ? 'greater than or equal to 20' : 'less than or equal to 2048'}`,
    );
  }
  if (!ROLE_SESSION_NAME.test(sessionName)) {
    throw validationError(
      sessionName.length < 2 || sessionName.length > 64
        ? `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length ${sessionName.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64'}`
        : `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  const durationSeconds = durationParameter(parameters.DurationSeconds);
  if (callerSession !== undefined && durationSeconds > ROLE_CHAINING_MAX_SECONDS) {
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }

  const denied = new AwsError('AccessDenied', `User: ${callerArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${requestedArn}`, 403);
  const parsed = ROLE_ARN.exec(requestedArn);
  if (parsed === null) throw new AwsError('ValidationError', `${requestedArn} is invalid`);
  const [, accountId = '', roleName = ''] = parsed;
  const account = findAccountById(scenario, accountId);
  const role = account?.Roles?.find((candidate) => candidate.Name === roleName);
  if (account === undefined || role === undefined || (account.Status ?? 'ACTIVE') === 'SUSPENDED') throw denied;
  const trusted = role.TrustedAccountIds ?? scenario.accounts.map((candidate) => candidate.Id);
  if (!trusted.includes(caller.Id)) throw denied;
  if (role.ExternalId !== undefined && parameters.ExternalId !== role.ExternalId) throw denied;

  const lifetimeSeconds = scenario.sessionLifetimeSeconds ?? durationSeconds;
  const session = sessions.issue({
    accountId,
    roleName,
    sessionName,
    issuedToAccountId: caller.Id,
    expiresAt: Date.now() + lifetimeSeconds * 1000,
  });
  const requestId = randomUUID();
  const body = element(
    'AssumeRoleResponse',
    [
      element('AssumeRoleResult', [
        element('AssumedRoleUser', [textElement('AssumedRoleId', session.assumedRoleId), textElement('Arn', session.assumedRoleArn)]),
        element('Credentials', [
          textElement('AccessKeyId', session.accessKeyId),
          textElement('SecretAccessKey', session.secretAccessKey),
          textElement('SessionToken', session.sessionToken),
          // AWS writes whole seconds; truncating keeps the client's view of the expiry no later than ours.
          textElement('Expiration', new Date(Math.floor(session.expiresAt / 1000) * 1000).toISOString().replace('.000Z', 'Z')),
        ]),
      ]),
      element('ResponseMetadata', textElement('RequestId', requestId)),
    ],
    { xmlns: STS_XMLNS },
  );
  return xmlResponse(200, body, requestId);
}

function required(parameters: QueryParameters, name: string, memberName: string): string {
  const value = parameters[name];
  if (value === undefined) throw validationError(`Value null at '${memberName}' failed to satisfy constraint: Member must not be null`);
  return value;
}

function durationParameter(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DURATION_SECONDS;
  const seconds = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(seconds)) {
    throw validationError(`Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`);
  }
  if (seconds < MIN_DURATION_SECONDS) {
    throw validationError(
      `Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_DURATION_SECONDS}`,
    );
  }
  if (seconds > MAX_DURATION_SECONDS) {
    throw validationError(`Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${MAX_DURATION_SECONDS}`);
  }
  return seconds;
}

/** The form AWS's request validation speaks in (one failed constraint per request here). */
function validationError(detail: string): AwsError {
  return new AwsError('ValidationError', `1 validation error detected: ${detail}`);
}

/** `<ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>` */
export function stsErrorResponse(error: AwsError): SimResponse {
  const requestId = randomUUID();
  const body = element(
    'ErrorResponse',
    [
      element('Error', [textElement('Type', error.httpStatus >= 500 ? 'Receiver' : 'Sender'), textElement('Code', error.code), textElement('Message', error.message)]),
      textElement('RequestId', requestId),
    ],
    { xmlns: STS_XMLNS },
  );
  return xmlResponse(error.httpStatus, body, requestId);
}

function xmlResponse(status: number, body: string, requestId: string): SimResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}
