// STS over the AWS query protocol: GetCallerIdentity, answered in XML like sts.amazonaws.com.

import { createHash, randomUUID } from 'node:crypto';
import { callerArn } from './accounts.js';
import { authenticate, type AuthFailureReason } from './auth.js';
import { AwsError } from './errors.js';
import type { HandledRequest, SimRequest, SimResponse } from './exchange.js';
import { startQueryCall } from './query.js';
import type { Scenario, SimAccount } from './scenario.js';
import { element, textElement } from './xml.js';

export const STS_API_VERSION = '2011-06-15';
export const STS_SIGNING_NAME = 'sts';
const STS_XMLNS = `https://sts.amazonaws.com/doc/${STS_API_VERSION}/`;

const AUTH_ERRORS: Record<AuthFailureReason, { code: string; status: number }> = {
  missingToken: { code: 'MissingAuthenticationToken', status: 403 },
  incompleteSignature: { code: 'IncompleteSignature', status: 400 },
  wrongService: { code: 'SignatureDoesNotMatch', status: 403 },
  unknownAccessKey: { code: 'InvalidClientTokenId', status: 403 },
};

export function handleSts(request: SimRequest, scenario: Scenario): HandledRequest {
  const { parameters, call } = startQueryCall(request, 'sts');
  try {
    const auth = authenticate(request.headers, scenario, STS_SIGNING_NAME);
    if (!auth.ok) {
      const { code, status } = AUTH_ERRORS[auth.reason];
      throw new AwsError(code, auth.message, status);
    }
    call.accountId = auth.account.Id;
    if (parameters.Action === undefined) throw new AwsError('MissingAction', 'Missing Action');
    if (parameters.Action !== 'GetCallerIdentity' || parameters.Version !== STS_API_VERSION) {
      throw new AwsError('InvalidAction', `Could not find operation ${parameters.Action} for version ${parameters.Version ?? 'NO_VERSION_SPECIFIED'}`);
    }
    return { response: getCallerIdentity(auth.account), call };
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
      element('GetCallerIdentityResult', [
        textElement('Arn', callerArn(account)),
        textElement('UserId', userId(account)),
        textElement('Account', account.Id),
      ]),
      element('ResponseMetadata', textElement('RequestId', requestId)),
    ],
    { xmlns: STS_XMLNS },
  );
  return xmlResponse(200, body, requestId);
}

/** AWS's unique id of the principal: AIDA… for an IAM user, AROA…:<session> for an assumed role. Stable per ARN. */
function userId(account: SimAccount): string {
  const arn = callerArn(account);
  const suffix = createHash('sha256').update(arn).digest('base64').replace(/[^A-Z0-9]/g, '').padEnd(17, 'X').slice(0, 17);
  const assumedRole = /:assumed-role\/[^/]+\/(.+)$/.exec(arn);
  return assumedRole ? `AROA${suffix}:${assumedRole[1]}` : `AIDA${suffix}`;
}

/** `<ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>` */
export function stsErrorResponse(error: AwsError): SimResponse {
  const requestId = randomUUID();
  const body = element(
    'ErrorResponse',
    [
      element('Error', [
        textElement('Type', error.httpStatus >= 500 ? 'Receiver' : 'Sender'),
        textElement('Code', error.code),
        textElement('Message', error.message),
      ]),
      textElement('RequestId', requestId),
    ],
    { xmlns: STS_XMLNS },
  );
  return xmlResponse(error.httpStatus, body, requestId);
}

function xmlResponse(status: number, body: string, requestId: string): SimResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}
