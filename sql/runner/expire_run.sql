-- A run whose lease ran out (its process died or hung), closed when another
-- run takes the partition over.
UPDATE runs SET status = 'abandoned', finished_at = clock_timestamp(), error = $2
WHERE id = $1 AND status = 'running'
