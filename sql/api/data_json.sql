-- /data as JSON text: one object per reading, built by PostgreSQL, one per line.
-- This text becomes the SELECT of a COPY (simple protocol, no bound parameters).
-- api/query.ts fills the placeholders from validated values only:
--   {{fields}}   one sql/api/json_field.sql per requested variable, in request order
--   {{start}}, {{end_op}}, {{end}}   as in data_csv.sql
-- No value contains a backslash or newline, so COPY's text format passes it unchanged.
SELECT
  '{"timestamp":"'
    || to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN date_trunc('second', timestamp) = timestamp THEN ''
            ELSE rtrim(to_char(timestamp AT TIME ZONE 'UTC', '.US'), '0') END
    || 'Z"'{{fields}}
    || '}'
FROM data
WHERE timestamp >= '{{start}}'::timestamptz AND timestamp {{end_op}} '{{end}}'::timestamptz
ORDER BY data.timestamp
