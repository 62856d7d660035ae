// Identifies the caller from the SigV4 `authorization` header. The signature itself is not verified:
// the access key id picks the SimAccount (or an AssumeRole session, which also needs its
// x-amz-security-token), and the credential scope gives the region and service.

import type { IncomingHttpHeaders } from 'node:http';
import { findAccountByAccessKey, findAccountById } from './accounts.js';
import type { Scenario, SimAccount } from './scenario.js';
import type { SessionStore, SimSession } from './sessions.js';

const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** A run of whitespace other than one lone space. */
const WHITESPACE_TO_COLLAPSE = /[^\S ]\s*| \s+/g;

/** `Credential=<AKID>/<yyyymmdd>/<region>/<service>/aws4_request` */
export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/** Why a request could not be attributed to an account; each service maps these to its own error code. */
/** The error code each failure gets from the JSON-protocol services (CloudTrail, Organizations). */
export const JSON_AUTH_ERROR_CODES: Record<AuthFailureReason, string> = {
  missingToken: 'MissingAuthenticationTokenException',
  incompleteSignature: 'IncompleteSignatureException',
  wrongService: 'InvalidSignatureException',
  unknownAccessKey: 'UnrecognizedClientException',
  expiredToken: 'ExpiredTokenException',
};

export type AuthFailureReason = 'missingToken' | 'incompleteSignature' | 'wrongService' | 'unknownAccessKey' | 'expiredToken';

/** The message every service gives with its ExpiredToken code. */
export const EXPIRED_TOKEN_MESSAGE = 'The security token included in the request is expired';

export type Authentication =
  /**
   * `account` is the caller as the services see it: for a session, the role's account with the
   * assumed-role ARN as its CallerArn (same Trails and Roles objects as the scenario's account).
   */
  { ok: true; account: SimAccount; scope: CredentialScope; session?: SimSession } | { ok: false; reason: AuthFailureReason; message: string; scope?: CredentialScope };

type ParsedAuthorization = { ok: true; scope: CredentialScope } | { ok: false; reason: 'missingToken' | 'incompleteSignature'; message: string };

/** The last header parsed and its result: routing, the call log and authentication each read the same request's header. */
let lastParsed: { authorization: string | undefined; dated: boolean; result: ParsedAuthorization } | undefined;

/** Reads the credential scope out of a SigV4 authorization header, reporting what AWS would complain about. */
export function parseAuthorization(headers: IncomingHttpHeaders): ParsedAuthorization {
  const authorization = headers.authorization;
  const dated = headers['x-amz-date'] !== undefined || headers.date !== undefined;
  if (lastParsed !== undefined && lastParsed.authorization === authorization && lastParsed.dated === dated) return lastParsed.result;
  const result = readAuthorization(authorization, dated);
  lastParsed = { authorization, dated, result };
  return result;
}

function readAuthorization(authorization: string | undefined, dated: boolean): ParsedAuthorization {
  if (authorization === undefined || authorization.trim() === '') {
    return { ok: false, reason: 'missingToken', message: 'Missing Authentication Token' };
  }
  // Every run of whitespace reads as one space; the SDK's header has none but single spaces, and is then not copied.
  const normalized = authorization.trim().replace(WHITESPACE_TO_COLLAPSE, ' ');
  const space = normalized.indexOf(' ');
  const algorithm = space < 0 ? normalized : normalized.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    return { ok: false, reason: 'incompleteSignature', message: `Unsupported Authorization Type. Authorization=${authorization}` };
  }
  const parameters = new Map<string, string>();
  for (const part of (space < 0 ? '' : normalized.slice(space + 1)).split(',')) {
    const separator = part.indexOf('=');
    if (separator > 0) parameters.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
  }
  const problems: string[] = [];
  for (const required of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!parameters.get(required)) problems.push(`Authorization header requires '${required}' parameter.`);
  }
  if (!dated) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (problems.length > 0) {
    return { ok: false, reason: 'incompleteSignature', message: `${problems.join(' ')} Authorization=${authorization}` };
  }
  const credential = parameters.get('Credential') ?? '';
  const [accessKeyId, date, region, service, terminator, ...extra] = credential.split('/');
  if (!accessKeyId || !date || !region || !service || terminator !== 'aws4_request' || extra.length > 0) {
    return {
      ok: false,
      reason: 'incompleteSignature',
      message: `Credential should be scoped to a valid region, service and terminated by 'aws4_request'. Credential=${credential}`,
    };
  }
  return { ok: true, scope: { accessKeyId, date, region, service } };
}

/**
 * Attributes a request for `expectedService` to one of the scenario's accounts: by its static access key,
 * or by an AssumeRole session that is still valid and whose session token the request carries.
 */
export function authenticate(headers: IncomingHttpHeaders, scenario: Scenario, expectedService: string, sessions?: SessionStore, now = Date.now()): Authentication {
  const parsed = parseAuthorization(headers);
  if (!parsed.ok) return parsed;
  const { scope } = parsed;
  if (scope.service !== expectedService) {
    return { ok: false, reason: 'wrongService', message: `Credential should be scoped to correct service: '${expectedService}'. `, scope };
  }
  const invalid = { ok: false, reason: 'unknownAccessKey', message: 'The security token included in the request is invalid.', scope } as const;
  const account = findAccountByAccessKey(scenario, scope.accessKeyId);
  if (account !== undefined) return { ok: true, account, scope };

  const session = sessions?.find(scope.accessKeyId);
  if (session === undefined) return invalid;
  const token = headers['x-amz-security-token'];
  if ((Array.isArray(token) ? token[0] : token) !== session.sessionToken) return invalid;
  const roleAccount = findAccountById(scenario, session.accountId);
  if (roleAccount === undefined) return invalid;
  if (now >= session.expiresAt) return { ok: false, reason: 'expiredToken', message: EXPIRED_TOKEN_MESSAGE, scope };
  return { ok: true, account: { ...roleAccount, CallerArn: session.assumedRoleArn }, scope, session };
}

/** The credential scope's region and service when the header can be read, for routing and the call log. */
export function peekCredentialScope(headers: IncomingHttpHeaders): CredentialScope | undefined {
  const parsed = parseAuthorization(headers);
  return parsed.ok ? parsed.scope : undefined;
}
