-- Transform v1 of the daily job: the numbers a wind-farm operator reads every
-- morning, for UTC day $1, from the etl job's 10-minute data.
-- energy_kwh: each bin's mean power (kW) for 1/6 h (bins without data or with
-- a NULL mean add nothing); mean_wind_speed: the mean of the bins' means;
-- max_power: the highest power reading; availability: bins with data / 144.
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
    coalesce(sum(value) FILTER (WHERE name = 'power_mean'), 0) / 6.0,
    avg(value) FILTER (WHERE name = 'wind_speed_mean'),
    max(value) FILTER (WHERE name = 'power_max'),
    count(DISTINCT timestamp)::float8 / 144,
    count(DISTINCT timestamp)::int
  FROM bins
  HAVING count(*) > 0
  RETURNING 1
)
SELECT count(*)::int AS rows_out FROM inserted
