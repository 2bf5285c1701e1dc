-- /data as JSON text: one object per reading, built by PostgreSQL, one per line.
-- This text becomes the SELECT of a COPY (simple protocol, no bound parameters).
-- api/query.ts fills the placeholders from validated values only:
--   {{open}}     the object's start: '{"timestamp":"', or with the turbine first,
--                '{"turbine":' || to_json(turbine)::text || ',"timestamp":"'
--   {{fields}}   one sql/api/json_field.sql per requested variable, in request order
--   {{turbines}}, {{start}}, {{end_op}}, {{end}}   as in data_csv.sql (so is the timestamp's text)
-- The lines travel as they are (the "lines" copy format), backslashes of JSON escapes included.
SELECT
  {{open}}
    || replace(replace(timestamp::text, ' ', 'T'), '+00', 'Z')
    || '"'{{fields}}
    || '}'
FROM data
WHERE turbine = ANY({{turbines}})
  AND timestamp >= '{{start}}'::timestamptz AND timestamp {{end_op}} '{{end}}'::timestamptz
ORDER BY data.turbine, data.timestamp
