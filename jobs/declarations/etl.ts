/**
 * etl: one UTC day of raw readings from the source API into 10-minute
 * statistics (mean, min, max, sample std of wind speed and power) in
 * `data`, one row per signal per bin. Owns the eight signals it writes.
 */
import type { JobDeclaration } from "../core/job.ts";

export const etl: JobDeclaration = {
  name: "etl",
  input: {
    kind: "api",
    variables: ["wind_speed", "power"],
    createStaging: "etl/create_staging.sql",
    copyStaging: "etl/copy_staging.sql",
    clearStaging: "etl/clear_staging.sql",
    dropStaging: "etl/drop_staging.sql",
    validate: "etl/validate_staging.sql",
    duplicateExample: "etl/duplicate_example.sql",
  },
  deleteDay: "etl/delete_day.sql",
  transformTakesDay: false,
};
