-- API tokens for the HTTP server. Only the SHA-256 hash of a token is stored: the token itself is shown once, when it
-- is created. While at least one token exists, /graphql needs a token of scope read or admin, and /metrics admin.
CREATE TABLE api_tokens (
  id            INTEGER PRIMARY KEY,
  name          TEXT UNIQUE,                          -- optional; never all digits, so `revoke <name-or-id>` is unambiguous
  scope         TEXT    NOT NULL CHECK (scope IN ('read', 'admin')),
  token_sha256  TEXT    NOT NULL UNIQUE,              -- hex SHA-256 of the whole token (inv_...)
  created_at    TEXT    NOT NULL,
  last_used_at  TEXT
);
