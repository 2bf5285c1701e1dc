-- Turbines, and a per-day summary that keeps the source fingerprint current.
--
-- data gets a turbine (added last, so positional INSERTs of
-- (timestamp, wind_speed, power, ambient_temperature) keep working); rows that
-- name none belong to the turbine 'default'. COLLATE "C": ORDER BY turbine is
-- byte order, the order of the binary /data stream.
ALTER TABLE data ADD COLUMN turbine text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE data DROP CONSTRAINT data_pkey, ADD PRIMARY KEY (turbine, timestamp);

-- h(r, v): the fingerprint of one value of one reading, defined on bytes, not
-- text, so no server setting or PostgreSQL version changes it: the first 8
-- bytes of md5(utf8(turbine) 0x00 timestamptz_send(ts) utf8(variable) 0x00 val)
-- as a big-endian int64, where val is 0x01 float8send(value), or 0x00 for NULL.
-- sql/fingerprint.ts computes the same in JS. STABLE (convert_to is) and a
-- single expression, so PostgreSQL inlines it.
CREATE FUNCTION windbin_reading_hash(turbine text, ts timestamptz, variable text, value float8)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT ('x' || md5(
    convert_to(turbine, 'UTF8') || '\x00'::bytea || timestamptz_send(ts)
      || convert_to(variable, 'UTF8')
      || CASE WHEN value IS NULL THEN '\x0000'::bytea ELSE '\x0001'::bytea || float8send(value) END
  ))::bit(64)::bigint
$$;

-- Per turbine and UTC day: the reading count and, per variable, the XOR of
-- h over the day's readings. XOR is its own inverse, so a deleted reading is
-- taken out the way it was put in; /fingerprints reads only this table.
CREATE TABLE reading_days (
  turbine text COLLATE "C" NOT NULL,
  day date NOT NULL,
  readings bigint NOT NULL,
  h_wind_speed bigint NOT NULL,
  h_power bigint NOT NULL,
  h_ambient_temperature bigint NOT NULL,
  PRIMARY KEY (turbine, day)
);
-- /fingerprints and /extent over all turbines ask by day.
CREATE INDEX reading_days_day ON reading_days (day);

-- Applies the readings a statement added (new_rows, +1) and removed
-- (old_rows, -1). Keys are locked in (turbine, day) order, so two statements
-- never wait for each other in a cycle here; a key left with 0 readings is
-- deleted. Dynamic SQL: a trigger sees only the transition tables it declares.
CREATE FUNCTION windbin_reading_days_apply() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
  cols constant text := 'turbine, timestamp, wind_speed, power, ambient_temperature';
  changed text;
  zero_turbines text[];
  zero_days date[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reading_days;
    RETURN NULL;
  END IF;
  changed := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS n FROM new_rows', cols)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS n FROM old_rows', cols)
    ELSE format('SELECT %s, -1 AS n FROM old_rows UNION ALL SELECT %s, 1 FROM new_rows', cols, cols)
  END;
  EXECUTE format($sql$
    WITH changed AS (%s),
    upserted AS (
      INSERT INTO reading_days AS r
        (turbine, day, readings, h_wind_speed, h_power, h_ambient_temperature)
      SELECT c.turbine, (c.timestamp AT TIME ZONE 'UTC')::date, sum(c.n),
             bit_xor(windbin_reading_hash(c.turbine, c.timestamp, 'wind_speed', c.wind_speed)),
             bit_xor(windbin_reading_hash(c.turbine, c.timestamp, 'power', c.power)),
             bit_xor(windbin_reading_hash(c.turbine, c.timestamp, 'ambient_temperature',
                                          c.ambient_temperature))
        FROM changed c
       GROUP BY 1, 2
       ORDER BY 1, 2
      ON CONFLICT (turbine, day) DO UPDATE
        SET readings = r.readings + EXCLUDED.readings,
            h_wind_speed = r.h_wind_speed # EXCLUDED.h_wind_speed,
            h_power = r.h_power # EXCLUDED.h_power,
            h_ambient_temperature = r.h_ambient_temperature # EXCLUDED.h_ambient_temperature
      RETURNING r.turbine, r.day, r.readings
    )
    SELECT array_agg(u.turbine ORDER BY u.turbine, u.day),
           array_agg(u.day ORDER BY u.turbine, u.day)
      FROM upserted u
     WHERE u.readings = 0
  $sql$, changed) INTO zero_turbines, zero_days;
  -- Its own statement: the WITH above cannot see the rows it upserted.
  IF zero_turbines IS NOT NULL THEN
    DELETE FROM reading_days r
     USING unnest(zero_turbines, zero_days) AS z(turbine, day)
     WHERE r.turbine = z.turbine AND r.day = z.day AND r.readings = 0;
  END IF;
  RETURN NULL;
END
$fn$;

-- Transition tables allow one event per trigger: one trigger each.
CREATE TRIGGER data_reading_days_insert AFTER INSERT ON data
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION windbin_reading_days_apply();
CREATE TRIGGER data_reading_days_update AFTER UPDATE ON data
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION windbin_reading_days_apply();
CREATE TRIGGER data_reading_days_delete AFTER DELETE ON data
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION windbin_reading_days_apply();
CREATE TRIGGER data_reading_days_truncate AFTER TRUNCATE ON data
  FOR EACH STATEMENT EXECUTE FUNCTION windbin_reading_days_apply();

-- The readings already there.
INSERT INTO reading_days (turbine, day, readings, h_wind_speed, h_power, h_ambient_temperature)
SELECT turbine, (timestamp AT TIME ZONE 'UTC')::date, count(*),
       bit_xor(windbin_reading_hash(turbine, timestamp, 'wind_speed', wind_speed)),
       bit_xor(windbin_reading_hash(turbine, timestamp, 'power', power)),
       bit_xor(windbin_reading_hash(turbine, timestamp, 'ambient_temperature', ambient_temperature))
  FROM data
 GROUP BY 1, 2;
