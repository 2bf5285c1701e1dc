-- Signals are named <variable>_<stat>, as the reference system wrote them.
CREATE TABLE signal (
  id serial PRIMARY KEY,
  name text UNIQUE NOT NULL
);

INSERT INTO signal (name)
SELECT v.name || '_' || s.name
FROM unnest(ARRAY['wind_speed', 'power']) WITH ORDINALITY AS v(name, i),
     unnest(ARRAY['mean', 'min', 'max', 'std']) WITH ORDINALITY AS s(name, j)
ORDER BY v.i, s.j;

-- One row per signal per 10-minute bin that had at least one reading;
-- timestamp is the bin start.
CREATE TABLE data (
  timestamp timestamptz NOT NULL,
  signal_id int NOT NULL REFERENCES signal,
  value float8,
  PRIMARY KEY (signal_id, timestamp)
);
