-- Closes an attempt in the runs history (only once).
UPDATE runs SET
  status = $2,
  finished_at = clock_timestamp(),
  rows_in = $3,
  rows_out = $4,
  sql_version = $5,
  sql_hash = $6,
  error = $7,
  tx_ms = $8,
  extract_attempts = $9
WHERE id = $1 AND status = 'running'
