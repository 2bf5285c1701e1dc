-- Removes the daily job's rows of day $1: its own tables only, every
-- turbine's row and the farm's.
WITH farm AS (DELETE FROM daily_farm WHERE day = $1::date)
DELETE FROM daily WHERE day = $1::date
