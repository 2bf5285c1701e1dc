-- daily v2 (sql/daily/daily_summary.v2.sql): a day with etl bins but no power
-- reading has an unknown energy, NULL, not 0 kWh.
ALTER TABLE daily ALTER COLUMN energy_kwh DROP NOT NULL;
COMMENT ON COLUMN daily.energy_kwh IS
  'kWh: each 10-minute bin''s mean power (kW) for 1/6 h, over the bins with power; NULL when the day has none';
COMMENT ON COLUMN daily.availability IS
  'share of the day''s 144 bins with at least one power reading, 0..1';
