-- What the final transaction of an etl run needs to exist, made in a short
-- transaction of its own before it (jobs/core/partition_run.ts, after the
-- day's month partition of `data`): the eight signals of every turbine in the
-- day's extract ($1, text[]) that has none yet. Committed first, so
-- concurrent runs never wait on each other's new signals, and the
-- transform's snapshot sees them all.
WITH names AS (
  SELECT name, i
  FROM unnest(ARRAY['wind_speed_mean', 'wind_speed_min', 'wind_speed_max', 'wind_speed_std',
                    'power_mean', 'power_min', 'power_max', 'power_std'])
       WITH ORDINALITY AS n(name, i)
),
created AS (
  INSERT INTO signal (turbine, name)
  SELECT t.turbine, n.name
  FROM unnest($1::text[]) WITH ORDINALITY AS t(turbine, j)
  CROSS JOIN names n
  WHERE NOT EXISTS (SELECT 1 FROM signal s WHERE s.turbine = t.turbine AND s.name = n.name)
  ORDER BY t.j, n.i
  ON CONFLICT (turbine, name) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS signals FROM created
