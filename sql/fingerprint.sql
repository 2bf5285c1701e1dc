-- Source fingerprint v2 over any table (sql/fingerprint.ts, fingerprintSql):
-- per UTC day in [$1::date, $2::date] that has readings, the reading count and
-- the XOR over its rows and variables of h(r, v) (see sql/fingerprint.ts), as
-- 16 hex digits. The same numbers as the source's reading_days, computed from
-- the rows themselves (the runner's staging table, or a check of the source).
-- {{table}} and {{hashes}} come from fingerprintSql, which accepts only plain
-- identifiers.
SELECT to_char(r.day, 'YYYY-MM-DD') AS day,
       count(*)::int AS readings,
       lpad(to_hex(bit_xor(r.h)), 16, '0') AS checksum
  FROM (
    SELECT (timestamp AT TIME ZONE 'UTC')::date AS day,
           {{hashes}} AS h
      FROM {{table}}
     WHERE timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
       AND timestamp < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
  ) r
 GROUP BY r.day
 ORDER BY r.day
