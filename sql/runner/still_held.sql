-- Does run $3 still hold its partition? A plain read: never waits on a lock.
SELECT 1 AS held FROM partitions
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
