// AWS KMS over AWS JSON 1.1 (`X-Amz-Target: TrentService.<Operation>`, signing name `kms`): authenticate, check the
// region, apply faults and recordings, then answer from the scenario's keys.

import { callerArn, isRegionEnabled } from '../accounts.js';
import { authenticate, JSON_AUTH_ERROR_CODES, peekCredentialScope } from '../auth.js';
import { parseJsonBody } from '../cloudtrail/input.js';
import { AwsError } from '../errors.js';
import type { HandledRequest, SimRequest } from '../exchange.js';
import { jsonErrorResponse, jsonResponse, toWireJson } from '../json.js';
import type { RecordedResponse, SimCall } from '../scenario.js';
import { operationFromTarget, targetHeader, type ServiceContext, type SimService } from '../service.js';
import { resolveKey } from './keys.js';
import { KMS_OPERATIONS } from './operations.js';

export const KMS_TARGET_PREFIX = 'TrentService.';
export const KMS_SIGNING_NAME = 'kms';

export const KMS_SERVICE: SimService = {
  name: 'kms',
  targetPrefixes: [KMS_TARGET_PREFIX],
  handle: handleKms,
};

function handleKms(request: SimRequest, context: ServiceContext): HandledRequest {
  const call: SimCall = {
    service: 'kms',
    operation: operationFromTarget(targetHeader(request)),
    region: peekCredentialScope(request.headers)?.region ?? '',
    accountId: undefined,
    params: {},
    status: 0,
  };
  try {
    const response = answer(request, context, call);
    if (response.status >= 400) call.errorCode = recordedErrorCode(response.body); // a replayed AWS error
    return { response, call };
  } catch (thrown) {
    // KMS names its internal error KMSInternalException (HTTP 500); injected transient failures keep InternalFailure.
    const error = thrown instanceof AwsError ? thrown : new AwsError('KMSInternalException', 'An internal error has occurred.', 500);
    call.errorCode = error.code;
    return { response: jsonErrorResponse(error), call };
  }
}

function answer(request: SimRequest, { scenario, faults, sessions }: ServiceContext, call: SimCall) {
  const auth = authenticate(request.headers, scenario, KMS_SIGNING_NAME, sessions);
  if (!auth.ok) throw new AwsError(JSON_AUTH_ERROR_CODES[auth.reason], auth.message);
  const { account } = auth;
  const { region } = auth.scope;
  call.accountId = account.Id;
  if (!isRegionEnabled(account, region)) {
    throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const input = parseJsonBody(request.body);
  call.params = input;
  const operation = KMS_OPERATIONS[call.operation];
  if (operation === undefined) {
    throw new AwsError('UnknownOperationException', call.operation === '' ? 'Missing X-Amz-Target header.' : `Unknown operation ${call.operation}.`);
  }

  // The key the request names, when it names one the caller may see, so a fault can deny that key alone.
  const keyId = typeof input.KeyId === 'string' ? input.KeyId : undefined;
  const resource = keyId === undefined ? undefined : quietKeyArn(() => resolveKey(scenario, account, region, keyId, { aliases: true, crossAccount: true, operation: call.operation, callerArn: callerArn(account) }).arn);
  const injected = faults.injectedError({ service: 'kms', accountId: account.Id, region, operation: call.operation, callerArn: callerArn(account), resource });
  if (injected !== undefined) throw injected;

  const recording = findKmsRecording(scenario.recorded, account.Id, region, call.operation, keyId, resource);
  if (recording !== undefined) return { status: recording.status, headers: { ...recording.headers }, body: recording.body };

  const context = { scenario, caller: account, callerArn: callerArn(account), region, operation: call.operation };
  return jsonResponse(200, toWireJson(operation(context, input)));
}

function quietKeyArn(resolve: () => string): string | undefined {
  try {
    return resolve();
  } catch {
    return undefined;
  }
}

/**
 * A real KMS response recorded for this account, region and operation; one with `key` set answers only requests
 * naming that key (by the same id or ARN, or by any KeyId that resolves to that key's ARN).
 */
export function findKmsRecording(
  recorded: readonly RecordedResponse[] | undefined,
  accountId: string,
  region: string,
  operation: string,
  keyId: string | undefined,
  resolvedArn: string | undefined,
): RecordedResponse | undefined {
  return (recorded ?? []).find(
    (recording) =>
      recording.service === 'kms' &&
      recording.accountId === accountId &&
      recording.region === region &&
      recording.operation === operation &&
      (recording.key === undefined ||
        recording.key === keyId ||
        recording.key === resolvedArn ||
        resolvedArn?.endsWith(`:key/${recording.key}`) === true),
  );
}

function recordedErrorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { __type?: unknown };
    return typeof parsed.__type === 'string' ? parsed.__type.split('#').pop() : undefined;
  } catch {
    return undefined;
  }
}
