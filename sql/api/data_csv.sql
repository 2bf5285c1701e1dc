-- /data as CSV: a header line, then one line per reading, NULL as an empty field.
-- This text becomes the SELECT of a COPY (simple protocol, no bound parameters).
-- api/query.ts fills the placeholders from validated values only:
--   {{turbine}}   "turbine, " when the answer names turbines, else nothing
--   {{columns}}   ", wind_speed, power" from the variable whitelist
--   {{turbines}}  the turbines asked, as an escaped text[] literal (api/query.ts)
--   {{start}}     an instant re-formatted by Temporal, e.g. 2024-01-01T00:00:00.000000Z
--   {{end_op}}    <= (start/end, inclusive) or < (date, half-open)
--   {{end}}       like {{start}}
-- The timestamp is written as UTC with a Z, with a fraction only when it is not zero:
-- timestamptz's own text in a session with TimeZone UTC and DateStyle ISO (both
-- pinned by the database adapters), "2024-01-02 03:04:05.25+00", with two replaces
-- (half the cost of to_char).
-- turbine = ANY(...) and ORDER BY (turbine, timestamp): a range scan of the primary
-- key in its order. ORDER BY names data.timestamp: plain "timestamp" would sort by
-- the text alias.
-- No comment may follow the SQL: it is embedded in COPY (...).
SELECT {{turbine}}
  replace(replace(timestamp::text, ' ', 'T'), '+00', 'Z') AS "timestamp"{{columns}}
FROM data
WHERE turbine = ANY({{turbines}})
  AND timestamp >= '{{start}}'::timestamptz AND timestamp {{end_op}} '{{end}}'::timestamptz
ORDER BY data.turbine, data.timestamp
