// CloudWatch over AWS JSON 1.0 with query compatibility, as the SDK's CloudWatch client speaks it: `X-Amz-Target:
// GraniteServiceVersion20100801.<Operation>`, content type application/x-amz-json-1.0, signing name `monitoring`, and
// the client's `x-amzn-query-mode: true` asking that every error also carry its query-protocol code and fault in
// `x-amzn-query-error: <Code>;<Sender|Receiver>` (the code the SDK then names the error by). Answers DescribeAlarms
// from the scenario's metric alarms.

import { randomUUID } from 'node:crypto';
import { AwsError } from '../errors.js';
import type { SimResponse } from '../exchange.js';
import { EpochSeconds, toWireJson } from '../json.js';
import { jsonService, type JsonCall } from '../json-service.js';
import { findRecording } from '../monitoring-recordings.js';
import { alarmArnOf, type SimMetricAlarm } from '../monitoring-shapes.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';
import type { SimService } from '../service.js';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';
export const CLOUDWATCH_SIGNING_NAME = 'monitoring';
export const CLOUDWATCH_JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** DescribeAlarms' MaxRecords: 1 to 100, default 50 (API reference). */
export const DESCRIBE_ALARMS_MAX_RECORDS = 100;
const DESCRIBE_ALARMS_DEFAULT_RECORDS = 50;

/**
 * Each JSON error's shape id (`__type`) and its query-protocol code and HTTP status, as CloudWatch's model pairs them
 * (awsQueryError); the common errors by the codes of AWS's common errors.
 */
const QUERY_ERRORS: Readonly<Record<string, { type: string; query: string; status: number }>> = {
  InvalidNextToken: { type: 'com.amazonaws.cloudwatch#InvalidNextToken', query: 'InvalidNextToken', status: 400 },
  InvalidParameterValueException: { type: 'com.amazonaws.cloudwatch#InvalidParameterValueException', query: 'InvalidParameterValue', status: 400 },
  InternalServiceFault: { type: 'com.amazonaws.cloudwatch#InternalServiceFault', query: 'InternalServiceError', status: 500 },
  ValidationException: { type: 'com.amazon.coral.validate#ValidationException', query: 'ValidationError', status: 400 },
  AccessDeniedException: { type: 'com.amazon.coral.service#AccessDeniedException', query: 'AccessDenied', status: 403 },
  ThrottlingException: { type: 'com.amazon.coral.availability#ThrottlingException', query: 'Throttling', status: 400 },
  InternalFailure: { type: 'com.amazon.coral.service#InternalFailure', query: 'InternalFailure', status: 500 },
  UnrecognizedClientException: { type: 'com.amazon.coral.service#UnrecognizedClientException', query: 'InvalidClientTokenId', status: 403 },
  UnknownOperationException: { type: 'com.amazon.coral.service#UnknownOperationException', query: 'InvalidAction', status: 400 },
  SerializationException: { type: 'com.amazon.coral.service#SerializationException', query: 'MalformedInput', status: 400 },
  MissingAuthenticationTokenException: { type: 'com.amazon.coral.service#MissingAuthenticationTokenException', query: 'MissingAuthenticationToken', status: 403 },
  IncompleteSignatureException: { type: 'com.amazon.coral.service#IncompleteSignatureException', query: 'IncompleteSignature', status: 400 },
  InvalidSignatureException: { type: 'com.amazon.coral.service#InvalidSignatureException', query: 'SignatureDoesNotMatch', status: 403 },
  ExpiredTokenException: { type: 'com.amazon.coral.service#ExpiredTokenException', query: 'ExpiredToken', status: 403 },
};

const JSON_SERVICE = jsonService({
  name: 'cloudwatch',
  targetPrefixes: [CLOUDWATCH_TARGET_PREFIX],
  signingName: CLOUDWATCH_SIGNING_NAME,
  internalError: () => new AwsError('InternalServiceFault', 'Internal service error.', 500),
  operations: { DescribeAlarms: describeAlarms },
  injectsFaults: true,
  unknownOperations: 'refusedFirst',
  findRecording: (recorded, { caller, region, operation }) => findRecording(recorded, 'cloudwatch', caller.Id, region, operation),
  errorResponse: queryCompatibleError,
});

export const CLOUDWATCH_SERVICE: SimService = {
  name: 'cloudwatch',
  targetPrefixes: [CLOUDWATCH_TARGET_PREFIX],
  handle: (request, context) => {
    const handled = JSON_SERVICE.handle(request, context);
    const headers: Record<string, string> = { ...handled.response.headers, 'content-type': CLOUDWATCH_JSON_CONTENT_TYPE };
    // The query-protocol code is told to a client that asks for it.
    if (request.headers['x-amzn-query-mode'] !== 'true') delete headers['x-amzn-query-error'];
    return { ...handled, response: { ...handled.response, headers } };
  },
};

/** `{"__type": "<shape id>", "message": ...}` with `x-amzn-query-error: <Code>;<Sender|Receiver>`. */
function queryCompatibleError(error: AwsError): SimResponse {
  const known = QUERY_ERRORS[error.code] ?? { type: error.code, query: error.code, status: error.httpStatus };
  const status = known.status;
  return {
    status,
    headers: {
      'content-type': CLOUDWATCH_JSON_CONTENT_TYPE,
      'x-amzn-requestid': randomUUID(),
      'x-amzn-query-error': `${known.query};${status >= 500 ? 'Receiver' : 'Sender'}`,
    },
    body: toWireJson({ __type: known.type, message: error.message }),
  };
}

const validation = (detail: string) => new AwsError('ValidationException', `1 validation error detected: ${detail}`);

function stringList(input: Record<string, unknown>, member: string): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new AwsError('SerializationException', `Expected list of strings for member ${member}.`);
  return value as string[];
}

/**
 * The caller's alarms in the region, by name: AlarmTypes defaults to MetricAlarm alone (the simulator holds no
 * composite alarms), filtered by AlarmNames, AlarmNamePrefix, StateValue and ActionPrefix; MaxRecords 1..100 (default
 * 50), an opaque NextToken.
 */
function describeAlarms({ caller, region }: JsonCall, input: Record<string, unknown>): unknown {
  const names = stringList(input, 'AlarmNames');
  const types = stringList(input, 'AlarmTypes') ?? ['MetricAlarm'];
  for (const type of types) {
    if (type !== 'MetricAlarm' && type !== 'CompositeAlarm') {
      throw validation(
        `Value '[${types.join(', ')}]' at 'alarmTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [CompositeAlarm, MetricAlarm]]`,
      );
    }
  }
  if (names !== undefined && names.length > 100)
    throw validation(`Value '[...]' at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100`);
  const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : undefined;
  if (names !== undefined && prefix !== undefined) throw new AwsError('InvalidParameterValueException', 'AlarmNames and AlarmNamePrefix cannot be specified together.');
  const state = input.StateValue;
  if (state !== undefined && state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') {
    throw validation(`Value '${String(state)}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`);
  }
  const actionPrefix = typeof input.ActionPrefix === 'string' ? input.ActionPrefix : undefined;
  const maxRecords = input.MaxRecords ?? DESCRIBE_ALARMS_DEFAULT_RECORDS;
  if (typeof maxRecords !== 'number' || !Number.isInteger(maxRecords)) throw new AwsError('SerializationException', 'Expected integer for member MaxRecords.');
  if (maxRecords < 1 || maxRecords > DESCRIBE_ALARMS_MAX_RECORDS) {
    throw validation(
      `Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value ${maxRecords < 1 ? 'greater than or equal to 1' : `less than or equal to ${DESCRIBE_ALARMS_MAX_RECORDS}`}`,
    );
  }
  const alarms = types.includes('MetricAlarm')
    ? (caller.MetricAlarms ?? [])
        .filter((alarm) => alarm.Region === region)
        .filter((alarm) => names === undefined || names.includes(alarm.AlarmName))
        .filter((alarm) => prefix === undefined || alarm.AlarmName.startsWith(prefix))
        .filter((alarm) => state === undefined || (alarm.StateValue ?? 'INSUFFICIENT_DATA') === state)
        .filter(
          (alarm) =>
            actionPrefix === undefined ||
            [...(alarm.AlarmActions ?? []), ...(alarm.OKActions ?? []), ...(alarm.InsufficientDataActions ?? [])].some((a) => a.startsWith(actionPrefix)),
        )
        .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : a.AlarmName > b.AlarmName ? 1 : 0))
    : [];
  const scope = `DescribeAlarms:${caller.Id}:${region}:${JSON.stringify([names, types, prefix, state, actionPrefix])}`;
  const start =
    input.NextToken === undefined || input.NextToken === null
      ? 0
      : decodePageToken(input.NextToken, scope, alarms.length, () => new AwsError('InvalidNextToken', 'The service returned an invalid next token.'));
  const end = Math.min(alarms.length, start + maxRecords);
  return {
    MetricAlarms: alarms.slice(start, end).map((alarm) => wireAlarm(caller.Id, alarm)),
    CompositeAlarms: types.includes('CompositeAlarm') ? [] : undefined,
    NextToken: end < alarms.length ? encodePageToken(scope, end) : undefined,
  };
}

const UPDATED = EpochSeconds.fromIso('2024-01-01T00:00:00Z');

function wireAlarm(accountId: string, alarm: SimMetricAlarm): unknown {
  const single = alarm.Metrics === undefined;
  return {
    AlarmName: alarm.AlarmName,
    AlarmArn: alarmArnOf(accountId, alarm),
    AlarmConfigurationUpdatedTimestamp: UPDATED,
    ActionsEnabled: alarm.ActionsEnabled ?? true,
    OKActions: alarm.OKActions ?? [],
    AlarmActions: alarm.AlarmActions ?? [],
    InsufficientDataActions: alarm.InsufficientDataActions ?? [],
    StateValue: alarm.StateValue ?? 'INSUFFICIENT_DATA',
    StateReason: 'Unchecked: Initial alarm creation',
    StateUpdatedTimestamp: UPDATED,
    MetricName: single ? alarm.MetricName : undefined,
    Namespace: single ? alarm.Namespace : undefined,
    Statistic: single ? (alarm.Statistic ?? 'Sum') : undefined,
    Dimensions: alarm.Dimensions ?? [],
    Period: single ? 300 : undefined,
    EvaluationPeriods: alarm.EvaluationPeriods ?? 1,
    Threshold: alarm.Threshold ?? 1,
    ComparisonOperator: alarm.ComparisonOperator ?? 'GreaterThanOrEqualToThreshold',
    Metrics: alarm.Metrics,
    StateTransitionedTimestamp: UPDATED,
  };
}
