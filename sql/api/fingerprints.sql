-- GET /fingerprints: per day in [$1::date, $2::date] with readings, the count and
-- checksum (fingerprint v2, sql/fingerprint.ts) from reading_days alone: O(days x
-- turbines), whatever the readings per day. The XOR over turbines and variables of
-- the per-variable XORs kept there is the XOR over every reading and variable.
--   {{hashes}}    "h_wind_speed # h_power" from the variable whitelist
--   {{turbines}}  nothing (all turbines), or "AND turbine = ANY($3::text[])"
SELECT to_char(day, 'YYYY-MM-DD') AS day,
       sum(readings)::float8 AS readings,
       lpad(to_hex(bit_xor({{hashes}})), 16, '0') AS checksum
  FROM reading_days
 WHERE day >= $1::date AND day <= $2::date {{turbines}}
 GROUP BY day
 ORDER BY day
