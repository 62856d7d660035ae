-- Monitoring (issue 16): the metric filters, alarms and SNS topics of the CIS monitoring chain. Where each asset is
-- seen and what changed in it are rows of the generic sightings and changes tables (0010), keyed by the ARN.
-- Strings the cloud leaves out are ''.

-- CloudWatch Logs metric filters (src/assets/metric-filter.ts): one row per filter, keyed by the ARN the inventory makes
-- (arn:aws:logs:<region>:<account>:log-group:<name>:metric-filter:<filter>).
CREATE TABLE metric_filters (
  arn                          text COLLATE "C" PRIMARY KEY,
  name                         text COLLATE "C" NOT NULL,
  account_id                   text COLLATE "C" NOT NULL,
  region                       text COLLATE "C" NOT NULL,
  first_seen_at                text COLLATE "C" NOT NULL,
  last_seen_at                 text COLLATE "C" NOT NULL,
  deleted_at                   text COLLATE "C",
  last_run_id                  integer NOT NULL,
  content_hash                 text COLLATE "C" NOT NULL,
  config_hash                  text COLLATE "C" NOT NULL,

  filter_name                  text COLLATE "C" NOT NULL,
  log_group_name               text COLLATE "C" NOT NULL,
  filter_pattern               text COLLATE "C" NOT NULL,
  metric_transformations       jsonb NOT NULL,  -- array of {metricName, metricNamespace, metricValue, defaultValue, unit}
  creation_time                text COLLATE "C",
  apply_on_transformed_logs    boolean NOT NULL,

  tags_known                   boolean NOT NULL,
  collection_errors            jsonb NOT NULL,  -- array of {operation, code, message}
  raw                          jsonb NOT NULL   -- object: the API responses this record was built from
);
CREATE INDEX metric_filters_by_account_id_region ON metric_filters (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX metric_filters_by_account_id_region_log_group_name ON metric_filters (account_id, region, log_group_name) WHERE deleted_at IS NULL;
CREATE INDEX metric_filters_by_name ON metric_filters (name);

-- CloudWatch metric alarms (src/assets/metric-alarm.ts): one row per alarm ARN.
CREATE TABLE metric_alarms (
  arn                          text COLLATE "C" PRIMARY KEY,
  name                         text COLLATE "C" NOT NULL,
  account_id                   text COLLATE "C" NOT NULL,
  region                       text COLLATE "C" NOT NULL,
  first_seen_at                text COLLATE "C" NOT NULL,
  last_seen_at                 text COLLATE "C" NOT NULL,
  deleted_at                   text COLLATE "C",
  last_run_id                  integer NOT NULL,
  content_hash                 text COLLATE "C" NOT NULL,
  config_hash                  text COLLATE "C" NOT NULL,

  alarm_arn                    text COLLATE "C" NOT NULL,
  alarm_name                   text COLLATE "C" NOT NULL,
  metric_name                  text COLLATE "C" NOT NULL,
  namespace                    text COLLATE "C" NOT NULL,
  statistic                    text COLLATE "C" NOT NULL,
  extended_statistic           text COLLATE "C" NOT NULL,
  dimensions                   jsonb NOT NULL,  -- array of {name, value}
  metrics                      jsonb NOT NULL,  -- array of {id, expression, label, returnData, metricName, namespace, stat, period, accountId}
  comparison_operator          text COLLATE "C" NOT NULL,
  threshold                    jsonb,  -- a number; NULL for an anomaly detection band
  evaluation_periods           integer NOT NULL,
  actions_enabled              boolean NOT NULL,
  alarm_actions                jsonb NOT NULL,  -- array of ARNs
  ok_actions                   jsonb NOT NULL,  -- array of ARNs
  insufficient_data_actions    jsonb NOT NULL,  -- array of ARNs
  state_value                  text COLLATE "C" NOT NULL,

  tags_known                   boolean NOT NULL,
  collection_errors            jsonb NOT NULL,  -- array of {operation, code, message}
  raw                          jsonb NOT NULL   -- object: the API responses this record was built from
);
CREATE INDEX metric_alarms_by_account_id_region ON metric_alarms (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX metric_alarms_by_name ON metric_alarms (name);

-- Amazon SNS topics (src/assets/sns-topic.ts): one row per topic ARN. NULL means the call that reads the value failed
-- (collection_errors says which).
CREATE TABLE sns_topics (
  arn                          text COLLATE "C" PRIMARY KEY,
  name                         text COLLATE "C" NOT NULL,
  account_id                   text COLLATE "C" NOT NULL,
  region                       text COLLATE "C" NOT NULL,
  first_seen_at                text COLLATE "C" NOT NULL,
  last_seen_at                 text COLLATE "C" NOT NULL,
  deleted_at                   text COLLATE "C",
  last_run_id                  integer NOT NULL,
  content_hash                 text COLLATE "C" NOT NULL,
  config_hash                  text COLLATE "C" NOT NULL,

  topic_arn                    text COLLATE "C" NOT NULL,
  topic_name                   text COLLATE "C" NOT NULL,
  kms_master_key_id            text COLLATE "C",  -- GetTopicAttributes; '' when not encrypted
  topic_attributes             jsonb,  -- GetTopicAttributes: array of {key, value}
  confirmed_subscription_count integer,  -- GetTopicAttributes SubscriptionsConfirmed
  subscriptions                jsonb,  -- ListSubscriptionsByTopic: array of {subscriptionArn, protocol, endpoint, owner, confirmed}

  tags_known                   boolean NOT NULL,
  collection_errors            jsonb NOT NULL,  -- array of {operation, code, message}
  raw                          jsonb NOT NULL   -- object: the API responses this record was built from
);
CREATE INDEX sns_topics_by_account_id_region ON sns_topics (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX sns_topics_by_name ON sns_topics (name);
