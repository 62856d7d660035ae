-- Monitoring (issue 16): the metric filters, alarms and SNS topics of the CIS monitoring chain. Where each asset is
-- seen and what changed in it are rows of the generic sightings and changes tables (0010), keyed by the ARN.
-- Strings the cloud leaves out are ''.

-- CloudWatch Logs metric filters (src/assets/metric-filter.ts): one row per filter, keyed by the ARN the inventory makes
-- (arn:aws:logs:<region>:<account>:log-group:<name>:metric-filter:<filter>).
CREATE TABLE metric_filters (
  arn                          TEXT PRIMARY KEY,
  name                         TEXT NOT NULL,
  account_id                   TEXT NOT NULL,
  region                       TEXT NOT NULL,
  first_seen_at                TEXT NOT NULL,
  last_seen_at                 TEXT NOT NULL,
  deleted_at                   TEXT,
  last_run_id                  INTEGER NOT NULL,
  content_hash                 TEXT NOT NULL,
  config_hash                  TEXT NOT NULL,

  filter_name                  TEXT NOT NULL,
  log_group_name               TEXT NOT NULL,
  filter_pattern               TEXT NOT NULL,
  metric_transformations       TEXT NOT NULL,  -- array of {metricName, metricNamespace, metricValue, defaultValue, unit}
  creation_time                TEXT,
  apply_on_transformed_logs    INTEGER CHECK (apply_on_transformed_logs IN (0, 1)) NOT NULL,

  tags_known                   INTEGER NOT NULL CHECK (tags_known IN (0, 1)),
  collection_errors            TEXT NOT NULL,  -- JSON array of {operation, code, message}
  raw                          TEXT NOT NULL   -- JSON object: the API responses this record was built from
);
CREATE INDEX metric_filters_by_account_id_region ON metric_filters (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX metric_filters_by_account_id_region_log_group_name ON metric_filters (account_id, region, log_group_name) WHERE deleted_at IS NULL;
CREATE INDEX metric_filters_by_name ON metric_filters (name);

-- CloudWatch metric alarms (src/assets/metric-alarm.ts): one row per alarm ARN.
CREATE TABLE metric_alarms (
  arn                          TEXT PRIMARY KEY,
  name                         TEXT NOT NULL,
  account_id                   TEXT NOT NULL,
  region                       TEXT NOT NULL,
  first_seen_at                TEXT NOT NULL,
  last_seen_at                 TEXT NOT NULL,
  deleted_at                   TEXT,
  last_run_id                  INTEGER NOT NULL,
  content_hash                 TEXT NOT NULL,
  config_hash                  TEXT NOT NULL,

  alarm_arn                    TEXT NOT NULL,
  alarm_name                   TEXT NOT NULL,
  metric_name                  TEXT NOT NULL,
  namespace                    TEXT NOT NULL,
  statistic                    TEXT NOT NULL,
  extended_statistic           TEXT NOT NULL,
  dimensions                   TEXT NOT NULL,  -- array of {name, value}
  metrics                      TEXT NOT NULL,  -- array of {id, expression, label, returnData, metricName, namespace, stat, period, accountId}
  comparison_operator          TEXT NOT NULL,
  threshold                    TEXT,  -- a number; NULL for an anomaly detection band
  evaluation_periods           INTEGER NOT NULL,
  actions_enabled              INTEGER CHECK (actions_enabled IN (0, 1)) NOT NULL,
  alarm_actions                TEXT NOT NULL,  -- array of ARNs
  ok_actions                   TEXT NOT NULL,  -- array of ARNs
  insufficient_data_actions    TEXT NOT NULL,  -- array of ARNs
  state_value                  TEXT NOT NULL,

  tags_known                   INTEGER NOT NULL CHECK (tags_known IN (0, 1)),
  collection_errors            TEXT NOT NULL,  -- JSON array of {operation, code, message}
  raw                          TEXT NOT NULL   -- JSON object: the API responses this record was built from
);
CREATE INDEX metric_alarms_by_account_id_region ON metric_alarms (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX metric_alarms_by_name ON metric_alarms (name);

-- Amazon SNS topics (src/assets/sns-topic.ts): one row per topic ARN. NULL means the call that reads the value failed
-- (collection_errors says which).
CREATE TABLE sns_topics (
  arn                          TEXT PRIMARY KEY,
  name                         TEXT NOT NULL,
  account_id                   TEXT NOT NULL,
  region                       TEXT NOT NULL,
  first_seen_at                TEXT NOT NULL,
  last_seen_at                 TEXT NOT NULL,
  deleted_at                   TEXT,
  last_run_id                  INTEGER NOT NULL,
  content_hash                 TEXT NOT NULL,
  config_hash                  TEXT NOT NULL,

  topic_arn                    TEXT NOT NULL,
  topic_name                   TEXT NOT NULL,
  kms_master_key_id            TEXT,  -- GetTopicAttributes; '' when not encrypted
  topic_attributes             TEXT,  -- GetTopicAttributes: array of {key, value}
  confirmed_subscription_count INTEGER,  -- GetTopicAttributes SubscriptionsConfirmed
  subscriptions                TEXT,  -- ListSubscriptionsByTopic: array of {subscriptionArn, protocol, endpoint, owner, confirmed}

  tags_known                   INTEGER NOT NULL CHECK (tags_known IN (0, 1)),
  collection_errors            TEXT NOT NULL,  -- JSON array of {operation, code, message}
  raw                          TEXT NOT NULL   -- JSON object: the API responses this record was built from
);
CREATE INDEX sns_topics_by_account_id_region ON sns_topics (account_id, region) WHERE deleted_at IS NULL;
CREATE INDEX sns_topics_by_name ON sns_topics (name);
