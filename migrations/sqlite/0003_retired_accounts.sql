-- Accounts retired from the inventory: excluded from the organization, closed, or listed under `forget:` in the
-- accounts file. Their regions leave the coverage and their trails are marked deleted in the run that retired them;
-- attempts recorded before that run no longer count (a later sync of the account brings it back).
CREATE TABLE retired_accounts (
  collector   TEXT    NOT NULL,
  account_id  TEXT    NOT NULL,
  run_id      INTEGER NOT NULL REFERENCES sync_runs(id),
  retired_at  TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  PRIMARY KEY (collector, account_id)
);
