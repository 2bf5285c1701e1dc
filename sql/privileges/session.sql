-- Who this session is and whether its database takes writes: the role, the
-- database, the schema new tables go to and whether the role may create
-- there, a read-only default (and where it was set) or a standby.
SELECT current_user AS role,
       current_database() AS database,
       current_schema() AS schema,
       coalesce(has_schema_privilege(current_schema(), 'CREATE'), false) AS can_create,
       current_setting('transaction_read_only') = 'on' AS read_only,
       (SELECT source FROM pg_settings WHERE name = 'default_transaction_read_only') AS read_only_source,
       pg_is_in_recovery() AS standby
