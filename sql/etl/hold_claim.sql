-- Locks the partition's row for run $3 before the day's rows are touched: a
-- run that lost its claim stops here (no row), and one that holds it keeps
-- any takeover waiting until it commits.
SELECT 1 AS held
FROM partitions
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
FOR UPDATE
