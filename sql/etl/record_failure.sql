-- A failed run: the state says so; what the target holds (sql_version, rows)
-- still describes the last successful run, whose data stayed in place.
UPDATE partitions SET
  status = 'failed',
  failures = failures + 1,
  lease_until = NULL,
  finished_at = now(),
  error = $4
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
