-- AWS KMS keys (src/assets/kms-key.ts): one row per key ARN, under its owner account and region. Where each key is
-- seen and what changed in it are rows of the generic sightings and changes tables (0010), keyed by the ARN.
-- Strings the cloud leaves out are ''; NULL means the call that reads the value failed (collection_errors says which).
CREATE TABLE kms_keys (
  arn            text COLLATE "C" PRIMARY KEY,
  name           text COLLATE "C" NOT NULL,   -- the first alias, else the key id
  account_id     text COLLATE "C" NOT NULL,   -- the owner, from the ARN
  region         text COLLATE "C" NOT NULL,
  first_seen_at  text COLLATE "C" NOT NULL,
  last_seen_at   text COLLATE "C" NOT NULL,
  deleted_at     text COLLATE "C",
  last_run_id    integer NOT NULL,
  content_hash   text COLLATE "C" NOT NULL,
  config_hash    text COLLATE "C" NOT NULL,

  key_id         text COLLATE "C" NOT NULL,
  aliases        jsonb,                       -- array of alias names (ListAliases); NULL when it failed

  -- DescribeKey (NULL when the call failed)
  description            text COLLATE "C",
  key_manager            text COLLATE "C",    -- CUSTOMER or AWS
  management_type        text COLLATE "C" CHECK (management_type IN ('CustomerManaged', 'AWSManaged')),
  key_state              text COLLATE "C",
  enabled                boolean,
  schedule_for_deletion  boolean,
  deletion_date          text COLLATE "C",    -- also NULL when the key is not pending deletion
  key_spec               text COLLATE "C",
  key_usage              text COLLATE "C",
  origin                 text COLLATE "C",
  multi_region           boolean,
  creation_date          text COLLATE "C",

  -- GetKeyRotationStatus (NULL when the call failed or DescribeKey did)
  automatic_rotation_enabled  boolean,

  -- GetKeyPolicy (NULL when the call failed; key_policy also when the text is not a JSON policy)
  policy_document  text COLLATE "C",
  key_policy       jsonb,                     -- {statements: [{sid, effect, principals, actions, notActions, resources, conditions}]}

  tags_known         boolean NOT NULL,
  collection_errors  jsonb NOT NULL,          -- array of {operation, code, message}
  raw                jsonb NOT NULL           -- object: the API responses this record was built from
);
CREATE INDEX kms_keys_by_account_region ON kms_keys (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX kms_keys_by_name ON kms_keys (name);
-- The CIS rotation check reads these together.
CREATE INDEX kms_keys_by_rotation ON kms_keys (management_type, key_spec, automatic_rotation_enabled) WHERE deleted_at IS NULL;
