-- Sightings and change history for every asset type, keyed by asset id as asset_tags is: which (account, region)
-- scopes list each asset, and what changed of it in each run. Every row of trail_sightings and trail_changes is
-- carried over as it was (the same ids, in the same order, every column), and so is the id sequence of the history,
-- so that no id is ever given twice.
CREATE TABLE asset_sightings (
  asset_type   TEXT NOT NULL,
  asset_id     TEXT NOT NULL,
  account_id   TEXT NOT NULL,
  region       TEXT NOT NULL,
  last_run_id  INTEGER NOT NULL,
  PRIMARY KEY (asset_type, account_id, region, asset_id)
);
CREATE INDEX asset_sightings_by_asset ON asset_sightings (asset_id);
-- Retiring an account finds its sightings of every type.
CREATE INDEX asset_sightings_by_account ON asset_sightings (account_id);

INSERT INTO asset_sightings (asset_type, asset_id, account_id, region, last_run_id)
  SELECT 'Trail', trail_arn, account_id, region, last_run_id FROM trail_sightings ORDER BY account_id, region, trail_arn;

CREATE TABLE asset_changes (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id    TEXT    NOT NULL,
  run_id      INTEGER NOT NULL REFERENCES sync_runs(id),
  changed_at  TEXT    NOT NULL,
  kind        TEXT    NOT NULL CHECK (kind IN ('created', 'changed', 'deleted', 'restored')),
  field       TEXT,
  old_value   TEXT,
  new_value   TEXT,
  CHECK ((kind = 'changed') = (field IS NOT NULL))
);
CREATE INDEX asset_changes_by_asset ON asset_changes (asset_id, id);
-- Merging several writes of one asset in one run finds the run's row for a field.
CREATE INDEX asset_changes_by_run ON asset_changes (run_id, asset_id);

INSERT INTO asset_changes (id, asset_id, run_id, changed_at, kind, field, old_value, new_value)
  SELECT id, trail_arn, run_id, changed_at, kind, field, old_value, new_value FROM trail_changes ORDER BY id;
-- The next id follows the last ever given (rows merged away in a run included), not only the last kept.
DELETE FROM sqlite_sequence WHERE name = 'asset_changes';
INSERT INTO sqlite_sequence (name, seq) SELECT 'asset_changes', seq FROM sqlite_sequence WHERE name = 'trail_changes';

DROP TABLE trail_sightings;
DROP TABLE trail_changes;
