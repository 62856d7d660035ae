-- Verdicts with a denominator (PostgreSQL twin of migrations/sqlite/0006): per recorded result and account, the verdict
-- there and its evaluated, failing and excepted counts. Older results have no rows here and a NULL evaluated_count.
ALTER TABLE control_results ADD COLUMN evaluated_count integer;

CREATE TABLE control_result_accounts (
  run_id          integer NOT NULL,
  control_id      text COLLATE "C" NOT NULL,
  account_id      text COLLATE "C" NOT NULL,
  verdict         text COLLATE "C" NOT NULL CHECK (verdict IN ('PASS', 'FAIL', 'ERROR')),
  evaluated_count integer NOT NULL,
  failing_count   integer NOT NULL,
  excepted_count  integer NOT NULL,
  PRIMARY KEY (run_id, control_id, account_id),
  FOREIGN KEY (run_id, control_id) REFERENCES control_results (run_id, control_id) ON DELETE CASCADE
);
