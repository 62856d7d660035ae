// CloudTrail over AWS JSON 1.1: authenticate, check the region, apply faults and recordings, then answer.

import { callerArn, isRegionEnabled } from '../accounts.js';
import { authenticate, JSON_AUTH_ERROR_CODES, peekCredentialScope } from '../auth.js';
import { AwsError } from '../errors.js';
import type { HandledRequest, SimRequest } from '../exchange.js';
import { internalFailure, type FaultInjector } from '../faults.js';
import type { Scenario, SimCall } from '../scenario.js';
import { operationFromTarget, targetHeader, type SimService } from '../service.js';
import type { SessionStore } from '../sessions.js';
import { parseJsonBody, requestedTrail, validateInput } from './input.js';
import { jsonErrorResponse, jsonResponse, toWireJson } from '../json.js';
import { CLOUDTRAIL_OPERATIONS } from './operations.js';
import { findRecordedResponse, recordedAsResponse } from './recorded.js';

export const CLOUDTRAIL_SIGNING_NAME = 'cloudtrail';

/** SDK v3 sends `CloudTrail_20131101.<Op>`, older clients `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Op>`. */
export const CLOUDTRAIL_SERVICE: SimService = {
  name: 'cloudtrail',
  targetPrefixes: ['CloudTrail_20131101.', 'com.amazonaws.cloudtrail.v20131101.'],
  handle: (request, { scenario, faults, sessions }) => handleCloudTrail(request, scenario, faults, sessions),
};

export function handleCloudTrail(request: SimRequest, scenario: Scenario, faults: FaultInjector, sessions: SessionStore): HandledRequest {
  const operation = operationFromTarget(targetHeader(request));
  const call: SimCall = {
    service: 'cloudtrail',
    operation,
    region: peekCredentialScope(request.headers)?.region ?? '',
    accountId: undefined,
    params: {},
    status: 0,
  };
  try {
    const response = answer(request, scenario, faults, sessions, call);
    if (response.status >= 400) call.errorCode = recordedErrorCode(response.body); // a replayed AWS error
    return { response, call };
  } catch (thrown) {
    const error = thrown instanceof AwsError ? thrown : internalFailure();
    call.errorCode = error.code;
    return { response: jsonErrorResponse(error), call };
  }
}

function answer(request: SimRequest, scenario: Scenario, faults: FaultInjector, sessions: SessionStore, call: SimCall) {
  const auth = authenticate(request.headers, scenario, CLOUDTRAIL_SIGNING_NAME, sessions);
  if (!auth.ok) throw new AwsError(JSON_AUTH_ERROR_CODES[auth.reason], auth.message);
  const { account } = auth;
  const { region } = auth.scope;
  call.accountId = account.Id;
  // An opt-in region the account has not enabled does not know the account's credentials at all.
  if (!isRegionEnabled(account, region)) {
    throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const input = parseJsonBody(request.body);
  call.params = input;

  const injected = faults.injectedError({ service: 'cloudtrail', accountId: account.Id, region, operation: call.operation, callerArn: callerArn(account) });
  if (injected !== undefined) throw injected;

  const recording = findRecordedResponse(scenario.recorded, {
    accountId: account.Id,
    region,
    operation: call.operation,
    trail: requestedTrail(call.operation, input),
  });
  if (recording !== undefined) return recordedAsResponse(recording);

  const operation = CLOUDTRAIL_OPERATIONS[call.operation];
  if (operation === undefined) {
    throw new AwsError('UnknownOperationException', call.operation === '' ? 'Missing X-Amz-Target header.' : `Unknown operation ${call.operation}.`);
  }
  validateInput(call.operation, input);
  const output = operation(
    {
      scenario,
      caller: account,
      region,
      operation: call.operation,
      trailVanished: (trailArn) => faults.trailVanished(trailArn, call.operation),
    },
    input,
  );
  return jsonResponse(200, toWireJson(output));
}

function recordedErrorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { __type?: unknown };
    return typeof parsed.__type === 'string' ? parsed.__type.split('#').pop() : undefined;
  } catch {
    return undefined;
  }
}
