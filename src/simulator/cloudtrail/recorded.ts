// Replays real AWS responses: a RecordedResponse that matches the call is served verbatim.

import type { RecordedResponse } from '../scenario.js';
import { parseTrailArn } from './trails.js';

export interface RecordedMatchTarget {
  accountId: string;
  region: string;
  operation: string;
  /** The trail name or ARN the request names, for per-trail operations. */
  trail: string | undefined;
}

/**
 * The first recording for this account, region and operation. A recording with `trail` set answers only
 * requests naming that trail: the same string, or (when it is a bare name) an ARN ending in that name.
 */
export function findRecordedResponse(recorded: readonly RecordedResponse[] | undefined, target: RecordedMatchTarget): RecordedResponse | undefined {
  return (recorded ?? []).find(
    (recording) =>
      (recording.service ?? 'cloudtrail') === 'cloudtrail' &&
      recording.accountId === target.accountId &&
      recording.region === target.region &&
      recording.operation === target.operation &&
      (recording.trail === undefined || namesSameTrail(recording.trail, target.trail)),
  );
}

function namesSameTrail(recordedTrail: string, requestedTrail: string | undefined): boolean {
  if (requestedTrail === undefined) return false;
  if (recordedTrail === requestedTrail) return true;
  return !recordedTrail.startsWith('arn:') && parseTrailArn(requestedTrail)?.name === recordedTrail;
}
