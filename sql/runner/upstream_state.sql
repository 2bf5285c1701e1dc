-- The upstream partitions of day $2 for the jobs in the JSON array $1: their
-- state and the run whose rows they hold (missing ones come back with NULLs).
SELECT u.job, p.status, p.success_run_id::int AS success_run_id
FROM json_array_elements_text($1::text::json) AS u(job)
LEFT JOIN partitions p ON p.job = u.job AND p.day = $2::date
