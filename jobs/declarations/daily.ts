/**
 * daily: per UTC day, the numbers a wind-farm operator reads every morning —
 * energy (kWh), mean wind speed, maximum power, availability — computed in
 * the target from etl's 10-minute data of the same day. Pure SQL, no
 * extract; owns the `daily` table.
 */
import type { JobDeclaration } from "../core/job.ts";

export const daily: JobDeclaration = {
  name: "daily",
  upstream: ["etl"],
  input: { kind: "upstream" },
  deleteDay: "daily/delete_day.sql",
  transformTakesDay: true,
};
