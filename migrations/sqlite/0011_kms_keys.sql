-- AWS KMS keys (src/assets/kms-key.ts): one row per key ARN, under its owner account and region. Where each key is
-- seen and what changed in it are rows of the generic sightings and changes tables (0010), keyed by the ARN.
-- Strings the cloud leaves out are ''; NULL means the call that reads the value failed (collection_errors says which).
CREATE TABLE kms_keys (
  arn            TEXT PRIMARY KEY,
  name           TEXT NOT NULL,             -- the first alias, else the key id
  account_id     TEXT NOT NULL,             -- the owner, from the ARN
  region         TEXT NOT NULL,
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  deleted_at     TEXT,
  last_run_id    INTEGER NOT NULL,
  content_hash   TEXT NOT NULL,
  config_hash    TEXT NOT NULL,

  key_id         TEXT NOT NULL,
  aliases        TEXT,                      -- JSON array of alias names (ListAliases); NULL when it failed

  -- DescribeKey (NULL when the call failed)
  description            TEXT,
  key_manager            TEXT,              -- CUSTOMER or AWS
  management_type        TEXT CHECK (management_type IN ('CustomerManaged', 'AWSManaged')),
  key_state              TEXT,
  enabled                INTEGER CHECK (enabled IN (0, 1)),
  schedule_for_deletion  INTEGER CHECK (schedule_for_deletion IN (0, 1)),
  deletion_date          TEXT,              -- also NULL when the key is not pending deletion
  key_spec               TEXT,
  key_usage              TEXT,
  origin                 TEXT,
  multi_region           INTEGER CHECK (multi_region IN (0, 1)),
  creation_date          TEXT,

  -- GetKeyRotationStatus (NULL when the call failed or DescribeKey did)
  automatic_rotation_enabled  INTEGER CHECK (automatic_rotation_enabled IN (0, 1)),

  -- GetKeyPolicy (NULL when the call failed; key_policy also when the text is not a JSON policy)
  policy_document  TEXT,
  key_policy       TEXT,                    -- JSON {statements: [{sid, effect, principals, actions, notActions, resources, conditions}]}

  tags_known         INTEGER NOT NULL CHECK (tags_known IN (0, 1)),
  collection_errors  TEXT NOT NULL,         -- JSON array of {operation, code, message}
  raw                TEXT NOT NULL          -- JSON object: the API responses this record was built from
);
CREATE INDEX kms_keys_by_account_region ON kms_keys (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX kms_keys_by_name ON kms_keys (name);
-- The CIS rotation check reads these together.
CREATE INDEX kms_keys_by_rotation ON kms_keys (management_type, key_spec, automatic_rotation_enabled) WHERE deleted_at IS NULL;
