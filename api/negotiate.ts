/**
 * Picks the /data response format from the Accept header with hono's
 * `accepts` (q-values, then specificity; JSON when nothing fits). The binary
 * format is only ever chosen by name: `*\/*` and `application/*` mean JSON.
 */
import type { Context } from "hono";
import { accepts } from "hono/accepts";

export type DataFormat = "json" | "csv" | "ndjson" | "pgcopy";

export const CONTENT_TYPES: Record<DataFormat, string> = {
  json: "application/json",
  csv: "text/csv; charset=utf-8; header=present",
  ndjson: "application/x-ndjson",
  pgcopy: "application/x-pgcopy",
};

/** Media types served, in the order `type/*` picks them. */
const MEDIA: Record<string, DataFormat> = {
  "application/json": "json",
  "text/csv": "csv",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
  "application/x-pgcopy": "pgcopy",
};

export function pickFormat(accept: string | undefined): DataFormat {
  // accepts() reads only the header from its context.
  const c = { req: { header: () => accept } } as unknown as Context;
  return MEDIA[accepts(c, { header: "Accept", supports: Object.keys(MEDIA), default: "" })] ??
    "json";
}
