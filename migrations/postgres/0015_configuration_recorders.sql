-- AWS Config configuration recorders (src/assets/configuration-recorder.ts): one row per recorder ARN, under its
-- account and region. Where each is seen and what changed in it are rows of the generic sightings and changes tables
-- (0010), keyed by the ARN.
-- Strings the cloud leaves out are ''; NULL means the call that reads the value failed (collection_errors says which).
CREATE TABLE configuration_recorders (
  arn            text COLLATE "C" PRIMARY KEY, -- AWS's arn, else arn:aws:config:<region>:<account>:configuration-recorder/<name>
  name           text COLLATE "C" NOT NULL,
  account_id     text COLLATE "C" NOT NULL,
  region         text COLLATE "C" NOT NULL,
  first_seen_at  text COLLATE "C" NOT NULL,
  last_seen_at   text COLLATE "C" NOT NULL,
  deleted_at     text COLLATE "C",
  last_run_id    integer NOT NULL,
  content_hash   text COLLATE "C" NOT NULL,
  config_hash    text COLLATE "C" NOT NULL,

  -- DescribeConfigurationRecorders
  role_arn                       text COLLATE "C" NOT NULL,
  all_supported                  boolean NOT NULL,
  include_global_resource_types  boolean NOT NULL,
  resource_types                 jsonb NOT NULL,    -- array of resource types (AWS::EC2::Instance, ...)
  exclusion_resource_types       jsonb NOT NULL,    -- array of resource types
  recording_strategy             text COLLATE "C" NOT NULL,
  recording_frequency            text COLLATE "C" NOT NULL,
  service_principal              text COLLATE "C" NOT NULL,   -- '' for the customer managed recorder

  -- DescribeConfigurationRecorderStatus (NULL when the call failed)
  recording                boolean,
  last_status              text COLLATE "C",        -- Pending, Success or Failure
  last_error_code          text COLLATE "C",
  last_error_message       text COLLATE "C",
  last_start_time          text COLLATE "C",
  last_stop_time           text COLLATE "C",
  last_status_change_time  text COLLATE "C",

  tags_known         boolean NOT NULL,
  collection_errors  jsonb NOT NULL,          -- array of {operation, code, message}
  raw                jsonb NOT NULL           -- object: the API responses this record was built from
);
CREATE INDEX configuration_recorders_by_account_region ON configuration_recorders (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX configuration_recorders_by_name ON configuration_recorders (name);
