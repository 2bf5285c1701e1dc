-- Transform v2: staging (one validated UTC day, any number of turbines) into
-- 10-minute statistics per turbine. One row per turbine, signal and bin that
-- has at least one reading of that turbine; the bin start is the timestamp.
-- std is the sample standard deviation (NULL for one reading); NULL readings
-- are ignored, as SQL aggregates do. Each turbine has its own eight signals
-- (signal.turbine); prepare_day.sql made a new turbine's signals before this
-- transaction. (v1 stays for the history of partitions built with it: it
-- aggregated all of staging as one series.)
-- Changing this file (or adding v3) makes partitions done with it "stale".
WITH bins AS (
  SELECT
    turbine,
    date_bin('10 minutes', timestamp, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bin,
    avg(wind_speed) AS wind_speed_mean,
    min(wind_speed) AS wind_speed_min,
    max(wind_speed) AS wind_speed_max,
    stddev_samp(wind_speed) AS wind_speed_std,
    avg(power) AS power_mean,
    min(power) AS power_min,
    max(power) AS power_max,
    stddev_samp(power) AS power_std
  FROM staging
  GROUP BY 1, 2
),
inserted AS (
  INSERT INTO data (timestamp, signal_id, value)
  SELECT b.bin, s.id, v.value
  FROM bins b
  CROSS JOIN LATERAL (VALUES
    ('wind_speed_mean', b.wind_speed_mean),
    ('wind_speed_min', b.wind_speed_min),
    ('wind_speed_max', b.wind_speed_max),
    ('wind_speed_std', b.wind_speed_std),
    ('power_mean', b.power_mean),
    ('power_min', b.power_min),
    ('power_max', b.power_max),
    ('power_std', b.power_std)
  ) AS v(name, value)
  -- LEFT: a turbine without its signals fails the run (signal_id is NOT NULL)
  -- rather than losing its bins without a word.
  LEFT JOIN signal s ON s.turbine = b.turbine AND s.name = v.name
  RETURNING 1
)
SELECT count(*)::int AS rows_out FROM inserted
