-- The status page's chart of the etl job for UTC day $1: one row per
-- 10-minute bin with its mean, min and max of wind speed and power.
SELECT to_char(d.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t,
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
  AND d.timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
  AND d.timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
GROUP BY d.timestamp
ORDER BY d.timestamp
