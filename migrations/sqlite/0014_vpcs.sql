-- Amazon VPCs (src/assets/vpc.ts): one row per VPC ARN, under its owner account and region, with the flow logs whose
-- resource it is. Where each VPC is seen and what changed in it are rows of the generic sightings and changes tables
-- (0010), keyed by the ARN; its tags are rows of the shared tags table.
-- Strings the cloud leaves out are ''; NULL means the call that reads the value failed (collection_errors says which).
CREATE TABLE vpcs (
  arn            TEXT PRIMARY KEY,
  name           TEXT NOT NULL,             -- the Name tag, else the VPC id
  account_id     TEXT NOT NULL,             -- the owner, from the ARN
  region         TEXT NOT NULL,
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  deleted_at     TEXT,
  last_run_id    INTEGER NOT NULL,
  content_hash   TEXT NOT NULL,
  config_hash    TEXT NOT NULL,

  -- DescribeVpcs
  vpc_id            TEXT NOT NULL,
  cidr_block        TEXT NOT NULL,
  cidr_blocks       TEXT NOT NULL,          -- JSON array of {cidrBlock, associationID, state}
  is_default        INTEGER NOT NULL CHECK (is_default IN (0, 1)),
  state             TEXT NOT NULL,
  instance_tenancy  TEXT NOT NULL,
  dhcp_options_id   TEXT NOT NULL,
  owner_id          TEXT NOT NULL,

  -- DescribeFlowLogs (NULL when the call failed for the region)
  flow_logs         TEXT,                   -- JSON array of {flowLogID, flowLogStatus, deliverLogsStatus, ...}

  tags_known         INTEGER NOT NULL CHECK (tags_known IN (0, 1)),
  collection_errors  TEXT NOT NULL,         -- JSON array of {operation, code, message}
  raw                TEXT NOT NULL          -- JSON object: the API responses this record was built from
);
CREATE INDEX vpcs_by_account_region ON vpcs (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX vpcs_by_name ON vpcs (name);
