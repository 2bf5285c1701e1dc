/**
 * Builds the /data SELECTs from the templates in sql/api/.
 *
 * They run inside COPY, on the simple protocol, where bound parameters do not
 * exist: every placeholder is filled from a validated DataQuery only (names
 * from the whitelist, instants re-formatted by Temporal and re-checked).
 */
import type { DataQuery } from "./params.ts";
import { sqlInstant } from "./time.ts";
import { isVariable } from "./variables.ts";

export interface DataSql {
  csv: string;
  json: string;
  jsonField: string;
}

/** Reads the templates once, at start-up. */
export async function loadDataSql(): Promise<DataSql> {
  const read = (name: string) =>
    Deno.readTextFile(new URL(`../sql/api/${name}`, import.meta.url)).then(stripComments);
  const [csv, json, jsonField] = await Promise.all([
    read("data_csv.sql"),
    read("data_json.sql"),
    read("json_field.sql"),
  ]);
  return { csv, json, jsonField };
}

/** The SELECT for `format`: "csv" rows with a header, or one JSON object text per row. */
export function dataSelect(sql: DataSql, q: DataQuery, format: "csv" | "json"): string {
  for (const v of q.variables) {
    if (!isVariable(v)) throw new Error(`refusing to put variable ${JSON.stringify(v)} into SQL`);
  }
  const bounds = {
    start: sqlInstant(q.start),
    end: sqlInstant(q.end),
    end_op: q.endInclusive ? "<=" : "<",
  };
  if (format === "csv") {
    return fill(sql.csv, { ...bounds, columns: q.variables.map((v) => `, ${v}`).join("") });
  }
  const fields = q.variables.map((v) => fill(sql.jsonField, { name: v })).join("\n");
  return fill(sql.json, { ...bounds, fields: "\n" + fields });
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
