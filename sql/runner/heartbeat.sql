-- Extends the lease of run $3 on its partition. SKIP LOCKED: the heartbeat
-- never waits, not even on the run's own final transaction (which holds the
-- row); no row back means "locked or lost", told apart by still_held.sql.
WITH mine AS (
  SELECT job, day FROM partitions
  WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
  FOR UPDATE SKIP LOCKED
)
UPDATE partitions p SET lease_until = now() + make_interval(secs => $4::float8)
FROM mine
WHERE p.job = mine.job AND p.day = mine.day
RETURNING 1 AS held
