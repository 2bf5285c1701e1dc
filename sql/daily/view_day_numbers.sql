-- The status page's numbers of the daily job for UTC day $1 (no row: not built).
SELECT energy_kwh, mean_wind_speed, max_power, availability * 100 AS availability_pct
FROM daily
WHERE day = $1::date
