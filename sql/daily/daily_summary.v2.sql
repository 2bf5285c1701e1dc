-- Transform v2 of the daily job: the numbers a wind-farm operator reads every
-- morning, for UTC day $1, from the etl job's 10-minute data. (v1 stays for
-- the history of partitions built with it.)
-- A bin "has power" when at least one of its readings had a power value
-- (etl's power_mean is not NULL there); bins without power count as missing.
-- energy_kwh: each bin's mean power (kW) for 1/6 h, summed over the bins with
--   power; missing bins add nothing (no interpolation). NULL — unknown, not
--   0 — when no bin of the day has power.
-- mean_wind_speed: the mean of the bins' wind speed means (bins with wind).
-- max_power: the highest power reading of the day.
-- availability: bins with power / 144 (a bin whose readings are all NULL, or
--   hold wind only, is not available).
-- bins: bins with at least one reading of any kind.
-- A day without etl bins gets no row (the partition is "empty").
WITH bins AS (
  SELECT d.timestamp, s.name, d.value
  FROM data d
  JOIN signal s ON s.id = d.signal_id
  WHERE s.name IN ('power_mean', 'wind_speed_mean', 'power_max')
    AND d.timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
    AND d.timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
),
inserted AS (
  INSERT INTO daily (day, energy_kwh, mean_wind_speed, max_power, availability, bins)
  SELECT
    $1::date,
    sum(value) FILTER (WHERE name = 'power_mean') / 6.0,
    avg(value) FILTER (WHERE name = 'wind_speed_mean'),
    max(value) FILTER (WHERE name = 'power_max'),
    count(*) FILTER (WHERE name = 'power_mean' AND value IS NOT NULL)::float8 / 144,
    count(DISTINCT timestamp)::int
  FROM bins
  HAVING count(*) > 0
  RETURNING 1
)
SELECT count(*)::int AS rows_out FROM inserted
