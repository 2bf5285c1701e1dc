-- Removes the daily job's row of day $1 (its own table only).
DELETE FROM daily WHERE day = $1::date
