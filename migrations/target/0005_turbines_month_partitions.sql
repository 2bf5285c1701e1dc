-- A wind farm, not a turbine (issue 18): signals per turbine, `data`
-- partitioned by month, daily rows per turbine plus farm totals, and per
-- turbine completeness of each day the source API fed.

-- One signal per turbine and statistic (power_mean of T01, of T02, ...). The
-- signals there are belong to the one turbine of a single-series source.
ALTER TABLE signal ADD COLUMN turbine text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE signal DROP CONSTRAINT signal_name_key;
ALTER TABLE signal ADD CONSTRAINT signal_turbine_name_key UNIQUE (turbine, name);

-- `data` becomes a table partitioned by month (UTC), partitions named
-- data_YYYYMM, so a day's delete-then-insert touches one partition and
-- retention is `ALTER TABLE data DETACH PARTITION data_YYYYMM`. There is no
-- DEFAULT partition: a run makes sure its month exists first
-- (windbin_data_partition below, in a short transaction of its own:
-- sql/runner/prepare_day.sql).
ALTER TABLE data RENAME TO data_unpartitioned;
ALTER TABLE data_unpartitioned RENAME CONSTRAINT data_pkey TO data_unpartitioned_pkey;

CREATE TABLE data (
  timestamp timestamptz NOT NULL,
  signal_id int NOT NULL CONSTRAINT data_signal_id_fkey REFERENCES signal,
  value float8,
  CONSTRAINT data_pkey PRIMARY KEY (signal_id, timestamp)
) PARTITION BY RANGE (timestamp);

-- Makes sure the month partition of `data` holding `day` exists; returns its
-- name. The partition is made as a plain table and then attached: ATTACH
-- takes a SHARE UPDATE EXCLUSIVE lock on `data`, which readers and writers of
-- other days do not wait for (CREATE TABLE ... PARTITION OF would take an
-- ACCESS EXCLUSIVE one). Concurrent callers queue on an advisory lock and
-- look again once they hold it, so two runs making the same new month do not
-- collide. A table of that name that is not attached (a month detached for
-- retention) is refused: the run must not write into a month set aside.
-- SECURITY DEFINER: attaching needs the owner of `data` (whoever migrated),
-- and a runner's role needs only SELECT, INSERT, UPDATE, DELETE on windbin's
-- tables (partitions are reached through `data`, whose grants are the ones
-- checked); its search_path is pinned to this schema below.
CREATE FUNCTION windbin_data_partition(day date) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
AS $fn$
DECLARE
  first date := date_trunc('month', day)::date;
  part text := 'data_' || to_char(first, 'YYYYMM');
  parent regclass := 'data'::regclass;
  nsp text;
  lo text := to_char(first, 'YYYY-MM-DD') || ' 00:00:00+00';
  hi text := to_char((first + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+00';
  attached boolean;
BEGIN
  SELECT n.nspname INTO nsp
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = parent;
  -- The common case, without a lock: the month is there.
  SELECT EXISTS (
    SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = parent AND c.relname = part
  ) INTO attached;
  IF attached THEN
    RETURN part;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('windbin.data_partition'));
  IF to_regclass(format('%I.%I', nsp, part)) IS NOT NULL THEN
    SELECT EXISTS (
      SELECT 1 FROM pg_inherits
       WHERE inhparent = parent AND inhrelid = to_regclass(format('%I.%I', nsp, part))
    ) INTO attached;
    IF attached THEN
      RETURN part;
    END IF;
    RAISE EXCEPTION 'table %.% exists but is not a partition of data (a month detached for retention?): attach it again (ALTER TABLE data ATTACH PARTITION % FOR VALUES FROM (''%'') TO (''%'')), or rename or drop it, then run the day again',
      nsp, part, part, lo, hi;
  END IF;
  EXECUTE format('CREATE TABLE %I.%I (LIKE %I.data INCLUDING DEFAULTS)', nsp, part, nsp);
  EXECUTE format('ALTER TABLE %I.data ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
    nsp, nsp, part, lo, hi);
  RETURN part;
END
$fn$;
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION windbin_data_partition(date) SET search_path = %I, pg_temp',
                 current_schema());
END
$$;

-- Every row of the table as it was, each into its month.
SELECT windbin_data_partition(m)
  FROM (SELECT DISTINCT date_trunc('month', timestamp AT TIME ZONE 'UTC')::date AS m
          FROM data_unpartitioned) months
 ORDER BY m;
INSERT INTO data (timestamp, signal_id, value)
SELECT timestamp, signal_id, value FROM data_unpartitioned;
DROP TABLE data_unpartitioned;

-- daily: one row per turbine and day; farm totals in daily_farm.
ALTER TABLE daily ADD COLUMN turbine text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE daily DROP CONSTRAINT daily_pkey, ADD PRIMARY KEY (day, turbine);
CREATE TABLE daily_farm (
  day date PRIMARY KEY,
  -- kWh: the turbines' energy summed; NULL when no turbine had power that day.
  energy_kwh float8,
  -- m/s: the mean of the turbines' mean wind speeds.
  mean_wind_speed float8,
  -- kW: the highest power reading of any turbine.
  max_power float8,
  -- The mean of the turbines' availability, 0..1.
  availability float8,
  -- Turbines counted (those with data, and those expected that sent none).
  turbines int NOT NULL
);
-- Days built before turbines are one turbine's: their totals are that turbine's.
INSERT INTO daily_farm (day, energy_kwh, mean_wind_speed, max_power, availability, turbines)
SELECT day, energy_kwh, mean_wind_speed, max_power, availability, 1 FROM daily;

-- Completeness: per API-input partition and turbine, the readings expected
-- (86400 / the turbine's cadence, from the source's GET /turbines; NULL when
-- not known) and received, written in the run's final transaction, for every
-- turbine expected that day (its first reading <= the day <= its last) and
-- every turbine that sent readings.
CREATE TABLE partition_turbines (
  job text NOT NULL,
  day date NOT NULL,
  turbine text COLLATE "C" NOT NULL,
  expected int,
  received int NOT NULL,
  PRIMARY KEY (job, day, turbine)
);

-- The turbines below MIN_COMPLETENESS when the run recorded the day:
-- [{"turbine", "expected", "received"}], NULL when complete. A succeeded
-- partition with it is in the derived state "incomplete".
ALTER TABLE partitions ADD COLUMN incomplete jsonb;
