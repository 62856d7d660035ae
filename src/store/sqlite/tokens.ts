// The SQL of API tokens (migration 0004): only each token's SHA-256 hash is stored, with its scope and name.
import type Database from 'better-sqlite3';
import type { ApiToken, ApiTokenCredential, ApiTokenScope } from '../store.js';

interface TokenRow {
  id: number;
  name: string | null;
  scope: ApiTokenScope;
  created_at: string;
  last_used_at: string | null;
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
});

/** Undefined when the name is taken. */
export function insertApiToken(
  db: Database.Database,
  token: { name: string | null; scope: ApiTokenScope; hash: string },
  createdAt: string,
): ApiToken | undefined {
  if (token.name !== null && prepared(db, `SELECT 1 FROM api_tokens WHERE name = ?`).get(token.name)) return undefined;
  const info = prepared(db, `INSERT INTO api_tokens (name, scope, token_sha256, created_at) VALUES (?, ?, ?, ?)`)
    .run(token.name, token.scope, token.hash, createdAt);
  return toToken(prepared(db, `SELECT * FROM api_tokens WHERE id = ?`).get(Number(info.lastInsertRowid)) as TokenRow);
}

export function selectApiTokens(db: Database.Database): ApiToken[] {
  return (prepared(db, `SELECT id, name, scope, created_at, last_used_at FROM api_tokens ORDER BY id`).all() as TokenRow[]).map(toToken);
}

/** Deletes the token named `nameOrId`, or else the one with that id. */
export function deleteApiToken(db: Database.Database, nameOrId: string): ApiToken | undefined {
  return db.transaction(() => {
    let row = prepared(db, `SELECT * FROM api_tokens WHERE name = ?`).get(nameOrId) as TokenRow | undefined;
    if (!row && /^\d+$/.test(nameOrId)) row = prepared(db, `SELECT * FROM api_tokens WHERE id = ?`).get(Number(nameOrId)) as TokenRow | undefined;
    if (!row) return undefined;
    prepared(db, `DELETE FROM api_tokens WHERE id = ?`).run(row.id);
    return toToken(row);
  })();
}

export function selectApiTokenCredentials(db: Database.Database): ApiTokenCredential[] {
  return (prepared(db, `SELECT id, scope, token_sha256 AS hash FROM api_tokens`).all() as ApiTokenCredential[]).map((row) => ({ ...row }));
}

export function updateApiTokenLastUsed(db: Database.Database, id: number, at: string): void {
  prepared(db, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`).run(at, id, at);
}

export function selectTrailTotals(db: Database.Database): { live: number; deleted: number } {
  const row = prepared(db, `SELECT count(*) - count(deleted_at) AS live, count(deleted_at) AS deleted FROM trails`).get() as { live: number; deleted: number };
  return { live: row.live, deleted: row.deleted };
}
