-- The newest $1 runs, newest first (optionally of one job, $2).
SELECT id::int AS id, job, to_char(day, 'YYYY-MM-DD') AS day, trigger, runner, status,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS finished_at,
       (extract(epoch FROM finished_at - started_at) * 1000)::int AS duration_ms,
       rows_in, rows_out, error
FROM runs
WHERE $2::text IS NULL OR job = $2::text
ORDER BY id DESC
LIMIT $1::int
