// The SQL of API tokens (migrations 0004 and 0008): only each token's SHA-256 hash is stored, with its scope and name.
// A revoked token keeps its row (revoked_at), so that neither its id nor its name is ever given to another token.
import type Database from 'better-sqlite3';
import type { ApiToken, ApiTokenCredential, ApiTokenScope } from '../store.js';

interface TokenRow {
  id: number;
  name: string | null;
  scope: ApiTokenScope;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Prepared once per connection: the server reads the credentials on every request. */
const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function prepared(db: Database.Database, sql: string): Database.Statement {
  let byText = statements.get(db);
  if (!byText) statements.set(db, (byText = new Map()));
  let statement = byText.get(sql);
  if (!statement) byText.set(sql, (statement = db.prepare(sql)));
  return statement;
}

const toToken = (row: TokenRow): ApiToken => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/**
 * A name some token ever had, or that a stored exception names as who created or revoked it (a token deleted before
 * tokens were kept): giving it to a new token would make "created by <name>" mean two tokens.
 */
const NAME_EVER_USED = `EXISTS (SELECT 1 FROM api_tokens WHERE name = :name)
  OR EXISTS (SELECT 1 FROM control_exceptions WHERE created_by = :name OR revoked_by = :name)`;

/** Undefined when the name was ever used. AUTOINCREMENT: the id is above every id ever handed out (migration 0008). */
export function insertApiToken(
  db: Database.Database,
  token: { name: string | null; scope: ApiTokenScope; hash: string },
  createdAt: string,
): ApiToken | undefined {
  return db.transaction(() => {
    if (token.name !== null && (prepared(db, `SELECT ${NAME_EVER_USED} AS used`).get({ name: token.name }) as { used: number }).used === 1) return undefined;
    const info = prepared(db, `INSERT INTO api_tokens (name, scope, token_sha256, created_at) VALUES (?, ?, ?, ?)`)
      .run(token.name, token.scope, token.hash, createdAt);
    return toToken(prepared(db, `SELECT * FROM api_tokens WHERE id = ?`).get(Number(info.lastInsertRowid)) as TokenRow);
  }).immediate();
}

export function selectApiTokens(db: Database.Database, includeRevoked = false): ApiToken[] {
  const sql = `SELECT id, name, scope, created_at, last_used_at, revoked_at FROM api_tokens ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY id`;
  return (prepared(db, sql).all() as TokenRow[]).map(toToken);
}

/** Revokes the token named `nameOrId`, or else the one with that id; a token revoked already is left as it was. */
export function revokeApiTokenRow(db: Database.Database, nameOrId: string, at: string): { token: ApiToken; newlyRevoked: boolean } | undefined {
  return db.transaction(() => {
    let row = prepared(db, `SELECT * FROM api_tokens WHERE name = ?`).get(nameOrId) as TokenRow | undefined;
    if (!row && /^\d+$/.test(nameOrId)) row = prepared(db, `SELECT * FROM api_tokens WHERE id = ?`).get(Number(nameOrId)) as TokenRow | undefined;
    if (!row) return undefined;
    if (row.revoked_at !== null) return { token: toToken(row), newlyRevoked: false };
    prepared(db, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`).run(at, row.id);
    return { token: toToken({ ...row, revoked_at: at }), newlyRevoked: true };
  }).immediate();
}

export function selectApiTokenCredentials(db: Database.Database): ApiTokenCredential[] {
  return (prepared(db, `SELECT id, scope, token_sha256 AS hash FROM api_tokens WHERE revoked_at IS NULL`).all() as ApiTokenCredential[]).map((row) => ({ ...row }));
}

export function updateApiTokenLastUsed(db: Database.Database, id: number, at: string): void {
  prepared(db, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`).run(at, id, at);
}

export function selectTrailTotals(db: Database.Database): { live: number; deleted: number } {
  const row = prepared(db, `SELECT count(*) - count(deleted_at) AS live, count(deleted_at) AS deleted FROM trails`).get() as { live: number; deleted: number };
  return { live: row.live, deleted: row.deleted };
}
