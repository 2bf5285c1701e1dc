/**
 * GET /metrics: valid Prometheus text (checked line by line), the partition gauge read
 * from the source at scrape time, run histogram and counters moved by observeRun,
 * HTTP latency by route pattern, and one Registry per instance.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createMetrics } from "../ui/metrics.ts";
import { uiFixture } from "./helpers/ui_source.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text exposition format 0.0.4; throws on any malformed line. */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
  const line = new RegExp(
    `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|\\+?Inf|-Inf|NaN))( -?\\d+)?$`,
  );
  for (const [i, l] of text.split("\n").entries()) {
    if (l === "") continue;
    if (l.startsWith("#")) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(l);
      assert.ok(m, `line ${i + 1}: bad comment ${JSON.stringify(l)}`);
      if (m[1] === "TYPE") {
        assert.match(m[3], /^(counter|gauge|histogram|summary|untyped)$/, `line ${i + 1}`);
        types.set(m[2], m[3]);
      }
      continue;
    }
    const m = line.exec(l);
    assert.ok(m, `line ${i + 1} is not "name{labels} value": ${JSON.stringify(l)}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k] = v;
    }
    samples.push({ name: m[1], labels, value: Number(m[3].replace("+Inf", "Infinity")) });
  }
  return { samples, types };
}

function value(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  )?.value;
}

Deno.test("ui metrics: /metrics is Prometheus text; gauge, histogram and counters move", async () => {
  const f = await uiFixture();
  try {
    await (await f.app.request("/api/partitions/ingest/2024-01-07/run", { method: "POST" })).body
      ?.cancel();
    await (await f.app.request("/api/partitions?job=ingest")).body?.cancel();

    const res = await f.app.request("/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const first = parseProm(await res.text());
    assert.equal(first.types.get("windbin_partitions"), "gauge");
    assert.equal(first.types.get("windbin_run_duration_seconds"), "histogram");
    assert.equal(first.types.get("windbin_readings_extracted_total"), "counter");
    assert.equal(first.types.get("windbin_rows_written_total"), "counter");
    assert.equal(first.types.get("http_request_duration_seconds"), "histogram");

    // The gauge is the source's partitions, at scrape time.
    assert.equal(value(first.samples, "windbin_partitions_scrape_ok"), 1);
    assert.equal(
      value(first.samples, "windbin_partitions", { job: "ingest", state: "missing" }),
      3,
    );
    assert.equal(
      value(first.samples, "windbin_partitions", { job: "rollup", state: "blocked" }),
      5,
    );
    assert.equal(
      value(first.samples, "windbin_partitions", { job: "ingest", state: "running" }),
      1,
    );
    assert.equal(
      value(first.samples, "windbin_partitions", { job: "rollup", state: "running" }),
      0,
    );

    // Latency by route pattern and status (bounded cardinality).
    assert.equal(
      value(first.samples, "http_request_duration_seconds_count", {
        route: "/api/partitions/:job/:day/run",
        status: "401",
      }),
      1,
    );
    assert.equal(
      value(first.samples, "http_request_duration_seconds_count", {
        route: "/api/partitions",
        status: "200",
      }),
      1,
    );
    assert.equal(
      value(first.samples, "windbin_readings_extracted_total", { job: "ingest" }),
      undefined,
    );

    f.metrics.observeRun({
      job: "ingest",
      status: "succeeded",
      durationMs: 1500,
      rowsIn: 1440,
      rowsOut: 1152,
    });
    f.metrics.observeRun({
      job: "ingest",
      status: "failed",
      durationMs: 80,
      rowsIn: 10,
      rowsOut: 0,
    });
    f.metrics.observeRun({
      job: "ingest",
      status: "succeeded",
      durationMs: 700,
      rowsIn: 1440,
      rowsOut: 1152,
    });
    await f.db.query(
      "UPDATE partitions SET status = 'failed' WHERE job = 'ingest' AND day = '2024-01-05'",
    );

    const second = parseProm(await (await f.app.request("/metrics")).text());
    assert.equal(
      value(second.samples, "windbin_readings_extracted_total", { job: "ingest" }),
      2890,
    );
    assert.equal(value(second.samples, "windbin_rows_written_total", { job: "ingest" }), 2304);
    assert.equal(
      value(second.samples, "windbin_run_duration_seconds_count", {
        job: "ingest",
        status: "succeeded",
      }),
      2,
    );
    assert.equal(
      value(second.samples, "windbin_run_duration_seconds_sum", {
        job: "ingest",
        status: "succeeded",
      }),
      2.2,
    );
    assert.equal(
      value(second.samples, "windbin_run_duration_seconds_bucket", {
        job: "ingest",
        status: "succeeded",
        le: "1",
      }),
      1,
    );
    assert.equal(
      value(second.samples, "windbin_run_duration_seconds_count", {
        job: "ingest",
        status: "failed",
      }),
      1,
    );
    assert.equal(
      value(second.samples, "windbin_partitions", { job: "ingest", state: "running" }),
      0,
    );
    assert.equal(
      value(second.samples, "windbin_partitions", { job: "ingest", state: "failed" }),
      2,
    );
    assert.equal(
      value(second.samples, "http_request_duration_seconds_count", {
        route: "/metrics",
        status: "200",
      }),
      1,
    );
  } finally {
    await f.close();
  }
});

Deno.test("ui metrics: one registry per instance; middleware() serves any Hono app", async () => {
  const a = createMetrics(), b = createMetrics();
  a.observeRun({ job: "etl", status: "succeeded", durationMs: 10, rowsIn: 5, rowsOut: 4 });
  const api = new Hono();
  api.use("*", b.middleware());
  api.get("/data", (c) => c.text("ok"));
  await (await api.request("/data")).body?.cancel();
  await (await api.request("/nope")).body?.cancel();

  const pa = parseProm((await a.render()).body).samples,
    pb = parseProm((await b.render()).body).samples;
  assert.equal(value(pa, "windbin_readings_extracted_total", { job: "etl" }), 5);
  assert.equal(value(pb, "windbin_readings_extracted_total", { job: "etl" }), undefined);
  assert.equal(
    value(pb, "http_request_duration_seconds_count", { route: "/data", status: "200" }),
    1,
  );
  assert.equal(value(pb, "http_request_duration_seconds_count", { status: "404" }), 1);
  assert.equal(value(pa, "http_request_duration_seconds_count", { route: "/data" }), undefined);
  // No source bound: the gauge is declared but has no samples.
  assert.equal(value(pa, "windbin_partitions"), undefined);
});

Deno.test("ui metrics: the Prometheus line check refuses malformed text", () => {
  assert.throws(() => parseProm("foo bar"));
  assert.throws(() => parseProm('x{a="1" 2'));
  assert.throws(() => parseProm("# TYPE x nonsense"));
  assert.equal(parseProm('x{a="1",b="q\\"z"} 2.5e3\ny 1').samples.length, 2);
});
