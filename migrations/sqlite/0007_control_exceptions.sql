-- Exceptions to controls stored in the inventory, added and revoked through the GraphQL API (admin scope), so that a
-- team can grant one without editing and shipping a file. They follow the exceptions file's rules (checked before they
-- are written): a control, an asset (ARN, pattern with *, or account id), owner, reason, approver and expiry day. A
-- revoked exception is kept, with who revoked it and when, as the audit trail; it never applies again.
CREATE TABLE control_exceptions (
  id          INTEGER PRIMARY KEY,
  control_id  TEXT NOT NULL,
  asset       TEXT NOT NULL,                 -- an ARN, a pattern where * stands for any run of characters, or an account id
  owner       TEXT NOT NULL,
  reason      TEXT NOT NULL,
  approver    TEXT NOT NULL,
  expires     TEXT NOT NULL CHECK (expires GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),   -- applies through this day (UTC)
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,                 -- the API token's name (or "token <id>"), or 'local' on a server that needs no token
  revoked_at  TEXT,
  revoked_by  TEXT,                          -- as created_by; 'cli' for inventory exceptions revoke
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
