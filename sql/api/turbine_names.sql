-- Every turbine of the source, in byte order: a skip scan of reading_days' primary
-- key (one index descent per turbine), never a scan of the table.
WITH RECURSIVE t(turbine) AS (
  (SELECT turbine FROM reading_days ORDER BY turbine LIMIT 1)
  UNION ALL
  SELECT (SELECT r.turbine FROM reading_days r WHERE r.turbine > t.turbine
           ORDER BY r.turbine LIMIT 1)
    FROM t
   WHERE t.turbine IS NOT NULL
)
SELECT turbine FROM t WHERE turbine IS NOT NULL
