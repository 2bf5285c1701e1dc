-- The partition's current row, locked until the claim commits. NOWAIT: a row
-- locked by another runner (claiming it, or in its final transaction) is
-- busy, answered at once (SQLSTATE 55P03), never waited on.
SELECT status, run_id::int AS run_id, runner, lease_until > now() AS lease_live,
       lease_until::text AS lease_until, started_at::text AS started_at
FROM partitions
WHERE job = $1 AND day = $2::date
FOR UPDATE NOWAIT
