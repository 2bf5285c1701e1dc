-- Synthetic turbine readings for [$1, $2) every $3 seconds, for a set of
-- turbines, set-based. Every value is a deterministic function of the
-- timestamp and the turbine's number (sines plus hash noise, no random()), so
-- seeding a range again writes the same rows.
--   $1 timestamptz  first instant     $2 timestamptz  end (exclusive)     $3 int  step seconds
--   $4 text[]       turbine names     $5 int[]        their numbers; 0 is the single series
--                                                     (`default`), whose values are exactly
--                                                     those this file gave before turbines
--   $6 text[], $7 timestamptz[], $8 timestamptz[]:    windows [from, to) of a turbine that are
--                                                     not written (a turbine down, an hour that
--                                                     arrives later); empty arrays for none
-- Returns the number of rows written.
--
-- Noise: u(n) = (hashint8(n) + 2^31) / 2^32 is uniform in [0, 1). "Value noise"
-- of scale S interpolates u at the knots floor(e/S) and floor(e/S)+1 with a
-- smoothstep, which gives smooth, random-looking variation on that time scale.
-- Layers are kept apart by the salt in knot*16 + salt.
--
-- A farm: all turbines share the weather (6 h) and the temperature drift
-- (12 h), which reach each turbine a few minutes apart (lag); half the
-- mesoscale (30 min) is the farm's, half the turbine's; turbulence, gusts and
-- per-sample noise are the turbine's own (a salt of its number << 44, beyond
-- any knot*16 up to the year 9999); each turbine has its own site factor on
-- the wind (position, wakes), efficiency on the power curve and temperature
-- sensor offset. Turbine 0 has lag 0, salt 0, factors 1 and offset 0.
WITH
gap AS MATERIALIZED (
  SELECT turbine, extract(epoch FROM a)::bigint AS a, extract(epoch FROM b)::bigint AS b
  FROM unnest($6::text[], $7::timestamptz[], $8::timestamptz[]) AS g(turbine, a, b)
),
tb AS (
  SELECT turbine, k::bigint << 44 AS salt,
         CASE WHEN k = 0 THEN 0
              ELSE floor(600 * (hashint8(k * 16 + 11)::float8 + 2147483648) / 4294967296)::bigint
         END AS lag,
         CASE WHEN k = 0 THEN 1
              ELSE 0.88 + 0.16 * (hashint8(k * 16 + 12)::float8 + 2147483648) / 4294967296
         END AS site,
         CASE WHEN k = 0 THEN 1
              ELSE 0.97 + 0.04 * (hashint8(k * 16 + 13)::float8 + 2147483648) / 4294967296
         END AS eff,
         CASE WHEN k = 0 THEN 0
              ELSE 0.6 * ((hashint8(k * 16 + 14)::float8 + 2147483648) / 4294967296 - 0.5)
         END AS toff
  FROM unnest($4::text[], $5::int[]) AS u(turbine, k)
),
t AS (
  -- e: seconds since 1970 (integer arithmetic below is much cheaper than on timestamps);
  -- w: e as the weather reaches this turbine
  SELECT turbine, salt, site, eff, toff, to_timestamp(e) AS ts, e,
         (e % 86400)::float8 / 86400 AS day_frac, e::float8 / 86400 AS days,
         (e - lag) / 21600 AS k6h, (((e - lag) % 21600)::float8 / 21600) AS f6h,
         (e - lag) / 1800 AS k30m, (((e - lag) % 1800)::float8 / 1800) AS f30m,
         e / 1800 AS j30m, ((e % 1800)::float8 / 1800) AS g30m,
         e / 600 AS k10m, ((e % 600)::float8 / 600) AS f10m,
         e / 120 AS k2m, ((e % 120)::float8 / 120) AS f2m,
         (e - lag) / 43200 AS k12h, (((e - lag) % 43200)::float8 / 43200) AS f12h
  FROM generate_series(extract(epoch FROM $1::timestamptz)::bigint,
                       extract(epoch FROM $2::timestamptz)::bigint - 1, $3::int) AS e
  CROSS JOIN tb
  WHERE NOT EXISTS (SELECT 1 FROM gap WHERE gap.turbine = tb.turbine AND e >= gap.a AND e < gap.b)
),
s AS (
  -- smoothstep of each layer's position between its knots
  SELECT t.*,
         f6h * f6h * (3 - 2 * f6h) AS s6h, f30m * f30m * (3 - 2 * f30m) AS s30m,
         g30m * g30m * (3 - 2 * g30m) AS r30m,
         f2m * f2m * (3 - 2 * f2m) AS s2m, f12h * f12h * (3 - 2 * f12h) AS s12h
  FROM t
),
n AS (
  SELECT turbine, site, eff, toff, ts, e, day_frac, days, f10m,
    -- weather systems (6 h), mesoscale (30 min: the farm's and the turbine's own, which are
    -- the same for turbine 0), turbulence (2 min), temperature drift (12 h)
    ((hashint8(k6h * 16 + 1)::float8 + 2147483648) / 4294967296) * (1 - s6h)
      + ((hashint8((k6h + 1) * 16 + 1)::float8 + 2147483648) / 4294967296) * s6h AS n6h,
    (((hashint8(k30m * 16 + 2)::float8 + 2147483648) / 4294967296) * (1 - s30m)
      + ((hashint8((k30m + 1) * 16 + 2)::float8 + 2147483648) / 4294967296) * s30m
     + ((hashint8(j30m * 16 + 2 + salt)::float8 + 2147483648) / 4294967296) * (1 - r30m)
      + ((hashint8((j30m + 1) * 16 + 2 + salt)::float8 + 2147483648) / 4294967296) * r30m)
      / 2 AS n30m,
    ((hashint8(k2m * 16 + 3 + salt)::float8 + 2147483648) / 4294967296) * (1 - s2m)
      + ((hashint8((k2m + 1) * 16 + 3 + salt)::float8 + 2147483648) / 4294967296) * s2m AS n2m,
    ((hashint8(k12h * 16 + 4)::float8 + 2147483648) / 4294967296) * (1 - s12h)
      + ((hashint8((k12h + 1) * 16 + 4)::float8 + 2147483648) / 4294967296) * s12h AS n12h,
    -- one gust in about one 10-minute window of eight, its strength
    (hashint8(k10m * 16 + 5 + salt)::float8 + 2147483648) / 4294967296 AS gust_pick,
    (hashint8(k10m * 16 + 6 + salt)::float8 + 2147483648) / 4294967296 AS gust_size,
    -- per-sample noise
    (hashint8(e * 16 + 7 + salt)::float8 + 2147483648) / 4294967296 AS u_wind,
    (hashint8(e * 16 + 8 + salt)::float8 + 2147483648) / 4294967296 AS u_power,
    (hashint8(e * 16 + 9 + salt)::float8 + 2147483648) / 4294967296 AS u_temp,
    (hashint8(e * 16 + 10 + salt)::float8 + 2147483648) / 4294967296 AS u_gap
  FROM s
),
w AS MATERIALIZED (
  -- materialized so the power curve below reads wind_speed instead of recomputing it
  SELECT turbine, eff, toff, ts, day_frac, days, n12h, u_power, u_temp, u_gap,
    round(100 * greatest(0, least(25,
      ((1.5 + 11.5 * n6h * n6h)                             -- 1.5 .. 13 m/s, mostly moderate
        * (1 + 0.25 * (n30m - 0.5) + 0.2 * (n2m - 0.5)      -- slower and faster fluctuation
             + 0.08 * (u_wind - 0.5))                       -- sample-to-sample turbulence
        + 1.2 * cos(2 * pi() * (day_frac - 15.0 / 24))      -- windier in the afternoon
        + CASE WHEN gust_pick < 0.125                       -- a gust: a bump of 2..7 m/s
               THEN (2 + 5 * gust_size) * sin(pi() * f10m) ^ 4 ELSE 0 END
      ) * site                                              -- the turbine's position
    ))) / 100 AS wind_speed
  FROM n
),
inserted AS (
  INSERT INTO data (turbine, timestamp, wind_speed, power, ambient_temperature)
  SELECT turbine, ts, wind_speed,
    -- power curve of a 2 MW turbine: cut-in 3 m/s, rated at 12 m/s, cut-out 25 m/s
    CASE WHEN u_gap < 0.0002 THEN NULL
         WHEN wind_speed < 3 OR wind_speed >= 25 THEN 0
         ELSE round(10 * least(2000, 2000 * (1 + 0.03 * (u_power - 0.5)) * eff
                * CASE WHEN wind_speed >= 12 THEN 1
                       ELSE (wind_speed * wind_speed * wind_speed - 27) / (1728 - 27) END)) / 10
    END,
    -- cold in January, warm in July; coolest before dawn, warmest mid-afternoon
    CASE WHEN u_gap > 0.9995 THEN NULL
         ELSE round(100 * (9 - 9 * cos(2 * pi() * (days - 19) / 365.2425)  -- days since 1970-01-01
                + 3.5 * cos(2 * pi() * (day_frac - 15.0 / 24))
                + 6 * (n12h - 0.5) + 0.2 * (u_temp - 0.5) + toff)) / 100
    END
  FROM w
  ON CONFLICT (turbine, timestamp) DO UPDATE
    SET wind_speed = EXCLUDED.wind_speed, power = EXCLUDED.power,
        ambient_temperature = EXCLUDED.ambient_temperature
  RETURNING 1
)
SELECT count(*)::int AS rows FROM inserted
