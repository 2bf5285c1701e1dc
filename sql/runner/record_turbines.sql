-- The per-turbine completeness of partition ($1, $2) as its run recorded it,
-- in the run's final transaction: $3 is [{"turbine", "expected", "received"}]
-- (every turbine expected that day, and every turbine heard from). Rows of
-- turbines no longer in it go.
WITH counts AS (
  SELECT t.turbine, t.expected, t.received
  FROM json_to_recordset($3::text::json) AS t(turbine text, expected int, received int)
),
upserted AS (
  INSERT INTO partition_turbines AS p (job, day, turbine, expected, received)
  SELECT $1, $2::date, turbine, expected, received FROM counts
  ON CONFLICT (job, day, turbine) DO UPDATE
    SET expected = EXCLUDED.expected, received = EXCLUDED.received
  RETURNING 1
)
DELETE FROM partition_turbines p
WHERE p.job = $1 AND p.day = $2::date
  AND p.turbine NOT IN (SELECT turbine FROM counts)
