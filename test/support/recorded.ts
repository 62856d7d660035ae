// Loads a recorded AWS response from test/fixtures/aws/wire/ as a RecordedResponse the simulator replays verbatim.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordedResponse } from '../../src/simulator/index.js';

/** The account the Cloud Custodian recordings were made in (see test/fixtures/aws/README.md). */
export const CUSTODIAN_ACCOUNT_ID = '644160558196';

const WIRE_DIRECTORY = fileURLToPath(new URL('../fixtures/aws/wire/', import.meta.url));

/** One `*.wire.json` file: what to send, plus how it was derived from the recording. */
export interface WireFile {
  service: string;
  operation: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  recorded_headers_not_for_replay?: Record<string, string>;
  derived_from: string;
  derivation: string[];
}

/** Reads e.g. `test_cloudtrail_status/cloudtrail.GetTrailStatus_1` (the `.wire.json` suffix is optional). */
export function readWireFile(path: string): WireFile {
  const file = path.endsWith('.wire.json') ? path : `${path}.wire.json`;
  return JSON.parse(readFileSync(`${WIRE_DIRECTORY}${file}`, 'utf8')) as WireFile;
}

export interface RecordedTarget {
  accountId?: string;
  region?: string;
  /** For per-trail operations: the trail name or ARN whose requests this recording answers. */
  trail?: string;
  /** For per-key KMS operations: the key id or ARN whose requests this recording answers. */
  key?: string;
}

/** A RecordedResponse answering `path`'s operation for the account and region given (default: Custodian's, us-east-1). */
export function recordedResponse(path: string, target: RecordedTarget = {}): RecordedResponse {
  const wire = readWireFile(path);
  return {
    ...(wire.service === 'cloudtrail' ? {} : { service: wire.service as NonNullable<RecordedResponse['service']> }),
    accountId: target.accountId ?? CUSTODIAN_ACCOUNT_ID,
    region: target.region ?? 'us-east-1',
    operation: wire.operation,
    ...(target.trail === undefined ? {} : { trail: target.trail }),
    ...(target.key === undefined ? {} : { key: target.key }),
    status: wire.status,
    headers: { ...wire.headers }, // never the recorded `date`: a stale one skews the SDK's clock
    body: wire.body,
  };
}
