-- Runs still marked running whose partition has moved on (taken over, or
-- swept above): closed as abandoned.
UPDATE runs r SET status = 'abandoned', finished_at = clock_timestamp(),
  error = coalesce(r.error, 'abandoned: its runner stopped before finishing')
WHERE r.status = 'running'
  AND NOT EXISTS (
    SELECT 1 FROM partitions p
    WHERE p.job = r.job AND p.day = r.day AND p.run_id = r.id AND p.status = 'running'
  )
RETURNING r.id::int AS id
