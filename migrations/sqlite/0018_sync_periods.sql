-- Scheduled syncs (`inventory serve --sync-every`, README, "Scheduled syncs"): time is cut into periods of `every_ms`
-- counted from the Unix epoch (period = floor(epoch ms / every_ms)), and a process claims a period here before it syncs
-- it. The primary key lets one claim in: however many processes share the inventory, a period is synced at most once.
CREATE TABLE sync_periods (
  every_ms    INTEGER NOT NULL CHECK (every_ms > 0),
  period      INTEGER NOT NULL,
  starts_at   TEXT    NOT NULL,   -- the period's start (ISO 8601), for readers
  claimed_at  TEXT    NOT NULL,
  host        TEXT    NOT NULL,   -- the process that claimed it, as sync_runs names it
  pid         INTEGER NOT NULL,
  PRIMARY KEY (every_ms, period)
);
