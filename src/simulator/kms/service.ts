// AWS KMS over AWS JSON 1.1 (`X-Amz-Target: TrentService.<Operation>`, signing name `kms`): the shared JSON request
// flow (json-service.ts), with faults and recordings that can name one key, answered from the scenario's keys.

import { AwsError } from '../errors.js';
import { jsonService, type JsonCall } from '../json-service.js';
import type { RecordedResponse } from '../scenario.js';
import type { SimService } from '../service.js';
import { resolveKey } from './keys.js';
import { KMS_OPERATIONS } from './operations.js';

export const KMS_TARGET_PREFIX = 'TrentService.';
export const KMS_SIGNING_NAME = 'kms';

export const KMS_SERVICE: SimService = jsonService({
  name: 'kms',
  targetPrefixes: [KMS_TARGET_PREFIX],
  signingName: KMS_SIGNING_NAME,
  // KMS names its internal error KMSInternalException (HTTP 500); injected transient failures keep InternalFailure.
  internalError: () => new AwsError('KMSInternalException', 'An internal error has occurred.', 500),
  operations: KMS_OPERATIONS,
  injectsFaults: true,
  unknownOperations: 'refusedFirst',
  namedResource: namedKeyArn,
  findRecording: (recorded, { caller, region, operation, input }, keyArn) => findKmsRecording(recorded, caller.Id, region, operation, requestedKeyId(input), keyArn),
});

function requestedKeyId(input: Record<string, unknown>): string | undefined {
  return typeof input.KeyId === 'string' ? input.KeyId : undefined;
}

/** The key the request names, when it names one the caller may see, so a fault can deny that key alone. */
function namedKeyArn({ scenario, caller, callerArn, region, operation, input }: JsonCall): string | undefined {
  const keyId = requestedKeyId(input);
  if (keyId === undefined) return undefined;
  return quietKeyArn(() => resolveKey(scenario, caller, region, keyId, { aliases: true, crossAccount: true, operation, callerArn }).arn);
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
      (recording.key === undefined || recording.key === keyId || recording.key === resolvedArn || resolvedArn?.endsWith(`:key/${recording.key}`) === true),
  );
}
