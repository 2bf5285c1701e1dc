-- /data as PostgreSQL's binary COPY format (Accept: application/x-pgcopy): the
-- turbine, the timestamp and the variables in request order, ordered by turbine
-- (COLLATE "C": byte order) and timestamp. Values travel in their binary send
-- form: no text, so nothing is rounded. Placeholders as in data_csv.sql.
SELECT turbine, timestamp{{columns}}
FROM data
WHERE turbine = ANY({{turbines}})
  AND timestamp >= '{{start}}'::timestamptz AND timestamp {{end_op}} '{{end}}'::timestamptz
ORDER BY data.turbine, data.timestamp
