-- Removes the etl job's rows of day $1, [D, D+1) in UTC: its own eight
-- signals of every turbine, never another job's. Filtering on signal_id lets
-- the (signal_id, timestamp) primary key serve the range, and the timestamp
-- range leaves every month partition of `data` but the day's alone.
DELETE FROM data
WHERE signal_id IN (
    SELECT id FROM signal
    WHERE name IN ('wind_speed_mean', 'wind_speed_min', 'wind_speed_max', 'wind_speed_std',
                   'power_mean', 'power_min', 'power_max', 'power_std')
  )
  AND timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
  AND timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
