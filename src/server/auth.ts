// API tokens: `inv_` + 32 random bytes (base64url), stored only as their SHA-256 hash. While at least one token that
// is not revoked exists, /graphql needs `Authorization: Bearer <token>` of scope read or admin, and /metrics one of scope
// admin. A revoked token is refused as an unknown one is; "no token" means no token that is not revoked.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type express from 'express';
import type { Logger } from '../log.js';
import type { ApiTokenCredential, ApiTokenScope, InventoryStore } from '../store/store.js';

export const TOKEN_PREFIX = 'inv_';

export function newApiToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Hex SHA-256 of the whole token: what the store keeps. */
export function apiTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Is this address one only this machine can reach? */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(\.\d{1,3}){3}$/.test(bare);
}

/** The host name of a Host header, without its port: "[::1]:4000" → "::1", "localhost:4000" → "localhost". */
function hostOf(header: string): string {
  const bracketed = /^\[([^\]]*)\](:\d+)?$/.exec(header);
  if (bracketed) return bracketed[1]!;
  return header.replace(/:\d+$/, '');
}

export interface AuthSettings {
  store: InventoryStore;
  log: Logger;
  /**
   * The server listens beyond loopback: with no token that is not revoked, refuse every request (instead of serving
   * openly), so that revoking the last token never opens the inventory to the network. False with --allow-unauthenticated.
   */
  closedWithoutTokens: boolean;
  /**
   * The server listens on loopback: while no token exists it answers only requests addressed to this machine, so that
   * a web page whose name was rebound to 127.0.0.1 cannot read it (DNS rebinding). False beyond loopback.
   */
  loopbackOnly: boolean;
}

const REALM = 'cloud-inventory';
/** last_used_at is written at most this often per token, so reads do not turn into a write per request. */
const TOUCH_INTERVAL_MS = 60_000;

/** Which token answered, for the access log. */
export interface Authenticated {
  tokenId: number;
  scope: ApiTokenScope;
}

/**
 * Express middleware that lets a request through when no token is needed or a valid one of `scope` is presented, and
 * answers 401 (no or unknown token) or 403 (too small a scope) with a WWW-Authenticate header and a clear message.
 */
export function requireToken(scope: ApiTokenScope, settings: AuthSettings): express.RequestHandler {
  const touched = new Map<number, number>();
  return async (req, res, next) => {
    try {
      // Only tokens not revoked: a revoked one is refused below as an unknown one is.
      const credentials = await settings.store.apiTokenCredentials();
      if (credentials.length === 0 && !settings.closedWithoutTokens) {
        // Open only to this machine: a page whose name was rebound to 127.0.0.1 still sends its own Host (DNS rebinding).
        if (settings.loopbackOnly && !isLoopbackHost(hostOf(req.get('host') ?? ''))) {
          return refuse(
            res,
            403,
            'FORBIDDEN',
            `no API token exists, so this server answers only requests addressed to this machine (localhost, 127.0.0.1 or [::1]), not to "${req.get('host') ?? ''}"`,
          );
        }
        return next();
      }
      if (credentials.length === 0) {
        return refuse(
          res,
          401,
          'UNAUTHENTICATED',
          'no valid API token exists (none was created, or every one was revoked), and this server listens beyond this machine: create one with `inventory token create --scope read`',
        );
      }
      const presented = bearerToken(req.get('authorization'));
      if (presented === undefined) {
        return refuse(
          res,
          401,
          'UNAUTHENTICATED',
          `this server requires an API token: send the header "Authorization: Bearer <token>" (tokens come from \`inventory token create\`)`,
        );
      }
      const match = findCredential(credentials, presented);
      if (!match) {
        return refuse(res, 401, 'UNAUTHENTICATED', 'the API token is not valid: it is unknown or was revoked', 'invalid_token');
      }
      if (scope === 'admin' && match.scope !== 'admin') {
        return refuse(res, 403, 'FORBIDDEN', `${req.path} needs a token of scope admin; this token has scope ${match.scope}`, 'insufficient_scope');
      }
      res.locals['auth'] = { tokenId: match.id, scope: match.scope } satisfies Authenticated;
      const now = Date.now();
      if (now - (touched.get(match.id) ?? 0) >= TOUCH_INTERVAL_MS) {
        touched.set(match.id, now);
        settings.store.touchApiToken(match.id, new Date(now).toISOString()).catch((error: unknown) => settings.log.warn({ err: error }, 'could not record a token use'));
      }
      return next();
    } catch (error) {
      return next(error);
    }
  };
}

/** The token of an `Authorization: Bearer <token>` header; undefined when there is none or another scheme. */
function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header) : null;
  return match?.[1];
}

/** Compares the presented token's hash with every stored hash in constant time, without stopping at a match. */
function findCredential(credentials: readonly ApiTokenCredential[], presented: string): ApiTokenCredential | undefined {
  const hash = Buffer.from(apiTokenHash(presented), 'hex');
  let found: ApiTokenCredential | undefined;
  for (const credential of credentials) {
    const stored = Buffer.from(credential.hash, 'hex');
    if (stored.length === hash.length && timingSafeEqual(stored, hash) && !found) found = credential;
  }
  return found;
}

function refuse(res: express.Response, status: 401 | 403, code: string, message: string, error?: 'invalid_token' | 'insufficient_scope'): void {
  const challenge = [`Bearer realm="${REALM}"`, ...(error ? [`error="${error}"`] : []), ...(error === 'insufficient_scope' ? ['scope="admin"'] : [])];
  res
    .status(status)
    .set('www-authenticate', challenge.join(', '))
    .json({ errors: [{ message, extensions: { code } }] });
}
