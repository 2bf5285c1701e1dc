/**
 * etl: one UTC day of raw readings from the source API into 10-minute
 * statistics (mean, min, max, sample std of wind speed and power) in
 * `data`, one row per signal per bin. Owns the eight signals it writes.
 */
import type { JobDeclaration } from "../core/job.ts";

export const etl: JobDeclaration = {
  name: "etl",
  // The core stages them in a TEMP table `staging` (turbine, timestamp, wind_speed, power).
  input: { kind: "api", variables: ["wind_speed", "power"] },
  deleteDay: "etl/delete_day.sql",
  transformTakesDay: false,
};
