// AWS Config over AWS JSON 1.1 (`X-Amz-Target: StarlingDoveService.<Operation>`, signing name `config`): the shared JSON
// request flow (json-service.ts) with the scenario's faults, answering DescribeConfigurationRecorders and
// DescribeConfigurationRecorderStatus from SimAccount.ConfigurationRecorders (AWS Config API reference).

import { AwsError } from '../errors.js';
import { jsonService, type JsonCall } from '../json-service.js';
import { EpochSeconds } from '../json.js';
import type { SimConfigurationRecorder } from '../scenario.js';
import type { SimService } from '../service.js';

export const CONFIG_TARGET_PREFIX = 'StarlingDoveService.';
export const CONFIG_SIGNING_NAME = 'config';

export const CONFIG_SERVICE: SimService = jsonService({
  name: 'config',
  targetPrefixes: [CONFIG_TARGET_PREFIX],
  signingName: CONFIG_SIGNING_NAME,
  // AWS Config's internal error is InternalFailure (HTTP 500), as the common errors of every JSON service.
  internalError: () => new AwsError('InternalFailure', 'An internal error has occurred.', 500),
  operations: {
    DescribeConfigurationRecorders: (call, input) => ({ ConfigurationRecorders: selected(call, input).map((recorder) => describe(call, recorder)) }),
    DescribeConfigurationRecorderStatus: (call, input) => ({ ConfigurationRecordersStatus: selected(call, input).map((recorder) => status(call, recorder)) }),
  },
  injectsFaults: true,
  unknownOperations: 'refusedFirst',
});

const DEFAULT_NAME = 'default';

const nameOf = (recorder: SimConfigurationRecorder) => recorder.Name ?? DEFAULT_NAME;

const arnOf = (call: JsonCall, recorder: SimConfigurationRecorder) =>
  `arn:aws:config:${call.region}:${call.caller.Id}:configuration-recorder/${nameOf(recorder)}/${recorderSuffix(call, recorder)}`;

/**
 * The recorders a request asks for. Without a name, an ARN or a service principal, AWS answers with the region's
 * customer managed recorder alone (if there is one); a request may name one recorder only, by one of the three.
 */
function selected(call: JsonCall, input: Record<string, unknown>): SimConfigurationRecorder[] {
  const inRegion = (call.caller.ConfigurationRecorders ?? []).filter((recorder) => recorder.Region === call.region);
  const names = input.ConfigurationRecorderNames;
  const { Arn: arn, ServicePrincipal: principal } = input;
  if (names !== undefined && (!Array.isArray(names) || names.some((name) => typeof name !== 'string'))) {
    throw new AwsError('SerializationException', 'Expected a list of strings for member ConfigurationRecorderNames.');
  }
  for (const [member, value] of [
    ['Arn', arn],
    ['ServicePrincipal', principal],
  ] as const) {
    if (value !== undefined && typeof value !== 'string') throw new AwsError('SerializationException', `Expected string for member ${member}.`);
  }
  const given = [names !== undefined && (names as string[]).length > 0, arn !== undefined, principal !== undefined].filter(Boolean).length;
  if (given > 1 || (Array.isArray(names) && names.length > 1)) {
    throw new AwsError('ValidationException', 'You can specify only one configuration recorder: by its name, its ARN or its service principal.');
  }
  if (Array.isArray(names) && names.length === 1) {
    const found = inRegion.find((recorder) => nameOf(recorder) === names[0]);
    if (found === undefined) throw noSuchRecorder(`Cannot find configuration recorder with the specified name '${names[0] as string}'.`);
    return [found];
  }
  if (typeof arn === 'string') {
    const found = inRegion.find((recorder) => arnOf(call, recorder) === arn);
    if (found === undefined) throw noSuchRecorder(`Cannot find configuration recorder with the specified ARN '${arn}'.`);
    return [found];
  }
  if (typeof principal === 'string') {
    const found = inRegion.find((recorder) => recorder.ServicePrincipal === principal);
    if (found === undefined) throw noSuchRecorder(`Cannot find configuration recorder for the service principal '${principal}'.`);
    return [found];
  }
  return inRegion.filter((recorder) => recorder.ServicePrincipal === undefined).slice(0, 1);
}

function noSuchRecorder(message: string): AwsError {
  return new AwsError('NoSuchConfigurationRecorderException', message);
}

function describe(call: JsonCall, recorder: SimConfigurationRecorder): Record<string, unknown> {
  const strategy = recorder.RecordingStrategy ?? 'ALL_SUPPORTED_RESOURCE_TYPES';
  return {
    arn: recorder.WithoutArn ? undefined : arnOf(call, recorder),
    name: nameOf(recorder),
    roleARN: recorder.RoleARN ?? `arn:aws:iam::${call.caller.Id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
    recordingGroup: {
      allSupported: recorder.AllSupported ?? true,
      includeGlobalResourceTypes: recorder.IncludeGlobalResourceTypes ?? false,
      resourceTypes: recorder.ResourceTypes ?? [],
      exclusionByResourceTypes: { resourceTypes: recorder.ExclusionResourceTypes ?? [] },
      recordingStrategy: { useOnly: strategy },
    },
    recordingMode: { recordingFrequency: recorder.RecordingFrequency ?? 'CONTINUOUS', recordingModeOverrides: [] },
    // Service-linked recorders record at no charge for their service (INTERNAL); the customer's are PAID.
    recordingScope: recorder.ServicePrincipal === undefined ? 'PAID' : 'INTERNAL',
    servicePrincipal: recorder.ServicePrincipal,
  };
}

function status(call: JsonCall, recorder: SimConfigurationRecorder): Record<string, unknown> {
  const time = (iso: string | undefined) => (iso === undefined ? undefined : EpochSeconds.fromIso(iso));
  return {
    arn: recorder.WithoutArn ? undefined : arnOf(call, recorder),
    name: nameOf(recorder),
    lastStartTime: time(recorder.LastStartTime),
    lastStopTime: time(recorder.LastStopTime),
    recording: recorder.Recording,
    lastStatus: recorder.LastStatus,
    lastErrorCode: recorder.LastErrorCode,
    lastErrorMessage: recorder.LastErrorMessage,
    lastStatusChangeTime: time(recorder.LastStatusChangeTime),
    servicePrincipal: recorder.ServicePrincipal,
  };
}

/** AWS Config ends a recorder's ARN with a generated id; here a stable one from the account, region and name. */
function recorderSuffix(call: JsonCall, recorder: SimConfigurationRecorder): string {
  let hash = 0;
  for (const char of `${call.caller.Id}/${call.region}/${nameOf(recorder)}`) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return hash.toString(36).padStart(7, '0').slice(0, 7);
}
