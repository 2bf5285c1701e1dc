-- GET /extent: the first and last reading of the whole source (NULL when it is
-- empty). The first and last day come from reading_days' day index; only the
-- turbines of those days are looked up in data, one primary-key descent each.
WITH b AS (SELECT min(day) AS first_day, max(day) AS last_day FROM reading_days)
SELECT replace(replace((
         SELECT min(f.ts) FROM reading_days r
          CROSS JOIN LATERAL (SELECT d.timestamp AS ts FROM data d WHERE d.turbine = r.turbine
                               ORDER BY d.timestamp LIMIT 1) f
          WHERE r.day = b.first_day)::text, ' ', 'T'), '+00', 'Z') AS first,
       replace(replace((
         SELECT max(l.ts) FROM reading_days r
          CROSS JOIN LATERAL (SELECT d.timestamp AS ts FROM data d WHERE d.turbine = r.turbine
                               ORDER BY d.timestamp DESC LIMIT 1) l
          WHERE r.day = b.last_day)::text, ' ', 'T'), '+00', 'Z') AS last
  FROM b
