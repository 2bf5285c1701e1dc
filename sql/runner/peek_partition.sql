-- The partition's current row without a lock (who holds it, for a busy message).
SELECT status, run_id::int AS run_id, runner, lease_until > now() AS lease_live,
       lease_until::text AS lease_until, started_at::text AS started_at
FROM partitions
WHERE job = $1 AND day = $2::date
