-- A failed run: the state says so; what the target holds (sql_version, rows,
-- success_run_id) still describes the last success, whose data stayed in
-- place. The next automatic attempt waits $5 s after $7 (the runner's clock),
-- doubling per failure, at most $6 s.
UPDATE partitions SET
  status = 'failed',
  failures = failures + 1,
  next_attempt_at = $7::timestamptz + make_interval(secs => least($6::float8, $5::float8 * 2 ^ failures)),
  previous_status = NULL,
  lease_until = NULL,
  finished_at = clock_timestamp(),
  error = $4
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
