-- /data as JSON text: one object per reading, built by PostgreSQL, one per line.
-- This text becomes the SELECT of a COPY (simple protocol, no bound parameters).
-- api/query.ts fills the placeholders from validated values only:
--   {{fields}}   one sql/api/json_field.sql per requested variable, in request order
--   {{start}}, {{end_op}}, {{end}}   as in data_csv.sql (so is the timestamp's text)
-- No value contains a backslash or newline, so COPY's text format passes it unchanged.
SELECT
  '{"timestamp":"'
    || replace(replace(timestamp::text, ' ', 'T'), '+00', 'Z')
    || '"'{{fields}}
    || '}'
FROM data
WHERE timestamp >= '{{start}}'::timestamptz AND timestamp {{end_op}} '{{end}}'::timestamptz
ORDER BY data.timestamp
