-- API tokens are no longer deleted: a revoked token keeps its row, with revoked_at, and neither its id nor its name is
-- ever given to another token, so that an exception created by "token 3" or by "ci" keeps meaning one token.
-- AUTOINCREMENT makes SQLite hand out ids above every id it ever gave (sqlite_sequence), not above the highest left.
CREATE TABLE api_tokens_0008 (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT UNIQUE,                          -- optional; never all digits; never reused (revoked tokens keep theirs)
  scope         TEXT    NOT NULL CHECK (scope IN ('read', 'admin')),
  token_sha256  TEXT    NOT NULL UNIQUE,              -- hex SHA-256 of the whole token (inv_...)
  created_at    TEXT    NOT NULL,
  last_used_at  TEXT,
  revoked_at    TEXT                                  -- set by `inventory token revoke`: the token is refused from then on
);
INSERT INTO api_tokens_0008 (id, name, scope, token_sha256, created_at, last_used_at)
  SELECT id, name, scope, token_sha256, created_at, last_used_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_0008 RENAME TO api_tokens;
-- Tokens deleted before this migration left their ids in the exceptions they created or revoked ("token <id>"): those
-- ids are never handed out again either.
INSERT INTO sqlite_sequence (name, seq) SELECT 'api_tokens', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'api_tokens');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT max(id) FROM api_tokens), 0), coalesce((
    SELECT max(CAST(substr(actor, 7) AS INTEGER)) FROM (SELECT created_by AS actor FROM control_exceptions UNION SELECT revoked_by FROM control_exceptions)
     WHERE actor GLOB 'token [0-9]*'), 0))
  WHERE name = 'api_tokens';
