-- A new attempt in the runs history; its id fences the claim.
INSERT INTO runs (job, day, trigger, runner, status)
VALUES ($1, $2::date, $3, $4, 'running')
RETURNING id::int AS id
