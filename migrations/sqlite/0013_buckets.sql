-- Amazon S3 buckets (src/assets/bucket.ts): one row per bucket ARN, under its owner account and its own region. Where
-- each bucket is seen and what changed in it are rows of the generic sightings and changes tables (0010), keyed by the
-- ARN. Strings the cloud leaves out are ''; NULL means a call that reads the value failed (collection_errors says which).
CREATE TABLE buckets (
  arn            TEXT PRIMARY KEY,
  name           TEXT NOT NULL,             -- the bucket's name
  account_id     TEXT NOT NULL,             -- the owner: the account whose ListBuckets lists it
  region         TEXT NOT NULL,             -- GetBucketLocation
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  deleted_at     TEXT,
  last_run_id    INTEGER NOT NULL,
  content_hash   TEXT NOT NULL,
  config_hash    TEXT NOT NULL,

  creation_date  TEXT,                      -- ListBuckets CreationDate

  -- GetBucketPolicy, GetBucketPolicyStatus
  policy_document   TEXT,                   -- compact JSON; '' when the bucket has no policy
  bucket_policy     TEXT,                   -- JSON {statements: [{sid, effect, principals, actions, notActions, resources, conditions}]}
  policy_is_public  INTEGER CHECK (policy_is_public IN (0, 1)),

  -- GetBucketAcl
  acl_grants    TEXT,                       -- JSON array of {granteeType, granteeURI, granteeID, granteeDisplayName, permission}
  acl_owner_id  TEXT,

  -- GetBucketPublicAccessBlock, S3 Control GetPublicAccessBlock: JSON {blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets}
  public_access_block          TEXT,
  account_public_access_block  TEXT,
  public_access_blocked        INTEGER CHECK (public_access_blocked IN (0, 1)),

  -- GetBucketLogging
  logging_enabled        INTEGER CHECK (logging_enabled IN (0, 1)),
  logging_target_bucket  TEXT,
  logging_target_prefix  TEXT,

  -- GetBucketEncryption
  encrypted             INTEGER CHECK (encrypted IN (0, 1)),
  encryption_algorithm  TEXT,
  encryption_key_id     TEXT,
  bucket_key_enabled    INTEGER CHECK (bucket_key_enabled IN (0, 1)),

  -- GetBucketVersioning
  versioning_status             TEXT,       -- '', Enabled or Suspended
  versioning_enabled            INTEGER CHECK (versioning_enabled IN (0, 1)),
  bucket_versioning_mfa_delete  INTEGER CHECK (bucket_versioning_mfa_delete IN (0, 1)),

  tags_known         INTEGER NOT NULL CHECK (tags_known IN (0, 1)),
  collection_errors  TEXT NOT NULL,         -- JSON array of {operation, code, message}
  raw                TEXT NOT NULL          -- JSON object: the API responses this record was built from
);
CREATE INDEX buckets_by_account_region ON buckets (account_id, region) WHERE deleted_at IS NULL;
-- Trail.s3Bucket and Bucket.trails join on the name.
CREATE INDEX buckets_by_name ON buckets (name);
CREATE INDEX trails_by_s3_bucket_name ON trails (s3_bucket_name) WHERE deleted_at IS NULL;
