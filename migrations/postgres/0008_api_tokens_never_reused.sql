-- API tokens are no longer deleted (PostgreSQL twin of migrations/sqlite/0008): a revoked token keeps its row, with
-- revoked_at, and neither its id nor its name is ever given to another token, so that an exception created by
-- "token 3" or by "ci" keeps meaning one token. The identity sequence never hands out an id twice.
ALTER TABLE api_tokens ADD COLUMN revoked_at text COLLATE "C";   -- set by `inventory token revoke`: refused from then on
-- Tokens deleted before this migration left their ids in the exceptions they created or revoked ("token <id>"): the
-- sequence moves past them too (pg_sequence_last_value is null while the sequence has handed out nothing).
SELECT setval(pg_get_serial_sequence('api_tokens', 'id'), used)
  FROM (SELECT greatest(
          coalesce(pg_sequence_last_value(pg_get_serial_sequence('api_tokens', 'id')::regclass), 0),
          coalesce((SELECT max(id) FROM api_tokens), 0),
          coalesce((SELECT max(substr(actor, 7)::integer)
                      FROM (SELECT created_by AS actor FROM control_exceptions UNION SELECT revoked_by FROM control_exceptions) actors
                     WHERE actor ~ '^token [0-9]{1,9}$'), 0)) AS used) ids
 WHERE used > 0;
