// Opaque page tokens (KMS markers, Organizations NextToken): the next offset with a check value bound to the listing,
// so a made-up token, or one from another listing, is refused as AWS refuses it.

import { createHash } from 'node:crypto';
import type { AwsError } from './errors.js';

/** The token for the page that starts at `offset` of the listing `scope` names. */
export function encodePageToken(scope: string, offset: number): string {
  return Buffer.from(`${offset}:${pageTokenCheck(scope, offset)}`).toString('base64url');
}

/** The offset a token gives, within a listing of `total` items; `invalid` is the service's own refusal. */
export function decodePageToken(token: unknown, scope: string, total: number, invalid: () => AwsError): number {
  if (typeof token !== 'string') throw invalid();
  const [offsetText = '', check] = Buffer.from(token, 'base64url').toString('utf8').split(':');
  const offset = Number(offsetText);
  if (!/^\d+$/.test(offsetText) || offset <= 0 || offset > total || check !== pageTokenCheck(scope, offset)) throw invalid();
  return offset;
}

function pageTokenCheck(scope: string, offset: number): string {
  return createHash('sha256').update(`${scope}:${offset}`).digest('hex').slice(0, 16);
}
