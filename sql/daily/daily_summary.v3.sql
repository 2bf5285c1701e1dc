-- Transform v3 of the daily job: per turbine and for the farm, the numbers a
-- wind-farm operator reads every morning, for UTC day $1, from the etl job's
-- 10-minute data. (v1 and v2 stay for the history of partitions built with
-- them: they read every signal as one turbine's.)
-- Per turbine (daily), as v2 did for the one series:
--   energy_kwh: each bin's mean power (kW) for 1/6 h, summed over the bins
--     with power (at least one power reading); missing bins add nothing (no
--     interpolation). NULL — unknown, not 0 — when no bin of the day has power.
--   mean_wind_speed: the mean of the bins' wind speed means (bins with wind).
--   max_power: the highest power reading of the day.
--   availability: bins with power / 144.
--   bins: bins with at least one reading of any kind.
--   A turbine the etl run expected that day (partition_turbines) but that
--   sent no reading gets a row too: availability 0, bins 0, the rest NULL.
-- For the farm (daily_farm), over those turbine rows:
--   energy_kwh summed (NULL when no turbine has power), mean_wind_speed the
--   mean of the turbines' means, max_power the highest, availability the mean
--   over the turbines, turbines how many rows.
-- A day without etl bins and without expected turbines gets no row (the
-- partition is "empty"). rows_out counts the turbine rows.
WITH bins AS (
  SELECT s.turbine, d.timestamp, s.name, d.value
  FROM data d
  JOIN signal s ON s.id = d.signal_id
  WHERE s.name IN ('power_mean', 'wind_speed_mean', 'power_max')
    AND d.timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
    AND d.timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
),
measured AS (
  SELECT
    turbine,
    sum(value) FILTER (WHERE name = 'power_mean') / 6.0 AS energy_kwh,
    avg(value) FILTER (WHERE name = 'wind_speed_mean') AS mean_wind_speed,
    max(value) FILTER (WHERE name = 'power_max') AS max_power,
    count(*) FILTER (WHERE name = 'power_mean' AND value IS NOT NULL)::float8 / 144 AS availability,
    count(DISTINCT timestamp)::int AS bins
  FROM bins
  GROUP BY turbine
),
turbines AS (
  SELECT * FROM measured
  UNION ALL
  SELECT p.turbine, NULL::float8, NULL::float8, NULL::float8, 0::float8, 0
  FROM partition_turbines p
  WHERE p.job = 'etl' AND p.day = $1::date
    AND NOT EXISTS (SELECT 1 FROM measured m WHERE m.turbine = p.turbine)
),
per_turbine AS (
  INSERT INTO daily (day, turbine, energy_kwh, mean_wind_speed, max_power, availability, bins)
  SELECT $1::date, turbine, energy_kwh, mean_wind_speed, max_power, availability, bins
  FROM turbines
  RETURNING 1
),
farm AS (
  INSERT INTO daily_farm (day, energy_kwh, mean_wind_speed, max_power, availability, turbines)
  SELECT $1::date, sum(energy_kwh), avg(mean_wind_speed), max(max_power), avg(availability),
         count(*)::int
  FROM turbines
  HAVING count(*) > 0
  RETURNING 1
)
SELECT (SELECT count(*) FROM per_turbine)::int AS rows_out,
       (SELECT count(*) FROM farm)::int AS farm_rows
