/** Validate: what arrived in staging must be one clean UTC day of readings. */
import type { Tx } from "../../db/types.ts";
import { ValidationError } from "./errors.ts";

interface Checks {
  rows: number;
  null_timestamps: number;
  outside: number;
  outside_example: string | null;
  duplicates: number;
  non_finite: number;
  non_finite_example: string | null;
}

export interface ValidationSql {
  /** Counts of every kind of problem for day $1, in the columns of `Checks`. */
  validate: string;
  /** The first duplicated timestamp (only queried when there are duplicates). */
  duplicateExample: string;
}

/** Returns the number of rows staged; throws ValidationError naming every problem found. */
export async function validateStaging(tx: Tx, sql: ValidationSql, day: string): Promise<number> {
  const [c] = await tx.query<Checks>(sql.validate, [day]);
  const problems: string[] = [];
  if (c.null_timestamps) problems.push(`${c.null_timestamps} readings without a timestamp`);
  if (c.outside) {
    problems.push(
      `${c.outside} readings outside ${day} (UTC), e.g. at ${c.outside_example}`,
    );
  }
  if (c.duplicates) {
    const [{ example }] = await tx.query<{ example: string }>(sql.duplicateExample);
    problems.push(
      `${c.duplicates} extra readings for timestamps that appear more than once, e.g. ${example}`,
    );
  }
  if (c.non_finite) {
    problems.push(
      `${c.non_finite} readings with NaN or infinite values, e.g. at ${c.non_finite_example}`,
    );
  }
  if (problems.length) {
    throw new ValidationError(
      `the source API's answer for ${day} is invalid: ${
        problems.join("; ")
      }. Nothing was written; ` +
        `fix the source data or the API and run the day again.`,
    );
  }
  return c.rows;
}
