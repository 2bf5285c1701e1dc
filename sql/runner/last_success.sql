-- What the last successful run of partition ($1, $2) left: the guards
-- against an empty or shrunken extract compare with it.
SELECT success_run_id::int AS success_run_id, rows_in, rows_out
FROM partitions
WHERE job = $1 AND day = $2::date
