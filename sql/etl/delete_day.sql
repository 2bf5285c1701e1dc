-- Removes the target rows of day $1 for this job's signals, [D, D+1) in UTC.
-- Filtering on signal_id lets the (signal_id, timestamp) primary key serve the range.
DELETE FROM data
WHERE signal_id IN (SELECT id FROM signal)
  AND timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
  AND timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
