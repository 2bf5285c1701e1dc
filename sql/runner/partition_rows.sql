-- The recorded partitions of the jobs in the JSON array $1 from day $2 to $3.
SELECT job, to_char(day, 'YYYY-MM-DD') AS day, status, lease_until > now() AS lease_live,
       runner, run_id::int AS run_id, success_run_id::int AS success_run_id,
       built_from, sql_version, sql_hash, rows_in, rows_out, source_readings,
       source_checksum, incomplete, error, attempts, failures, duration_ms, tx_ms,
       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS finished_at,
       to_char(next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS next_attempt_at,
       next_attempt_at <= now() AS retry_due
FROM partitions
WHERE job IN (SELECT json_array_elements_text($1::text::json)) AND day BETWEEN $2::date AND $3::date
ORDER BY job, day
