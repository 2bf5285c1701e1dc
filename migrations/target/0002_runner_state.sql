-- The single source of truth for what is done: one row per job and UTC day.
-- No row means "missing"; "stale" is derived (succeeded with another SQL version or hash).
CREATE TABLE partitions (
  job text NOT NULL,
  day date NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  -- Runs started for this partition, ever; failures since the last success (retry budget).
  attempts int NOT NULL DEFAULT 0,
  failures int NOT NULL DEFAULT 0,
  -- The run that holds (or last held) the partition; a claim is fenced on it.
  run_id bigint,
  runner text,
  lease_until timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  error text,
  -- What the target holds for this day: written only by a successful run,
  -- in the same transaction as the data.
  sql_version int,
  sql_hash text,
  rows_in int,
  rows_out int,
  succeeded_at timestamptz,
  PRIMARY KEY (job, day)
);

-- Every attempt, kept: who ran what, when, and how it ended.
CREATE TABLE runs (
  id bigserial PRIMARY KEY,
  job text NOT NULL,
  day date NOT NULL,
  trigger text NOT NULL,
  runner text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  rows_in int,
  rows_out int,
  sql_version int,
  sql_hash text,
  error text
);

CREATE INDEX runs_job_day ON runs (job, day, id DESC);
CREATE INDEX runs_recent ON runs (id DESC);
