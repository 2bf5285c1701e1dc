-- One "name":value member of a /data JSON object, appended to the object text.
-- {{name}} is a column name from the variable whitelist. NULL, NaN and
-- ±Infinity have no JSON number, so they travel as null: x - x = 0 holds for
-- finite numbers only (NULL, NaN and ±Infinity give NULL or NaN), one test
-- instead of four.
    || ',"{{name}}":' || CASE WHEN {{name}} - {{name}} = 0 THEN {{name}}::text ELSE 'null' END
