-- Raw turbine readings, one row per timestamp (UTC).
CREATE TABLE data (
  timestamp timestamptz PRIMARY KEY,
  wind_speed float8,
  power float8,
  ambient_temperature float8
);
