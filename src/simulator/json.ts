// The AWS JSON 1.1 wire form CloudTrail, KMS and Organizations write: members without a value are left out (never null),
// and timestamps are epoch seconds in Java Double.toString form, e.g. 1.51592915963E9.

import { randomUUID } from 'node:crypto';
import { AwsError } from './errors.js';
import type { SimResponse } from './exchange.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Parses a request body (every JSON 1.1 service alike); anything but a JSON object is a SerializationException, as with AWS. */
export function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new AwsError('SerializationException', 'Unable to parse the request body as JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
  }
  return parsed as Record<string, unknown>;
}

/** A timestamp member: written as epoch seconds, the way CloudTrail (a Java service) prints doubles. */
export class EpochSeconds {
  constructor(readonly seconds: number) {}

  static fromIso(iso: string): EpochSeconds {
    const millis = Date.parse(iso);
    if (Number.isNaN(millis)) throw new Error(`not an ISO-8601 time: ${iso}`);
    return new EpochSeconds(millis / 1000);
  }
}

/** Java's Double.toString: plain decimal in [1e-3, 1e7), otherwise "computerized" scientific notation like 1.5E9. */
export function formatJavaDouble(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a JSON number`);
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const decimal = String(value);
    return decimal.includes('.') ? decimal : `${decimal}.0`;
  }
  // toExponential() without an argument gives the shortest digits that round-trip, as Java does.
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** Serialises a response shape: skips undefined and null members, writes EpochSeconds as Java doubles. */
export function toWireJson(value: unknown): string {
  if (value instanceof EpochSeconds) return formatJavaDouble(value.seconds);
  if (Array.isArray(value)) return `[${value.map(toWireJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    // One pass building the text: every response goes through here, and the entry arrays were most of its cost.
    let members = '';
    for (const key of Object.keys(value)) {
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined || member === null) continue;
      members += `${members === '' ? '' : ','}${JSON.stringify(key)}:${toWireJson(member)}`;
    }
    return `{${members}}`;
  }
  return JSON.stringify(value);
}

/** A CloudTrail response. No `date` header: a stale one makes the SDK skew its clock and retry (WIRE.md §2). */
export function jsonResponse(status: number, body: string): SimResponse {
  return {
    status,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': randomUUID() },
    body,
  };
}

/** CloudTrail's error body: `{"__type":"<Code>","Message":"..."}`. */
export function jsonErrorResponse(error: AwsError): SimResponse {
  return jsonResponse(error.httpStatus, toWireJson({ __type: error.code, Message: error.message }));
}
