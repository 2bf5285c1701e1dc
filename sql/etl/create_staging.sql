-- Raw rows of one partition run: a TEMP table of the run's own session
-- (one pinned connection), so concurrent runs never see each other's rows
-- and a crash leaves nothing behind. Loaded by an autocommit COPY outside
-- the final transaction; read by that short transaction; dropped after it.
DROP TABLE IF EXISTS staging;
CREATE TEMPORARY TABLE staging (
  timestamp timestamptz,
  wind_speed float8,
  power float8
)
