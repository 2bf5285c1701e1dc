-- A run whose lease ran out (its process died or hung) is closed as failed
-- when another run takes the partition over.
UPDATE runs SET status = 'failed', finished_at = now(), error = $2
WHERE id = $1 AND status = 'running'
