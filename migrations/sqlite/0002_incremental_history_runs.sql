-- Incremental sync: an unchanged trail is not rewritten, so "last seen" is read from the scopes that see it.
-- Adds the latest state of each scope (what coverage reads), the change history of trails, and run heartbeats.

-- A run's process proves it is alive by moving this forward; a 'running' run whose heartbeat stops is interrupted.
ALTER TABLE sync_runs ADD COLUMN heartbeat_at TEXT;

-- The latest attempt at each (collector, account, region) and its latest success (ok or skipped), upserted in the
-- same transaction as the scope's write, so coverage never scans the whole sync_scopes history.
CREATE TABLE sync_scope_state (
  collector            TEXT    NOT NULL,
  account_id           TEXT    NOT NULL,
  region               TEXT    NOT NULL,
  last_run_id          INTEGER NOT NULL REFERENCES sync_runs(id),
  last_status          TEXT    NOT NULL CHECK (last_status IN ('ok', 'skipped', 'failed')),
  last_attempt_at      TEXT    NOT NULL,
  last_error_code      TEXT,
  last_error_message   TEXT,
  last_success_run_id  INTEGER REFERENCES sync_runs(id),
  last_success_at      TEXT,
  PRIMARY KEY (collector, account_id, region)
);

INSERT INTO sync_scope_state (collector, account_id, region, last_run_id, last_status, last_attempt_at, last_error_code,
                              last_error_message, last_success_run_id, last_success_at)
SELECT s.collector, s.account_id, s.region, s.run_id, s.status, s.finished_at, s.error_code, s.error_message,
       (SELECT ok.run_id FROM sync_scopes ok
         WHERE ok.collector = s.collector AND ok.account_id = s.account_id AND ok.region = s.region AND ok.status IN ('ok', 'skipped')
         ORDER BY ok.run_id DESC LIMIT 1),
       (SELECT ok.finished_at FROM sync_scopes ok
         WHERE ok.collector = s.collector AND ok.account_id = s.account_id AND ok.region = s.region AND ok.status IN ('ok', 'skipped')
         ORDER BY ok.run_id DESC LIMIT 1)
  FROM sync_scopes s
 WHERE s.run_id = (SELECT max(l.run_id) FROM sync_scopes l
                    WHERE l.collector = s.collector AND l.account_id = s.account_id AND l.region = s.region);

-- What changed in each trail, run by run. `field` names the configuration field of a 'changed' row and is NULL for
-- the other kinds; values are JSON (NULL for created, deleted and restored).
CREATE TABLE trail_changes (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  trail_arn   TEXT    NOT NULL REFERENCES trails(arn),
  run_id      INTEGER NOT NULL REFERENCES sync_runs(id),
  changed_at  TEXT    NOT NULL,
  kind        TEXT    NOT NULL CHECK (kind IN ('created', 'changed', 'deleted', 'restored')),
  field       TEXT,
  old_value   TEXT,
  new_value   TEXT,
  CHECK ((kind = 'changed') = (field IS NOT NULL))
);
CREATE INDEX trail_changes_by_trail ON trail_changes (trail_arn, id);
-- Merging several writes of one trail in one run finds the run's row for a field.
CREATE INDEX trail_changes_by_run ON trail_changes (run_id, trail_arn);
