-- Jobs as declarations: states "empty" (a day the source had no readings for)
-- and run outcomes "cancelled" (stopped by a signal) and "abandoned" (its
-- runner died); what a partition was built from (stale detection); the retry
-- budget; and the daily job's own table.
ALTER TABLE partitions DROP CONSTRAINT partitions_status_check;
ALTER TABLE partitions ADD CONSTRAINT partitions_status_check
  CHECK (status IN ('running', 'succeeded', 'empty', 'failed'));

ALTER TABLE partitions
  -- The state before the current claim: restored when the run is cancelled.
  ADD COLUMN previous_status text,
  -- The run whose rows the target holds for this day (the last success).
  ADD COLUMN success_run_id bigint,
  -- Upstream partitions this one was built from: {"<job>": <their success_run_id>}.
  ADD COLUMN built_from jsonb,
  -- Fingerprint of what the last success extracted (reading count, checksum).
  ADD COLUMN source_readings int,
  ADD COLUMN source_checksum text,
  -- Retry budget: no automatic retry before this time.
  ADD COLUMN next_attempt_at timestamptz,
  -- The last success's whole run and its final transaction, in milliseconds.
  ADD COLUMN duration_ms int,
  ADD COLUMN tx_ms int;

UPDATE partitions SET success_run_id = run_id WHERE status = 'succeeded';

ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check
  CHECK (status IN ('running', 'succeeded', 'empty', 'failed', 'cancelled', 'abandoned'));
ALTER TABLE runs
  ADD COLUMN tx_ms int,
  ADD COLUMN extract_attempts int;
CREATE INDEX runs_running ON runs (id) WHERE status = 'running';

-- The daily job: one row per UTC day, from etl's 10-minute data.
CREATE TABLE daily (
  day date PRIMARY KEY,
  -- kWh: each 10-minute bin's mean power (kW) for 1/6 h; bins without data add nothing.
  energy_kwh float8 NOT NULL,
  -- m/s: the mean of the day's 10-minute means.
  mean_wind_speed float8,
  -- kW: the highest power reading of the day.
  max_power float8,
  -- Share of the day's 144 bins that have data, 0..1.
  availability float8 NOT NULL,
  bins int NOT NULL
);
