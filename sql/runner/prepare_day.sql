-- The target's storage for day $1, made before a run's final transaction in a
-- short transaction of its own: the month partition of `data`
-- (windbin_data_partition, migrations/target/0005). First in that
-- transaction, before a job's own prepareDay statement: a partition is
-- attached under an advisory lock, and nothing that waits for that lock may
-- hold a lock the attach needs (signal's, which a new turbine's signals take).
SELECT windbin_data_partition($1::date) AS partition
