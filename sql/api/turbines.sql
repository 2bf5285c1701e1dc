-- GET /turbines: each turbine of $1::text[] (sql/api/turbine_names.sql) with its
-- first and last reading and its cadence, the most common step between its last
-- 101 readings, in seconds. Bounded work: per turbine, two descents of data's
-- primary key and a 101-row range of it.
-- Timestamps as /data writes them (UTC, Z, fraction only when not zero).
SELECT t.turbine,
       replace(replace(f.ts::text, ' ', 'T'), '+00', 'Z') AS first,
       replace(replace(l.ts::text, ' ', 'T'), '+00', 'Z') AS last,
       c.seconds AS cadence_seconds
  FROM unnest($1::text[]) AS t(turbine)
 CROSS JOIN LATERAL (SELECT d.timestamp AS ts FROM data d WHERE d.turbine = t.turbine
                      ORDER BY d.timestamp LIMIT 1) f
 CROSS JOIN LATERAL (SELECT d.timestamp AS ts FROM data d WHERE d.turbine = t.turbine
                      ORDER BY d.timestamp DESC LIMIT 1) l
 CROSS JOIN LATERAL (
   SELECT mode() WITHIN GROUP (ORDER BY s.step) AS seconds
     FROM (SELECT extract(epoch FROM r.ts - lead(r.ts) OVER (ORDER BY r.ts DESC))::float8 AS step
             FROM (SELECT d.timestamp AS ts FROM data d WHERE d.turbine = t.turbine
                    ORDER BY d.timestamp DESC LIMIT 101) r) s
    WHERE s.step IS NOT NULL) c
 ORDER BY t.turbine COLLATE "C"
