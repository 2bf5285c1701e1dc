-- Raw rows of one partition run. A temporary table inside the run's
-- transaction: private to this session, gone at commit or rollback, so
-- concurrent runs never see each other's rows and a crash leaves nothing behind.
CREATE TEMPORARY TABLE staging (
  timestamp timestamptz,
  wind_speed float8,
  power float8
) ON COMMIT DROP
