-- What the session's role may not do to windbin's tables (those in the schema
-- of windbin_migrations, that table aside): per table, the privileges of $1
-- it lacks; per sequence, USAGE (nextval); and TEMP on the database (staging
-- tables) when $2. One row per missing grant.
WITH ours AS (
  SELECT c.oid, c.relname, c.relkind, n.nspname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass('windbin_migrations'))
     AND c.relkind IN ('r', 'p', 'S')
     AND c.relname <> 'windbin_migrations'
     AND NOT c.relispartition
)
SELECT 'table' AS kind, relname AS name, nspname AS schema, p AS privilege
  FROM ours, unnest($1::text[]) AS p
 WHERE CASE WHEN relkind IN ('r', 'p') THEN NOT has_table_privilege(oid, p) ELSE false END
UNION ALL
SELECT 'sequence', relname, nspname, 'USAGE'
  FROM ours
 -- (CASE: the planner may test a condition before relkind; a table is not a sequence)
 WHERE $2 AND CASE WHEN relkind = 'S' THEN NOT has_sequence_privilege(oid, 'USAGE') ELSE false END
UNION ALL
SELECT 'database', current_database(), NULL, 'TEMP'
 WHERE $2 AND NOT has_database_privilege(current_database(), 'TEMP')
ORDER BY 1, 2
