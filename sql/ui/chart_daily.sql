-- The daily job's numbers of day $1 (no row: not built).
SELECT energy_kwh, mean_wind_speed, max_power, availability FROM daily WHERE day = $1::date
