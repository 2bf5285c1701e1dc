-- The transform version that built the rows a partition holds now (NULL: none yet).
SELECT sql_version, sql_hash FROM partitions WHERE job = $1 AND day = $2::date
