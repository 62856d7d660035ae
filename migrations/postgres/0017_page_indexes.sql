-- Indexes that hand a page its rows in order (README, Querying: "Paging"): a filter's equalities first, then the
-- sort's columns, then the ARN that breaks ties, over live assets only. A page then reads its first rows in order
-- and stops (no sort of every match), and its count reads the index alone.

-- The dashboard's trail page: trails without a KMS key that are logging, by region (also any KMS key, by region).
-- It replaces the index on the KMS key alone, whose name it keeps: it begins with the key, and serves all that one did.
DROP INDEX trails_by_kms_key_id;
CREATE INDEX trails_by_kms_key_id ON trails (kms_key_id, is_logging, region, arn) WHERE deleted_at IS NULL;

-- Every type by account then region, and by region: the dashboards' usual filters and sorts. The account's index
-- gains the ARN in place of the one it replaces, so a sync writes one index more per type, not two.
DROP INDEX trails_by_account_region;
CREATE INDEX trails_by_account_region ON trails (account_id, region, arn) WHERE deleted_at IS NULL;
CREATE INDEX trails_by_region ON trails (region, arn) WHERE deleted_at IS NULL;
DROP INDEX kms_keys_by_account_region;
CREATE INDEX kms_keys_by_account_region ON kms_keys (account_id, region, arn) WHERE deleted_at IS NULL;
CREATE INDEX kms_keys_by_region ON kms_keys (region, arn) WHERE deleted_at IS NULL;
DROP INDEX buckets_by_account_region;
CREATE INDEX buckets_by_account_region ON buckets (account_id, region, arn) WHERE deleted_at IS NULL;
CREATE INDEX buckets_by_region ON buckets (region, arn) WHERE deleted_at IS NULL;
DROP INDEX vpcs_by_account_region;
CREATE INDEX vpcs_by_account_region ON vpcs (account_id, region, arn) WHERE deleted_at IS NULL;
CREATE INDEX vpcs_by_region ON vpcs (region, arn) WHERE deleted_at IS NULL;
DROP INDEX configuration_recorders_by_account_region;
CREATE INDEX configuration_recorders_by_account_region ON configuration_recorders (account_id, region, arn) WHERE deleted_at IS NULL;
CREATE INDEX configuration_recorders_by_region ON configuration_recorders (region, arn) WHERE deleted_at IS NULL;
DROP INDEX metric_filters_by_account_id_region;
CREATE INDEX metric_filters_by_account_id_region ON metric_filters (account_id, region, arn) WHERE deleted_at IS NULL;
CREATE INDEX metric_filters_by_region ON metric_filters (region, arn) WHERE deleted_at IS NULL;
DROP INDEX metric_alarms_by_account_id_region;
CREATE INDEX metric_alarms_by_account_id_region ON metric_alarms (account_id, region, arn) WHERE deleted_at IS NULL;
CREATE INDEX metric_alarms_by_region ON metric_alarms (region, arn) WHERE deleted_at IS NULL;
DROP INDEX sns_topics_by_account_id_region;
CREATE INDEX sns_topics_by_account_id_region ON sns_topics (account_id, region, arn) WHERE deleted_at IS NULL;
CREATE INDEX sns_topics_by_region ON sns_topics (region, arn) WHERE deleted_at IS NULL;

-- The inventory's version, for counts kept between requests: every write transaction adds one to a slot (its
-- connection's, so that concurrent writers do not wait on one row), committed with its changes. The sum changes
-- whenever the inventory has, as every replica reads it; a count kept at one sum holds while the sum is the same.
CREATE TABLE inventory_changes (
  slot    smallint PRIMARY KEY CHECK (slot BETWEEN 0 AND 15),
  writes  bigint   NOT NULL
);
INSERT INTO inventory_changes (slot, writes) SELECT slot, 0 FROM generate_series(0, 15) AS slot;
