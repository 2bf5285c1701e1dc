-- The partition's new state, in the same transaction as its data. Fenced on
-- the run id: a run that lost its claim commits nothing. $4: succeeded or empty.
-- $12: the turbines below MIN_COMPLETENESS (JSON), NULL when complete or not
-- an API-input run.
UPDATE partitions SET
  status = $4,
  failures = 0,
  next_attempt_at = NULL,
  previous_status = NULL,
  lease_until = NULL,
  finished_at = clock_timestamp(),
  error = NULL,
  sql_version = $5,
  sql_hash = $6,
  rows_in = $7,
  rows_out = $8,
  succeeded_at = clock_timestamp(),
  success_run_id = $3,
  built_from = $9::text::jsonb,
  source_readings = $10,
  source_checksum = $11,
  incomplete = $12::text::jsonb,
  duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int,
  tx_ms = (extract(epoch FROM clock_timestamp() - now()) * 1000)::int
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
RETURNING tx_ms
