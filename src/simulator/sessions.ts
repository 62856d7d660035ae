// Temporary credentials issued by STS AssumeRole: which account, role and session an ASIA… access key
// stands for, its session token, and when it expires.

import { createHash, randomBytes } from 'node:crypto';

export interface SimSession {
  /** ASIA… (20 characters), unique among the sessions this simulator issued. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Must arrive as the `x-amz-security-token` header of every request signed with this access key. */
  sessionToken: string;
  /** The account of the assumed role: requests made with the session act in this account. */
  accountId: string;
  roleName: string;
  /** arn:aws:iam::<account>:role/<role> */
  roleArn: string;
  sessionName: string;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session>: the caller ARN of requests made with the session. */
  assumedRoleArn: string;
  /** AROA…:<session> */
  assumedRoleId: string;
  /** The account whose principal called AssumeRole. */
  issuedToAccountId: string;
  /** Epoch milliseconds; from this instant on the session's requests answer ExpiredToken. */
  expiresAt: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The sessions one simulator has issued, by access key id. Expired sessions are kept, so they can say "expired". */
export class SessionStore {
  private readonly sessions = new Map<string, SimSession>();

  get all(): ReadonlyMap<string, SimSession> {
    return this.sessions;
  }

  find(accessKeyId: string): SimSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  issue(fields: Omit<SimSession, 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'assumedRoleArn' | 'assumedRoleId' | 'roleArn'>): SimSession {
    let accessKeyId: string;
    do accessKeyId = `ASIA${base32(randomBytes(10))}`;
    while (this.sessions.has(accessKeyId));
    const session: SimSession = {
      ...fields,
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64'),
      // Real session tokens are long opaque base64 strings; the size is not fixed.
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(180).toString('base64')}`,
      roleArn: roleArn(fields.accountId, fields.roleName),
      assumedRoleArn: `arn:aws:sts::${fields.accountId}:assumed-role/${fields.roleName}/${fields.sessionName}`,
      assumedRoleId: `${roleId(fields.accountId, fields.roleName)}:${fields.sessionName}`,
    };
    this.sessions.set(accessKeyId, session);
    return session;
  }

  clear(): void {
    this.sessions.clear();
  }
}

export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/** AWS's unique id of a role: AROA + 17 characters, stable per account and role name. */
export function roleId(accountId: string, roleName: string): string {
  return `AROA${stableSuffix(`${accountId}:role/${roleName}`)}`;
}

/** 17 upper-case letters and digits derived from `text`, for stable principal ids. */
export function stableSuffix(text: string): string {
  return createHash('sha256')
    .update(text)
    .digest('base64')
    .replace(/[^A-Z0-9]/g, '')
    .padEnd(17, 'X')
    .slice(0, 17);
}

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
