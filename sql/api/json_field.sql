-- One "name":value member of a /data JSON object, appended to the object text.
-- {{name}} is a column name from the variable whitelist. NULL, NaN and
-- ±Infinity have no JSON number, so they travel as null.
    || ',"{{name}}":' || CASE
         WHEN {{name}} IS NULL OR {{name}} IN ('NaN', 'Infinity', '-Infinity') THEN 'null'
         ELSE {{name}}::text END
