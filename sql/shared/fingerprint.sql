-- Source fingerprint: per UTC day from $1 to $2 (inclusive), the number of
-- readings in {{table}} and a checksum of them. A row's text is its instant
-- in epoch microseconds and each value as float8 text (exact round trip),
-- NULL written \N; the checksum is md5 over the rows in time order. Any
-- changed, added or removed reading changes it. The source API computes it
-- over its table and the runner over staging: the same text, so they agree.
SELECT to_char(day, 'YYYY-MM-DD') AS day,
       count(*)::int AS readings,
       md5(string_agg(row_text, E'\n' ORDER BY ts)) AS checksum
FROM (
  SELECT timestamp AS ts,
         (timestamp AT TIME ZONE 'UTC')::date AS day,
         (extract(epoch FROM timestamp) * 1000000)::bigint::text {{values}} AS row_text
  FROM {{table}}
  WHERE timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
    AND timestamp < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
) r
GROUP BY day
ORDER BY day
