/** Picks the /data response format from the Accept header (JSON when nothing else fits). */

export type DataFormat = "json" | "csv" | "ndjson";

export const CONTENT_TYPES: Record<DataFormat, string> = {
  json: "application/json",
  csv: "text/csv; charset=utf-8; header=present",
  ndjson: "application/x-ndjson",
};

const MEDIA: Record<string, DataFormat> = {
  "application/json": "json",
  "text/csv": "csv",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
};

export function pickFormat(accept: string | undefined): DataFormat {
  if (!accept) return "json";
  const ranges = accept.split(",").map((part, index) => {
    const [type, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = params.map((p) => /^q=([\d.]+)$/.exec(p)).find(Boolean);
    return { type, q: q ? Number(q[1]) : 1, index };
  }).filter((r) => r.q > 0 && !Number.isNaN(r.q));
  // Highest q first; the order written breaks ties. Wildcards mean JSON.
  ranges.sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranges) {
    if (MEDIA[r.type]) return MEDIA[r.type];
    if (r.type === "*/*" || r.type === "application/*") return "json";
    if (r.type === "text/*") return "csv";
  }
  return "json";
}
