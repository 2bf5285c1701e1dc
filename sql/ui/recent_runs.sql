-- The status page's recent runs, newest first: of one job ($2) and one
-- outcome ($3) when given, among the newest 2,000 such runs (a bounded read
-- whatever the history). With $4, consecutive `empty` runs (days the source
-- had nothing for) come as one entry: `n` says how many, `open_ended` that
-- the run of them goes on past the 2,000 read. $1 entries.
WITH recent AS (
  SELECT id, job, day, trigger, runner, status, started_at, finished_at, rows_in, rows_out, error
  FROM runs
  WHERE ($2::text IS NULL OR job = $2::text) AND ($3::text IS NULL OR status = $3::text)
  ORDER BY id DESC
  LIMIT 2000
), numbered AS (
  SELECT *,
         row_number() OVER (ORDER BY id DESC)
           - row_number() OVER (PARTITION BY status = 'empty' ORDER BY id DESC) AS island
  FROM recent
), grouped AS (
  SELECT CASE WHEN $4::boolean AND status = 'empty' THEN 'e' || island ELSE 'r' || id END AS g, *
  FROM numbered
)
SELECT count(*)::int AS n,
       max(id)::int AS id,
       min(id)::int AS oldest_id,
       min(id) = (SELECT min(id) FROM recent) AND (SELECT count(*) FROM recent) = 2000
         AS open_ended,
       string_agg(DISTINCT job, ',' ORDER BY job) AS jobs,
       to_char(min(day), 'YYYY-MM-DD') AS first_day,
       to_char(max(day), 'YYYY-MM-DD') AS day,
       max(trigger) AS trigger,
       max(runner) AS runner,
       max(status) AS status,
       to_char(max(started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       to_char(max(finished_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS finished_at,
       (extract(epoch FROM max(finished_at) - max(started_at)) * 1000)::int AS duration_ms,
       max(rows_in) AS rows_in,
       max(rows_out) AS rows_out,
       max(error) AS error
FROM grouped
GROUP BY g
ORDER BY max(id) DESC
LIMIT $1::int
