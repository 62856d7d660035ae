-- Verdicts with a denominator: for each recorded result, per account, the verdict there, how many assets the control
-- evaluated there, how many failed it and how many an active exception covered. Results recorded before this migration have no rows
-- here and a NULL evaluated_count: their denominator was never measured, and the API says so with null.
ALTER TABLE control_results ADD COLUMN evaluated_count INTEGER;

CREATE TABLE control_result_accounts (
  run_id          INTEGER NOT NULL,
  control_id      TEXT    NOT NULL,
  account_id      TEXT    NOT NULL,
  verdict         TEXT    NOT NULL CHECK (verdict IN ('PASS', 'FAIL', 'ERROR')),
  evaluated_count INTEGER NOT NULL,
  failing_count   INTEGER NOT NULL,
  excepted_count  INTEGER NOT NULL,
  PRIMARY KEY (run_id, control_id, account_id),
  FOREIGN KEY (run_id, control_id) REFERENCES control_results (run_id, control_id) ON DELETE CASCADE
);
