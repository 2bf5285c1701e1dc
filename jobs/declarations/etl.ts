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
  views: [{
    kind: "chart",
    title: "10-minute mean over the min–max band",
    sql: "etl/view_day_chart.sql",
    binMinutes: 10,
    series: [
      {
        column: "wind_speed_mean",
        label: "Wind speed",
        unit: "m/s",
        digits: 1,
        band: { min: "wind_speed_min", max: "wind_speed_max" },
      },
      {
        column: "power_mean",
        label: "Power",
        unit: "kW",
        digits: 0,
        band: { min: "power_min", max: "power_max" },
      },
    ],
  }],
};
