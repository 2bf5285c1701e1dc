-- A run stopped by a signal: the partition goes back to its state before the
-- claim (a partition that had none goes back to missing).
WITH restored AS (
  UPDATE partitions SET
    status = previous_status,
    previous_status = NULL,
    lease_until = NULL,
    finished_at = clock_timestamp()
  WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
    AND previous_status IS NOT NULL
  RETURNING 1
)
DELETE FROM partitions
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
  AND previous_status IS NULL
