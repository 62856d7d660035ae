-- Amazon S3 buckets (src/assets/bucket.ts): one row per bucket ARN, under its owner account and its own region. Where
-- each bucket is seen and what changed in it are rows of the generic sightings and changes tables (0010), keyed by the
-- ARN. Strings the cloud leaves out are ''; NULL means a call that reads the value failed (collection_errors says which).
CREATE TABLE buckets (
  arn            text COLLATE "C" PRIMARY KEY,
  name           text COLLATE "C" NOT NULL,             -- the bucket's name
  account_id     text COLLATE "C" NOT NULL,             -- the owner: the account whose ListBuckets lists it
  region         text COLLATE "C" NOT NULL,             -- GetBucketLocation
  first_seen_at  text COLLATE "C" NOT NULL,
  last_seen_at   text COLLATE "C" NOT NULL,
  deleted_at     text COLLATE "C",
  last_run_id    integer NOT NULL,
  content_hash   text COLLATE "C" NOT NULL,
  config_hash    text COLLATE "C" NOT NULL,

  creation_date  text COLLATE "C",                      -- ListBuckets CreationDate

  -- GetBucketPolicy, GetBucketPolicyStatus
  policy_document   text COLLATE "C",                   -- compact JSON; '' when the bucket has no policy
  bucket_policy     jsonb,                   -- {statements: [{sid, effect, principals, actions, notActions, resources, conditions}]}
  policy_is_public  boolean,

  -- GetBucketAcl
  acl_grants    jsonb,                       -- array of {granteeType, granteeURI, granteeID, granteeDisplayName, permission}
  acl_owner_id  text COLLATE "C",

  -- GetBucketPublicAccessBlock, S3 Control GetPublicAccessBlock: JSON {blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets}
  public_access_block          jsonb,
  account_public_access_block  jsonb,
  public_access_blocked        boolean,

  -- GetBucketLogging
  logging_enabled        boolean,
  logging_target_bucket  text COLLATE "C",
  logging_target_prefix  text COLLATE "C",

  -- GetBucketEncryption
  encrypted             boolean,
  encryption_algorithm  text COLLATE "C",
  encryption_key_id     text COLLATE "C",
  bucket_key_enabled    boolean,

  -- GetBucketVersioning
  versioning_status             text COLLATE "C",       -- '', Enabled or Suspended
  versioning_enabled            boolean,
  bucket_versioning_mfa_delete  boolean,

  tags_known         boolean NOT NULL,
  collection_errors  jsonb NOT NULL,         -- array of {operation, code, message}
  raw                jsonb NOT NULL          -- object: the API responses this record was built from
);
CREATE INDEX buckets_by_account_region ON buckets (account_id, region) WHERE deleted_at IS NULL;
-- Trail.s3Bucket and Bucket.trails join on the name.
CREATE INDEX buckets_by_name ON buckets (name);
CREATE INDEX trails_by_s3_bucket_name ON trails (s3_bucket_name) WHERE deleted_at IS NULL;
