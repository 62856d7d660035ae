// CloudTrail over AWS JSON 1.1: the shared JSON request flow (json-service.ts), with CloudTrail's internal error,
// its per-trail recordings and its input validation.

import { internalFailure } from '../faults.js';
import { jsonService } from '../json-service.js';
import type { SimService } from '../service.js';
import { requestedTrail, validateInput } from './input.js';
import { CLOUDTRAIL_OPERATIONS } from './operations.js';
import { findRecordedResponse } from './recorded.js';
import type { TrailRequestContext } from './trails.js';

export const CLOUDTRAIL_SIGNING_NAME = 'cloudtrail';

/** SDK v3 sends `CloudTrail_20131101.<Op>`, older clients `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Op>`. */
export const CLOUDTRAIL_SERVICE: SimService = jsonService<TrailRequestContext>({
  name: 'cloudtrail',
  targetPrefixes: ['CloudTrail_20131101.', 'com.amazonaws.cloudtrail.v20131101.'],
  signingName: CLOUDTRAIL_SIGNING_NAME,
  internalError: internalFailure,
  operations: CLOUDTRAIL_OPERATIONS,
  injectsFaults: true,
  // A recording may answer an operation the simulator does not implement.
  unknownOperations: 'refusedAfterRecordings',
  findRecording: (recorded, { caller, region, operation, input }) =>
    findRecordedResponse(recorded, { accountId: caller.Id, region, operation, trail: requestedTrail(operation, input) }),
  validate: validateInput,
  context: ({ scenario, caller, region, operation, faults }) => ({
    scenario,
    caller,
    region,
    operation,
    trailVanished: (trailArn) => faults.trailVanished(trailArn, operation),
  }),
});
