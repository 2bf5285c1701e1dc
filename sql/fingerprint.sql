-- Source fingerprint: per UTC day in [$1::date, $2::date] that has readings,
-- the reading count and an md5 over the day's rows in time order.
-- Shared by the API (over the source table `data`) and the runner (over its
-- staging table): both must produce the same text for the same readings.
-- Row text: the timestamp's epoch (microseconds exact), then each variable's
-- float8 text (shortest exact round-trip), '\N' for NULL, so a NULL differs
-- from every value. {{table}} and {{values}} come from sql/fingerprint.ts,
-- which accepts only plain identifiers.
SELECT to_char(r.day, 'YYYY-MM-DD') AS day,
       count(*)::int AS readings,
       md5(string_agg(r.row_text, E'\n' ORDER BY r.timestamp)) AS checksum
  FROM (
    SELECT (timestamp AT TIME ZONE 'UTC')::date AS day,
           timestamp,
           extract(epoch FROM timestamp)::text{{values}} AS row_text
      FROM {{table}}
     WHERE timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
       AND timestamp < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
  ) r
 GROUP BY r.day
 ORDER BY r.day
