-- Whether the runner can record runs now: not a read-only session or standby,
-- and the role may write the partitions table.
SELECT current_setting('transaction_read_only') = 'off' AND NOT pg_is_in_recovery() AS writable,
       has_table_privilege(current_user, 'partitions', 'INSERT, UPDATE')
         AND has_table_privilege(current_user, 'runs', 'INSERT, UPDATE') AS privileged
