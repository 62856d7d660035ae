-- AWS Config configuration recorders (src/assets/configuration-recorder.ts): one row per recorder ARN, under its
-- account and region. Where each is seen and what changed in it are rows of the generic sightings and changes tables
-- (0010), keyed by the ARN.
-- Strings the cloud leaves out are ''; NULL means the call that reads the value failed (collection_errors says which).
CREATE TABLE configuration_recorders (
  arn            TEXT PRIMARY KEY,          -- AWS's arn, else arn:aws:config:<region>:<account>:configuration-recorder/<name>
  name           TEXT NOT NULL,
  account_id     TEXT NOT NULL,
  region         TEXT NOT NULL,
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  deleted_at     TEXT,
  last_run_id    INTEGER NOT NULL,
  content_hash   TEXT NOT NULL,
  config_hash    TEXT NOT NULL,

  -- DescribeConfigurationRecorders
  role_arn                       TEXT NOT NULL,
  all_supported                  INTEGER NOT NULL CHECK (all_supported IN (0, 1)),
  include_global_resource_types  INTEGER NOT NULL CHECK (include_global_resource_types IN (0, 1)),
  resource_types                 TEXT NOT NULL,    -- JSON array of resource types (AWS::EC2::Instance, ...)
  exclusion_resource_types       TEXT NOT NULL,    -- JSON array of resource types
  recording_strategy             TEXT NOT NULL,
  recording_frequency            TEXT NOT NULL,
  service_principal              TEXT NOT NULL,    -- '' for the customer managed recorder

  -- DescribeConfigurationRecorderStatus (NULL when the call failed)
  recording                INTEGER CHECK (recording IN (0, 1)),
  last_status              TEXT,                   -- Pending, Success or Failure
  last_error_code          TEXT,
  last_error_message       TEXT,
  last_start_time          TEXT,
  last_stop_time           TEXT,
  last_status_change_time  TEXT,

  tags_known         INTEGER NOT NULL CHECK (tags_known IN (0, 1)),
  collection_errors  TEXT NOT NULL,         -- JSON array of {operation, code, message}
  raw                TEXT NOT NULL          -- JSON object: the API responses this record was built from
);
CREATE INDEX configuration_recorders_by_account_region ON configuration_recorders (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX configuration_recorders_by_name ON configuration_recorders (name);
