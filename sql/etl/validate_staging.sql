-- What arrived for day $1: counts of every kind of problem, and an example of
-- each (the duplicate example comes from duplicate_example.sql, only when needed).
-- One scan; count(DISTINCT) sorts, which is far cheaper here than GROUP BY ... HAVING.
WITH bounds AS (
  SELECT ($1::date)::timestamp AT TIME ZONE 'UTC' AS lo,
         ($1::date + 1)::timestamp AT TIME ZONE 'UTC' AS hi
)
SELECT
  count(*)::int AS rows,
  count(*) FILTER (WHERE s.timestamp IS NULL)::int AS null_timestamps,
  count(*) FILTER (WHERE s.timestamp < b.lo OR s.timestamp >= b.hi)::int AS outside,
  min(s.timestamp::text) FILTER (WHERE s.timestamp < b.lo OR s.timestamp >= b.hi) AS outside_example,
  (count(s.timestamp) - count(DISTINCT s.timestamp))::int AS duplicates,
  count(*) FILTER (
    WHERE s.wind_speed IN ('NaN', 'Infinity', '-Infinity')
       OR s.power IN ('NaN', 'Infinity', '-Infinity')
  )::int AS non_finite,
  min(s.timestamp::text) FILTER (
    WHERE s.wind_speed IN ('NaN', 'Infinity', '-Infinity')
       OR s.power IN ('NaN', 'Infinity', '-Infinity')
  ) AS non_finite_example
FROM staging s CROSS JOIN bounds b
