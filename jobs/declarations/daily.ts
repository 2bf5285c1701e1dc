/**
 * daily: per UTC day, the numbers a wind-farm operator reads every morning —
 * energy (kWh), mean wind speed, maximum power, availability — per turbine
 * and for the farm, computed in the target from etl's 10-minute data of the
 * same day. Pure SQL, no extract; owns the `daily` and `daily_farm` tables.
 */
import type { JobDeclaration } from "../core/job.ts";

export const daily: JobDeclaration = {
  name: "daily",
  upstream: ["etl"],
  input: { kind: "upstream" },
  deleteDay: "daily/delete_day.sql",
  transformTakesDay: true,
  views: [{
    kind: "numbers",
    title: "Daily numbers",
    sql: "daily/view_day_numbers.sql",
    farm: "Farm: energy summed over the turbines, their mean wind speed, the highest power of " +
      "any, their mean availability.",
    numbers: [
      { column: "energy_kwh", label: "energy", unit: "kWh", digits: 0 },
      { column: "mean_wind_speed", label: "mean wind speed", unit: "m/s", digits: 2 },
      { column: "max_power", label: "max power", unit: "kW", digits: 0 },
      { column: "availability_pct", label: "availability", unit: "%", digits: 1 },
    ],
  }],
};
