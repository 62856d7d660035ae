-- Control history: every recorded evaluation of the controls (inventory check), so dashboards can show each control's
-- latest verdict and its trend. A run is one evaluation of some controls; each control it evaluated has one result,
-- and each asset that failed it, or that an active exception covered, one row.
CREATE TABLE control_runs (
  id                  INTEGER PRIMARY KEY,
  started_at          TEXT    NOT NULL,
  finished_at         TEXT    NOT NULL,
  controls_evaluated  INTEGER NOT NULL,
  source              TEXT    NOT NULL                  -- what recorded it, e.g. 'check'
);

CREATE TABLE control_results (
  run_id          INTEGER NOT NULL REFERENCES control_runs (id) ON DELETE CASCADE,
  control_id      TEXT    NOT NULL,
  title           TEXT    NOT NULL,
  severity        TEXT    NOT NULL,
  verdict         TEXT    NOT NULL CHECK (verdict IN ('PASS', 'FAIL', 'ERROR')),
  reason          TEXT    NOT NULL,
  failing_count   INTEGER NOT NULL,
  excepted_count  INTEGER NOT NULL,
  evaluated_at    TEXT    NOT NULL,
  PRIMARY KEY (run_id, control_id)
);
-- The latest result of each control, and the trend of one control: both walk one control's runs newest first.
CREATE INDEX control_results_by_control ON control_results (control_id, run_id DESC);

CREATE TABLE control_result_assets (
  run_id            INTEGER NOT NULL,
  control_id        TEXT    NOT NULL,
  asset_id          TEXT    NOT NULL,
  account_id        TEXT    NOT NULL,
  region            TEXT    NOT NULL,
  state             TEXT    NOT NULL CHECK (state IN ('failing', 'excepted')),
  exception_owner   TEXT,                               -- for state 'excepted': the exception that covered it
  exception_expires TEXT,
  PRIMARY KEY (run_id, control_id, state, asset_id),
  FOREIGN KEY (run_id, control_id) REFERENCES control_results (run_id, control_id) ON DELETE CASCADE
);

-- The controls of the catalog as last recorded (id, title, severity), so a control never evaluated still shows, with
-- no verdict, without the API reading the catalog files.
CREATE TABLE control_catalog (
  control_id   TEXT PRIMARY KEY,
  title        TEXT NOT NULL,
  severity     TEXT NOT NULL,
  recorded_at  TEXT NOT NULL
);
