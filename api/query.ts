/**
 * Builds the API's SQL from the templates in sql/api/.
 *
 * The /data SELECTs run inside COPY, on the simple protocol, where bound
 * parameters do not exist: every placeholder is filled from a validated
 * DataQuery only (names from the whitelist, instants re-formatted by Temporal
 * and re-checked, turbine names as escaped string literals).
 */
import type { DataQuery } from "./params.ts";
import { sqlInstant } from "./time.ts";
import { isVariable, type Variable } from "./variables.ts";

export interface ApiSql {
  csv: string;
  json: string;
  jsonField: string;
  binary: string;
  fingerprints: string;
  turbineNames: string;
  turbines: string;
  extent: string;
}

/** Reads the templates once, at start-up. */
export async function loadApiSql(): Promise<ApiSql> {
  const read = (name: string) =>
    Deno.readTextFile(new URL(`../sql/api/${name}`, import.meta.url)).then(stripComments);
  const [csv, json, jsonField, binary, fingerprints, turbineNames, turbines, extent] = await Promise
    .all([
      read("data_csv.sql"),
      read("data_json.sql"),
      read("json_field.sql"),
      read("data_binary.sql"),
      read("fingerprints.sql"),
      read("turbine_names.sql"),
      read("turbines.sql"),
      read("extent.sql"),
    ]);
  return { csv, json, jsonField, binary, fingerprints, turbineNames, turbines, extent };
}

export type SelectFormat = "csv" | "json" | "binary";

/**
 * The /data SELECT for `format` over `turbines` (names the route checked
 * against the source): "csv" rows with a header, one JSON object text per
 * row, or the raw columns for binary COPY. `withTurbine`: the text formats
 * carry a turbine field.
 */
export function dataSelect(
  sql: ApiSql,
  q: DataQuery,
  format: SelectFormat,
  turbines: readonly string[],
  withTurbine: boolean,
): string {
  checkVariables(q.variables);
  const common = {
    turbines: textArray(turbines),
    start: sqlInstant(q.start),
    end: sqlInstant(q.end),
    end_op: q.endInclusive ? "<=" : "<",
  };
  const columns = q.variables.map((v) => `, ${v}`).join("");
  if (format === "binary") return fill(sql.binary, { ...common, columns });
  if (format === "csv") {
    return fill(sql.csv, { ...common, columns, turbine: withTurbine ? "turbine," : "" });
  }
  const fields = q.variables.map((v) => fill(sql.jsonField, { name: v })).join("\n");
  const open = withTurbine
    ? `'{"turbine":' || to_json(turbine)::text || ',"timestamp":"'`
    : `'{"timestamp":"'`;
  return fill(sql.json, { ...common, open, fields: "\n" + fields });
}

/** GET /fingerprints' query: $1, $2 the days, and $3 the turbines when `byTurbine`. */
export function fingerprintsSelect(
  sql: ApiSql,
  variables: readonly Variable[],
  byTurbine: boolean,
): string {
  checkVariables(variables);
  return fill(sql.fingerprints, {
    hashes: variables.map((v) => `r.h_${v}`).join(" # "),
    turbines: byTurbine ? "AND r.turbine = ANY($3::text[])" : "",
  });
}

function checkVariables(variables: readonly string[]): void {
  for (const v of variables) {
    if (!isVariable(v)) throw new Error(`refusing to put variable ${JSON.stringify(v)} into SQL`);
  }
}

/**
 * A text[] literal for SQL text: escape-string constants (E'...'), which
 * read the same whatever standard_conforming_strings says.
 */
function textArray(values: readonly string[]): string {
  if (values.length === 0) return "'{}'::text[]";
  return `ARRAY[${values.map(textLiteral).join(", ")}]::text[]`;
}

function textLiteral(s: string): string {
  if (s.includes("\0")) throw new Error("refusing to put a NUL character into SQL");
  return `E'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!Object.hasOwn(values, key)) {
      throw new Error(`no value for {{${key}}} in an API SQL template`);
    }
    return values[key];
  });
}

/** Comment lines go: the text is embedded in `COPY (...)` and a trailing `--` would eat the `)`. */
function stripComments(sql: string): string {
  return sql.split("\n").filter((l) => !/^\s*--/.test(l)).join("\n").trim();
}
