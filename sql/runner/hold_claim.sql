-- Locks the partition's row for run $3 before the day's rows are touched: a
-- run that lost its claim stops here (no row), and one that holds it keeps
-- any takeover out (busy) until it commits. It may wait a moment for a
-- heartbeat or a claimer's short transaction, bounded by lock_timeout.
SELECT 1 AS held
FROM partitions
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
FOR UPDATE
