-- Extends the lease of a run that still holds its partition (no row: it lost it).
UPDATE partitions SET lease_until = now() + make_interval(secs => $4::float8)
WHERE job = $1 AND day = $2::date AND run_id = $3 AND status = 'running'
RETURNING 1 AS held
