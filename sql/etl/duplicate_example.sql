-- The first timestamp that staging holds more than once (for the error message).
SELECT min(timestamp)::text AS example
FROM (SELECT timestamp FROM staging GROUP BY timestamp HAVING count(*) > 1) d
