-- The status page's numbers of the daily job for UTC day $1 and turbine $2
-- (NULL: the farm, daily_farm). No row: not built.
SELECT energy_kwh, mean_wind_speed, max_power, availability * 100 AS availability_pct
FROM daily_farm
WHERE day = $1::date AND $2::text IS NULL
UNION ALL
SELECT energy_kwh, mean_wind_speed, max_power, availability * 100 AS availability_pct
FROM daily
WHERE day = $1::date AND turbine = $2::text
