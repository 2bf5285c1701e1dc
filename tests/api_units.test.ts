/** Pure parts of the API: time parsing, Accept negotiation, JSON array framing. */
import assert from "node:assert/strict";
import { formatInstant, parseInstant } from "../api/time.ts";
import { pickFormat } from "../api/negotiate.ts";
import { jsonArray } from "../api/stream.ts";

Deno.test("parseInstant accepts the documented forms, UTC by default", () => {
  const cases: [string, string][] = [
    ["2024-01-01", "2024-01-01T00:00:00Z"],
    ["2024-01-01T12:34", "2024-01-01T12:34:00Z"],
    ["2024-01-01T12:34:56", "2024-01-01T12:34:56Z"],
    ["2024-01-01 12:34:56", "2024-01-01T12:34:56Z"],
    ["2024-01-01T12:34:56Z", "2024-01-01T12:34:56Z"],
    ["2024-01-01T12:34:56z", "2024-01-01T12:34:56Z"],
    ["2024-01-01T12:34:56.5Z", "2024-01-01T12:34:56.5Z"],
    ["2024-01-01T12:34:56.123456Z", "2024-01-01T12:34:56.123456Z"],
    ["2024-01-01T12:34:56,25", "2024-01-01T12:34:56.25Z"],
    ["2024-01-01T12:34:56+02:00", "2024-01-01T10:34:56Z"],
    ["2024-01-01T12:34:56+0200", "2024-01-01T10:34:56Z"],
    ["2024-01-01T12:34:56-05", "2024-01-01T17:34:56Z"],
    ["2024-01-01T00:30:00 01:00", "2023-12-31T23:30:00Z"], // a "+" decoded as a space
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"],
  ];
  for (const [raw, want] of cases) assert.equal(formatInstant(parseInstant(raw)), want, raw);
});

Deno.test("parseInstant rejects impossible and malformed times with a reason", () => {
  const cases: [string, RegExp][] = [
    ["2024-02-30", /not a calendar date/],
    ["2023-02-29T00:00:00Z", /not a calendar date/],
    ["2024-13-01", /not a calendar date/],
    ["2024-00-10", /not a calendar date/],
    ["2024-01-01T24:00:00", /out of range/],
    ["2024-01-01T12:60:00", /out of range/],
    ["2024-01-01T12:00:60", /out of range/],
    ["2024-01-01T12:00:00+24:00", /offset/],
    ["2024-01-01T12:00:00.1234567", /fractional/],
    ["2024-1-1", /not a time/],
    ["20240101", /not a time/],
    ["2024-01-01T12", /not a time/],
    ["", /not a time/],
    [" 2024-01-01", /not a time/],
    ["2024-01-01T00:00:00Z; drop table data", /not a time/],
    ["0000-06-01", /years/],
    ["0001-01-01T00:00:00+01:00", /years/],
  ];
  for (const [raw, message] of cases) assert.throws(() => parseInstant(raw), message, raw);
});

Deno.test("pickFormat follows Accept with q-values and falls back to JSON", () => {
  assert.equal(pickFormat(undefined), "json");
  assert.equal(pickFormat(""), "json");
  assert.equal(pickFormat("text/csv"), "csv");
  assert.equal(pickFormat("TEXT/CSV; charset=utf-8"), "csv");
  assert.equal(pickFormat("application/x-ndjson"), "ndjson");
  assert.equal(pickFormat("application/json, text/csv"), "json");
  assert.equal(pickFormat("text/csv;q=0.2, application/x-ndjson;q=0.9"), "ndjson");
  assert.equal(pickFormat("text/csv;q=0, */*"), "json");
  assert.equal(pickFormat("image/png"), "json");
  assert.equal(pickFormat("text/*"), "csv");
});

async function frame(chunks: string[]): Promise<string> {
  const enc = new TextEncoder();
  async function* src() {
    for (const c of chunks) yield enc.encode(c);
  }
  let out = "";
  for await (const c of jsonArray(src())) out += new TextDecoder().decode(c);
  return out;
}

Deno.test("jsonArray turns lines into one array wherever the chunks split", async () => {
  assert.equal(await frame([]), "[]");
  assert.equal(await frame(['{"a":1}\n']), '[{"a":1}]');
  assert.equal(await frame(['{"a":1}\n{"a":2}\n']), '[{"a":1},{"a":2}]');
  assert.equal(await frame(['{"a":1}\n', '{"a":2}\n']), '[{"a":1},{"a":2}]');
  assert.equal(await frame(['{"a":', '1}\n{"a"', ":2}\n"]), '[{"a":1},{"a":2}]');
  assert.equal(await frame(['{"a":1}', "\n", "", '{"a":2}\n']), '[{"a":1},{"a":2}]');
  const many = Array.from({ length: 1000 }, (_, i) => `{"i":${i}}\n`).join("");
  const split = [many.slice(0, 777), many.slice(777, 5000), many.slice(5000)];
  assert.deepEqual(JSON.parse(await frame(split)), Array.from({ length: 1000 }, (_, i) => ({ i })));
});

Deno.test("jsonArray does not close the array when its source fails", async () => {
  async function* broken() {
    yield new TextEncoder().encode('{"a":1}\n');
    throw new Error("connection lost");
  }
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const c of jsonArray(broken())) seen.push(new TextDecoder().decode(c));
  }, /connection lost/);
  assert.equal(seen.join(""), '[{"a":1}');
});
