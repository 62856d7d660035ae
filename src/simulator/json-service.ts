// The request flow every AWS JSON 1.1 service shares (CloudTrail, KMS, Organizations; src/simulator/README.md,
// "Services"): authenticate → region enabled → body → faults → recordings → operation, errors as `{__type, Message}`.
// A service module gives only what differs: its names, its internal error, its operations and the hooks it needs.

import { callerArn, isRegionEnabled } from './accounts.js';
import { authenticate, JSON_AUTH_ERROR_CODES, peekCredentialScope } from './auth.js';
import { AwsError } from './errors.js';
import type { HandledRequest, SimRequest, SimResponse } from './exchange.js';
import { jsonErrorResponse, jsonResponse, parseJsonBody, toWireJson } from './json.js';
import type { RecordedResponse, SimAccount, SimCall } from './scenario.js';
import { operationFromTarget, targetHeader, type ServiceContext, type SimService } from './service.js';

/** An authenticated request, parsed: what the hooks and operations of a JSON service are given. */
export interface JsonCall extends ServiceContext {
  caller: SimAccount;
  callerArn: string;
  region: string;
  operation: string;
  input: Record<string, unknown>;
}

export type JsonOperation<Context> = (context: Context, input: Record<string, unknown>) => unknown;

export interface JsonServiceSpec<Context> {
  name: SimCall['service'];
  /** The X-Amz-Target prefixes it answers (`TrentService.`). */
  targetPrefixes: readonly string[];
  /** The service the SigV4 credential scope must name. */
  signingName: string;
  /** What an unexpected exception is answered with: each service has its own internal error code. */
  internalError: () => AwsError;
  operations: Record<string, JsonOperation<Context>>;
  /** The context its operations take (required unless that is the JsonCall itself). */
  context?: (call: JsonCall) => Context;
  /** A global service (Organizations) answers in any region the request is signed for, enabled or not. */
  global?: boolean;
  /** Whether the scenario's faults (accessDenied, throttle, internalError, rate limit, transient errors) apply. */
  injectsFaults?: boolean;
  /**
   * When an operation the simulator does not implement is refused: before faults and recordings, or after them, so
   * that a recording can still answer it.
   */
  unknownOperations: 'refusedFirst' | 'refusedAfterRecordings';
  /** The ARN of the resource the request names, so a fault or recording can single it out (a KMS key). */
  namedResource?: (call: JsonCall) => string | undefined;
  /** The real response recorded for this call, served verbatim instead of the simulated one. */
  findRecording?: (recorded: readonly RecordedResponse[] | undefined, call: JsonCall, resource: string | undefined) => RecordedResponse | undefined;
  /** Checks the input against the operation's model, after the operation is known and before it runs. */
  validate?: (operation: string, input: Record<string, unknown>) => void;
  /** Writes an error whose body carries more than `__type` and `Message`; default jsonErrorResponse. */
  errorResponse?: (error: AwsError) => SimResponse;
}

/** A JSON 1.1 service; its operations take the JsonCall itself unless it says how to build their context. */
export function jsonService(spec: JsonServiceSpec<JsonCall>): SimService;
export function jsonService<Context>(spec: JsonServiceSpec<Context> & { context: (call: JsonCall) => Context }): SimService;
export function jsonService<Context>(spec: JsonServiceSpec<Context>): SimService {
  return {
    name: spec.name,
    targetPrefixes: spec.targetPrefixes,
    handle: (request, context) => handleJson(spec, request, context),
  };
}

function handleJson<Context>(spec: JsonServiceSpec<Context>, request: SimRequest, context: ServiceContext): HandledRequest {
  const call: SimCall = {
    service: spec.name,
    operation: operationFromTarget(targetHeader(request)),
    region: peekCredentialScope(request.headers)?.region ?? '',
    accountId: undefined,
    params: {},
    status: 0,
  };
  try {
    const response = answer(spec, request, context, call);
    if (response.status >= 400) call.errorCode = recordedErrorCode(response.body); // a replayed AWS error
    return { response, call };
  } catch (thrown) {
    const error = thrown instanceof AwsError ? thrown : spec.internalError();
    call.errorCode = error.code;
    return { response: (spec.errorResponse ?? jsonErrorResponse)(error), call };
  }
}

function answer<Context>(spec: JsonServiceSpec<Context>, request: SimRequest, context: ServiceContext, call: SimCall): SimResponse {
  const auth = authenticate(request.headers, context.scenario, spec.signingName, context.sessions);
  if (!auth.ok) throw new AwsError(JSON_AUTH_ERROR_CODES[auth.reason], auth.message);
  const { account } = auth;
  const { region } = auth.scope;
  call.accountId = account.Id;
  // An opt-in region the account has not enabled does not know the account's credentials at all.
  if (spec.global !== true && !isRegionEnabled(account, region)) {
    throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const input = parseJsonBody(request.body);
  call.params = input;
  const json: JsonCall = { ...context, caller: account, callerArn: callerArn(account), region, operation: call.operation, input };

  if (spec.unknownOperations === 'refusedFirst') operationOf(spec, call.operation);
  const resource = spec.namedResource?.(json);
  if (spec.injectsFaults === true) {
    const injected = context.faults.injectedError({ service: spec.name, accountId: account.Id, region, operation: call.operation, callerArn: json.callerArn, resource });
    if (injected !== undefined) throw injected;
  }
  const recording = spec.findRecording?.(context.scenario.recorded, json, resource);
  if (recording !== undefined) return recordedAsResponse(recording);

  const operation = operationOf(spec, call.operation);
  spec.validate?.(call.operation, input);
  const output = operation(spec.context === undefined ? (json as Context) : spec.context(json), input);
  return jsonResponse(200, toWireJson(output));
}

function operationOf<Context>(spec: JsonServiceSpec<Context>, name: string): JsonOperation<Context> {
  const operation = spec.operations[name];
  if (operation === undefined) {
    throw new AwsError('UnknownOperationException', name === '' ? 'Missing X-Amz-Target header.' : `Unknown operation ${name}.`);
  }
  return operation;
}

/** The recording as it was sent: status, headers and body byte for byte (no date header is ever added). */
export function recordedAsResponse(recording: RecordedResponse): SimResponse {
  return { status: recording.status, headers: { ...recording.headers }, body: recording.body };
}

/** The error code of a replayed AWS error body, for the call log (`namespace#Code` becomes `Code`). */
function recordedErrorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { __type?: unknown };
    return typeof parsed.__type === 'string' ? parsed.__type.split('#').pop() : undefined;
  } catch {
    return undefined;
  }
}
