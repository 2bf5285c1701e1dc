/**
 * The source fingerprint query, shared by the source API (over its readings)
 * and the runner (over staging), so both compute exactly the same thing.
 */
import { readSql } from "./load.ts";

const TEMPLATE = await readSql("shared/fingerprint.sql");
const NAME = /^[a-z_][a-z0-9_]*$/;

/** One day's fingerprint. */
export interface Fingerprint {
  day: string;
  readings: number;
  checksum: string;
}

/**
 * The query over `table` for `variables` (whitelisted identifiers only);
 * parameters: $1 first day, $2 last day (inclusive).
 */
export function fingerprintSql(table: string, variables: readonly string[]): string {
  for (const n of [table, ...variables]) {
    if (!NAME.test(n)) throw new Error(`not a plain SQL name: ${JSON.stringify(n)}`);
  }
  const values = variables.map((v) => `|| ',' || coalesce(${v}::text, '\\N')`).join(" ");
  return TEMPLATE.replaceAll("{{table}}", table).replaceAll("{{values}}", values);
}
