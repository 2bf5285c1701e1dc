-- Claims whose lease ran out (their runner died or hung): the attempt is
-- recorded as failed in the partition and as abandoned in the runs history,
-- so nothing stays "running" after its runner is gone. Rows another runner
-- is working on right now are skipped, never waited on.
WITH dead AS (
  SELECT job, day, run_id, runner, lease_until
  FROM partitions
  WHERE status = 'running' AND lease_until <= now()
  FOR UPDATE SKIP LOCKED
),
failed AS (
  UPDATE partitions p SET
    status = 'failed',
    previous_status = NULL,
    failures = p.failures + 1,
    next_attempt_at = NULL,
    lease_until = NULL,
    finished_at = clock_timestamp(),
    error = 'abandoned: runner ' || dead.runner || ' stopped renewing its claim (lease ran out at ' ||
      dead.lease_until::text || ')'
  FROM dead
  WHERE p.job = dead.job AND p.day = dead.day
  RETURNING p.run_id, p.error
)
UPDATE runs r SET status = 'abandoned', finished_at = clock_timestamp(), error = failed.error
FROM failed
WHERE r.id = failed.run_id AND r.status = 'running'
RETURNING r.id::int AS id
