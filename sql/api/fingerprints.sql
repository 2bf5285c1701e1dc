-- GET /fingerprints: per day in [$1::date, $2::date] with readings, the count and
-- checksum (fingerprint v2, sql/fingerprint.ts) from reading_days alone: O(days x
-- turbines), whatever the readings per day. The XOR over turbines and variables of
-- the per-variable XORs kept there is the XOR over every reading and variable.
--   {{hashes}}    "r.h_wind_speed # r.h_power" from the variable whitelist
--   {{turbines}}  nothing (all turbines), or "AND r.turbine = ANY($3::text[])"
-- day::text is YYYY-MM-DD: DateStyle ISO is pinned on every connection.
SELECT r.day::text AS day,
       sum(r.readings)::float8 AS readings,
       lpad(to_hex(bit_xor({{hashes}})), 16, '0') AS checksum
  FROM reading_days r
 WHERE r.day >= $1::date AND r.day <= $2::date {{turbines}}
 GROUP BY r.day
 ORDER BY r.day
