-- The status page's turbine x day heatmap (and GET /api/turbines): for the
-- jobs $1 (text[]) over the days $2 .. $3, each turbine's runs of
-- consecutive days in one completeness class, with the readings expected
-- and received over the run. $4 is MIN_COMPLETENESS. Classes:
--   complete    received >= expected
--   short       at least $4 of expected, not all of it
--   incomplete  something, below $4 of expected
--   none        nothing, though the turbine was expected
--   unknown     no cadence known, so nothing is expected
-- Days without a row (not run, or before the turbine's first reading) are in
-- no run. Runs, not days: a year of 100 mostly complete turbines is a few
-- hundred rows, not 36,500. Reads partition_turbines by its primary key.
-- With a day $5 (NULL: none), that day's rows follow (of_day), one per job
-- and turbine: the page's chooser of the day's views, in the same round trip.
WITH classed AS (
  SELECT job, turbine, day, expected, received,
         CASE
           WHEN expected IS NULL THEN 'unknown'
           WHEN received >= expected THEN 'complete'
           WHEN received = 0 THEN 'none'
           WHEN received >= $4::float8 * expected THEN 'short'
           ELSE 'incomplete'
         END AS class
  FROM partition_turbines
  WHERE job = ANY($1::text[])
    AND (day BETWEEN $2::date AND $3::date OR day = $5::date)
),
islands AS (
  -- Consecutive days of one class share day - (their rank among the turbine's days of that class).
  SELECT *, day - (row_number() OVER (PARTITION BY job, turbine, class ORDER BY day))::int AS island
  FROM classed
  WHERE day BETWEEN $2::date AND $3::date
)
SELECT false AS of_day, job, turbine, class,
       min(day)::text AS first_day,
       max(day)::text AS last_day,
       count(*)::int AS days,
       sum(expected)::float8 AS expected,
       sum(received)::float8 AS received
FROM islands
GROUP BY job, turbine, class, island
UNION ALL
SELECT true, job, turbine, class, day::text, day::text, 1, expected::float8, received::float8
FROM classed
WHERE day = $5::date
ORDER BY of_day, job, turbine, first_day
