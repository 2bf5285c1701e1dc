-- The status page's chart of the etl job for UTC day $1 and turbine $2
-- (NULL: the farm): one row per 10-minute bin with the mean, min and max of
-- wind speed and power. For one turbine these are its stored statistics.
-- For the farm, per bin: wind speed is the mean of the turbines' means, its
-- band the lowest and highest reading of any turbine; power is the sum of the
-- turbines' means (the farm's output), its band the sums of their minima and
-- maxima. A turbine without data in a bin adds nothing to it.
WITH per_turbine AS (
  SELECT d.timestamp,
         max(d.value) FILTER (WHERE s.name = 'wind_speed_mean') AS wind_speed_mean,
         max(d.value) FILTER (WHERE s.name = 'wind_speed_min') AS wind_speed_min,
         max(d.value) FILTER (WHERE s.name = 'wind_speed_max') AS wind_speed_max,
         max(d.value) FILTER (WHERE s.name = 'power_mean') AS power_mean,
         max(d.value) FILTER (WHERE s.name = 'power_min') AS power_min,
         max(d.value) FILTER (WHERE s.name = 'power_max') AS power_max
  FROM data d
  JOIN signal s ON s.id = d.signal_id
  WHERE s.name IN ('wind_speed_mean', 'wind_speed_min', 'wind_speed_max',
                   'power_mean', 'power_min', 'power_max')
    AND ($2::text IS NULL OR s.turbine = $2::text)
    AND d.timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
    AND d.timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
  GROUP BY d.timestamp, s.turbine
)
SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t,
       avg(wind_speed_mean) AS wind_speed_mean,
       min(wind_speed_min) AS wind_speed_min,
       max(wind_speed_max) AS wind_speed_max,
       sum(power_mean) AS power_mean,
       sum(power_min) AS power_min,
       sum(power_max) AS power_max
FROM per_turbine
GROUP BY timestamp
ORDER BY timestamp
