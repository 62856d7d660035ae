-- Accounts retired from the inventory (PostgreSQL twin of migrations/sqlite/0003): excluded from the organization,
-- closed, or listed under `forget:` in the accounts file. Attempts recorded before the retiring run no longer count.
CREATE TABLE retired_accounts (
  collector   text COLLATE "C" NOT NULL,
  account_id  text COLLATE "C" NOT NULL,
  run_id      integer NOT NULL REFERENCES sync_runs(id),
  retired_at  text COLLATE "C" NOT NULL,
  reason      text COLLATE "C" NOT NULL,
  PRIMARY KEY (collector, account_id)
);
