-- Takes partition ($1, $2) for run $3 of runner $4 with a lease of $5 seconds,
-- unless a live run holds it (then no row comes back). The state before the
-- claim is kept, to be restored if the run is cancelled; the last error stays
-- until a run succeeds. With $6 true, only if the partition's run id is
-- still $7 (what the plan saw): a day another runner ran meanwhile is not
-- run again.
INSERT INTO partitions AS p (job, day, status, attempts, run_id, runner, lease_until, started_at)
VALUES ($1, $2::date, 'running', 1, $3, $4, now() + make_interval(secs => $5::float8), clock_timestamp())
ON CONFLICT (job, day) DO UPDATE SET
  status = 'running',
  previous_status = CASE WHEN p.status = 'running' THEN 'failed' ELSE p.status END,
  attempts = p.attempts + 1,
  run_id = EXCLUDED.run_id,
  runner = EXCLUDED.runner,
  lease_until = EXCLUDED.lease_until,
  started_at = EXCLUDED.started_at,
  finished_at = NULL
WHERE (p.status <> 'running' OR p.lease_until <= now())
  AND (NOT $6::boolean OR p.run_id IS NOT DISTINCT FROM $7::bigint)
RETURNING run_id::int AS run_id
