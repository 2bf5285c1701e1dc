-- What arrived for day $1: counts of every kind of problem, and an example of each.
WITH bounds AS (
  SELECT ($1::date)::timestamp AT TIME ZONE 'UTC' AS lo,
         ($1::date + 1)::timestamp AT TIME ZONE 'UTC' AS hi
),
dups AS (
  SELECT timestamp FROM staging WHERE timestamp IS NOT NULL
  GROUP BY timestamp HAVING count(*) > 1
)
SELECT
  count(*)::int AS rows,
  count(*) FILTER (WHERE s.timestamp IS NULL)::int AS null_timestamps,
  count(*) FILTER (WHERE s.timestamp < b.lo OR s.timestamp >= b.hi)::int AS outside,
  min(s.timestamp::text) FILTER (WHERE s.timestamp < b.lo OR s.timestamp >= b.hi) AS outside_example,
  (SELECT count(*) FROM dups)::int AS duplicates,
  (SELECT min(timestamp)::text FROM dups) AS duplicate_example,
  count(*) FILTER (
    WHERE s.wind_speed IN ('NaN', 'Infinity', '-Infinity')
       OR s.power IN ('NaN', 'Infinity', '-Infinity')
  )::int AS non_finite,
  min(s.timestamp::text) FILTER (
    WHERE s.wind_speed IN ('NaN', 'Infinity', '-Infinity')
       OR s.power IN ('NaN', 'Infinity', '-Infinity')
  ) AS non_finite_example
FROM staging s CROSS JOIN bounds b
