/**
 * etl: one UTC day of raw readings from the source API into 10-minute
 * statistics (mean, min, max, sample std of wind speed and power) per
 * turbine in `data`, one row per turbine, signal and bin. Owns the eight
 * signals of every turbine; makes a new turbine's signals before its final
 * transaction (prepare_day.sql).
 */
import type { JobDeclaration } from "../core/job.ts";

export const etl: JobDeclaration = {
  name: "etl",
  // The core stages them in a TEMP table `staging` (turbine, timestamp, wind_speed, power).
  input: { kind: "api", variables: ["wind_speed", "power"] },
  deleteDay: "etl/delete_day.sql",
  prepareDay: "etl/prepare_day.sql",
  transformTakesDay: false,
  views: [{
    kind: "chart",
    title: "10-minute mean over the min–max band",
    sql: "etl/view_day_chart.sql",
    binMinutes: 10,
    farm: "Farm: wind speed is the turbines' mean, its band the lowest and highest reading of " +
      "any turbine; power is their sum, its band the sums of their minima and maxima.",
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
