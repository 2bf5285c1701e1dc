/**
 * The source fingerprint SQL (sql/fingerprint.sql), for any table with a
 * `timestamp timestamptz` column and float8 variables: the API runs it over
 * `data`, the runner over its staging table, so both compute the very same
 * checksums. Parameters: `$1` first day, `$2` last day (YYYY-MM-DD, inclusive).
 * Columns: `day` (text YYYY-MM-DD), `readings` (int), `checksum` (text, hex).
 */
const TEMPLATE = Deno.readTextFileSync(new URL("./fingerprint.sql", import.meta.url))
  .split("\n").filter((l) => !/^\s*--/.test(l)).join("\n").trim();

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export interface FingerprintRow {
  day: string;
  readings: number;
  checksum: string;
}

export function fingerprintSql(table: string, variables: readonly string[]): string {
  for (const name of [table, ...variables]) {
    if (!IDENT.test(name)) {
      throw new Error(
        `fingerprintSql: ${JSON.stringify(name)} is not a plain lower-case identifier`,
      );
    }
  }
  if (variables.length === 0) throw new Error("fingerprintSql: name at least one variable");
  const values = variables.map((v) => ` || ',' || coalesce(${v}::text, '\\N')`).join("");
  return TEMPLATE.replace("{{table}}", table).replace("{{values}}", values);
}
