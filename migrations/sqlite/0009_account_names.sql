-- The name a sync gave each account it attempted: the accounts file's `name`, else the account's name in AWS
-- Organizations; NULL when it had none. GraphQL's Account.name is the latest one given.
ALTER TABLE sync_accounts ADD COLUMN account_name TEXT;
