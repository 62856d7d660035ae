-- Amazon VPCs (src/assets/vpc.ts): one row per VPC ARN, under its owner account and region, with the flow logs whose
-- resource it is. Where each VPC is seen and what changed in it are rows of the generic sightings and changes tables
-- (0010), keyed by the ARN; its tags are rows of the shared tags table.
-- Strings the cloud leaves out are ''; NULL means the call that reads the value failed (collection_errors says which).
CREATE TABLE vpcs (
  arn            text COLLATE "C" PRIMARY KEY,
  name           text COLLATE "C" NOT NULL,   -- the Name tag, else the VPC id
  account_id     text COLLATE "C" NOT NULL,   -- the owner, from the ARN
  region         text COLLATE "C" NOT NULL,
  first_seen_at  text COLLATE "C" NOT NULL,
  last_seen_at   text COLLATE "C" NOT NULL,
  deleted_at     text COLLATE "C",
  last_run_id    integer NOT NULL,
  content_hash   text COLLATE "C" NOT NULL,
  config_hash    text COLLATE "C" NOT NULL,

  -- DescribeVpcs
  vpc_id            text COLLATE "C" NOT NULL,
  cidr_block        text COLLATE "C" NOT NULL,
  cidr_blocks       jsonb NOT NULL,             -- array of {cidrBlock, associationID, state}
  is_default        boolean NOT NULL,
  state             text COLLATE "C" NOT NULL,
  instance_tenancy  text COLLATE "C" NOT NULL,
  dhcp_options_id   text COLLATE "C" NOT NULL,
  owner_id          text COLLATE "C" NOT NULL,

  -- DescribeFlowLogs (NULL when the call failed for the region)
  flow_logs         jsonb,                      -- array of {flowLogID, flowLogStatus, deliverLogsStatus, ...}

  tags_known         boolean NOT NULL,
  collection_errors  jsonb NOT NULL,            -- array of {operation, code, message}
  raw                jsonb NOT NULL             -- object: the API responses this record was built from
);
CREATE INDEX vpcs_by_account_region ON vpcs (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX vpcs_by_name ON vpcs (name);
