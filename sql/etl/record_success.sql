-- The partition's new state, in the same transaction as its data. Fenced on
-- the run id: a run that lost its claim commits nothing.
UPDATE partitions SET
  status = 'succeeded',
  failures = 0,
  lease_until = NULL,
  finished_at = now(),
  error = NULL,
  sql_version = $4,
  sql_hash = $5,
  rows_in = $6,
  rows_out = $7,
  succeeded_at = now()
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
RETURNING 1 AS held
