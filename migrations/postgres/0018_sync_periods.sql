-- Scheduled syncs (PostgreSQL twin of migrations/sqlite/0018; README, "Scheduled syncs"): time is cut into periods of
-- `every_ms` counted from the Unix epoch (period = floor(epoch ms / every_ms)), and a replica claims a period here
-- before it syncs it. The primary key lets one claim in: a period is synced at most once, even across a change of leader.
CREATE TABLE sync_periods (
  every_ms    integer NOT NULL CHECK (every_ms > 0),
  period      bigint NOT NULL,
  starts_at   text COLLATE "C" NOT NULL,   -- the period's start (ISO 8601), for readers
  claimed_at  text COLLATE "C" NOT NULL,
  host        text COLLATE "C" NOT NULL,   -- the process that claimed it, as sync_runs names it
  pid         integer NOT NULL,
  PRIMARY KEY (every_ms, period)
);
