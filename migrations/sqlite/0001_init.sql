-- The first inventory schema: sync bookkeeping, CloudTrail trails, where each trail is visible, and tags.
-- Strings the cloud leaves out are '' (NOT NULL guards the empty-string rule); NULL means "could not be collected".
-- Times are ISO-8601 UTC text with milliseconds, so text order is time order.

CREATE TABLE sync_runs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  collector     TEXT    NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
  started_at    TEXT    NOT NULL,
  finished_at   TEXT,
  host          TEXT    NOT NULL,
  pid           INTEGER NOT NULL,
  requested_regions TEXT NOT NULL,          -- JSON array, [] when discovered from the account
  error_code    TEXT,
  error_message TEXT
);

-- Each account a run reached (or tried to): which regions were enabled, so that a region never synced is a known gap.
CREATE TABLE sync_accounts (
  run_id          INTEGER NOT NULL REFERENCES sync_runs(id),
  collector       TEXT    NOT NULL,
  account_id      TEXT    NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
  enabled_regions TEXT,                     -- JSON array from EC2 DescribeRegions; NULL when it could not be read
  finished_at     TEXT    NOT NULL,
  error_code      TEXT,
  error_message   TEXT,
  PRIMARY KEY (run_id, collector, account_id)
);
CREATE INDEX sync_accounts_by_account ON sync_accounts (collector, account_id, run_id);

CREATE TABLE sync_scopes (
  run_id        INTEGER NOT NULL REFERENCES sync_runs(id),
  collector     TEXT    NOT NULL,
  account_id    TEXT    NOT NULL,
  region        TEXT    NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('ok', 'skipped', 'failed')),
  finished_at   TEXT    NOT NULL,
  error_code    TEXT,
  error_message TEXT,
  assets_seen   INTEGER NOT NULL DEFAULT 0,
  assets_new    INTEGER NOT NULL DEFAULT 0,
  assets_changed INTEGER NOT NULL DEFAULT 0,
  assets_deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, collector, account_id, region)
);
CREATE INDEX sync_scopes_by_scope ON sync_scopes (collector, account_id, region, run_id);

CREATE TABLE trails (
  arn            TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  account_id     TEXT NOT NULL,             -- the owner, from the ARN
  region         TEXT NOT NULL,             -- the home region
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  deleted_at     TEXT,
  last_run_id    INTEGER NOT NULL,
  content_hash   TEXT NOT NULL,             -- of everything collected, so an unchanged trail is not rewritten
  config_hash    TEXT NOT NULL,             -- of the configuration only (not status times), so "changed" means changed

  -- DescribeTrails
  s3_bucket_name                  TEXT    NOT NULL,
  s3_key_prefix                   TEXT    NOT NULL,
  sns_topic_name                  TEXT    NOT NULL,
  sns_topic_arn                   TEXT    NOT NULL,
  include_global_service_events   INTEGER NOT NULL CHECK (include_global_service_events IN (0, 1)),
  is_multi_region_trail           INTEGER NOT NULL CHECK (is_multi_region_trail IN (0, 1)),
  home_region                     TEXT    NOT NULL,
  log_file_validation_enabled     INTEGER NOT NULL CHECK (log_file_validation_enabled IN (0, 1)),
  cloud_watch_logs_log_group_arn  TEXT    NOT NULL,
  cloud_watch_logs_role_arn       TEXT    NOT NULL,
  kms_key_id                      TEXT    NOT NULL,
  has_custom_event_selectors      INTEGER NOT NULL CHECK (has_custom_event_selectors IN (0, 1)),
  has_insight_selectors           INTEGER NOT NULL CHECK (has_insight_selectors IN (0, 1)),
  is_organization_trail           INTEGER NOT NULL CHECK (is_organization_trail IN (0, 1)),

  -- GetTrailStatus (NULL when the call failed)
  is_logging                              INTEGER CHECK (is_logging IN (0, 1)),
  latest_delivery_error                   TEXT,
  latest_notification_error               TEXT,
  latest_cloud_watch_logs_delivery_error  TEXT,
  latest_digest_delivery_error            TEXT,
  latest_delivery_time                    TEXT,
  latest_notification_time                TEXT,
  start_logging_time                      TEXT,
  stop_logging_time                       TEXT,
  latest_cloud_watch_logs_delivery_time   TEXT,
  latest_digest_delivery_time             TEXT,

  -- GetEventSelectors and GetInsightSelectors, as JSON (NULL when the call failed)
  event_selectors           TEXT,
  advanced_event_selectors  TEXT,
  insight_selectors         TEXT,

  tags_known         INTEGER NOT NULL CHECK (tags_known IN (0, 1)),
  collection_errors  TEXT NOT NULL,         -- JSON array of {operation, code, message}
  raw                TEXT NOT NULL          -- JSON object: the API responses this record was built from
);
CREATE INDEX trails_by_kms_key_id ON trails (kms_key_id) WHERE deleted_at IS NULL;
CREATE INDEX trails_by_account_region ON trails (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX trails_by_name ON trails (name);
CREATE INDEX trails_by_is_logging ON trails (is_logging) WHERE deleted_at IS NULL;

-- Every (account, region) whose DescribeTrails returned the trail: home, shadow and organization views.
CREATE TABLE trail_sightings (
  trail_arn    TEXT NOT NULL REFERENCES trails(arn),
  account_id   TEXT NOT NULL,
  region       TEXT NOT NULL,
  last_run_id  INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, trail_arn)
);
CREATE INDEX trail_sightings_by_trail ON trail_sightings (trail_arn);

CREATE TABLE asset_tags (
  asset_id  TEXT NOT NULL,
  key       TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (asset_id, key)
);
CREATE INDEX asset_tags_by_key_value ON asset_tags (key, value);
