/**
 * The runner's status page under abuse, as a real `deno task scheduler` process on real
 * PostgreSQL: day ranges over MAX_RANGE_DAYS (up to 0001-01-01 .. 9999-12-30, three at
 * once), impossible days, 300 MB request bodies (chunked, and with a Content-Length),
 * 300 wrong logins. Each is refused with its code (400, 413, 429), the page keeps
 * answering, and the process's peak RSS stays under 200 MB: getrusage's maxrss, which
 * the process reports itself on /metrics (/proc/<pid>/status's VmHWM would do, but Deno
 * lets only --allow-all read it). The scheduler is started through a small launcher
 * (tests/helpers/launcher.ts), so that figure is not the test process's own.
 * (Before these caps, the first request alone took 38.8 s and 3.2 GB.)
 */
import assert from "node:assert/strict";
import { migratedDb, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { inheritedEnv, until } from "./helpers/processes.ts";
import { freePort } from "./helpers/ports.ts";
import { addDays, utcDay } from "../jobs/core/days.ts";

const TOKEN = "abuse-token-0123456789abcdef";
const MB = 1024 * 1024;

/** The runner's peak resident memory so far, in MB, as its /metrics reports it. */
async function peakRssMb(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(30_000) }))
    .text();
  const m = /^windbin_process_peak_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  assert.ok(m, "windbin_process_peak_resident_memory_bytes on /metrics");
  return Number(m[1]) / MB;
}

/**
 * POSTs up to `total` bytes to `path` over a raw connection, chunked or with a
 * Content-Length, until the server answers; returns its status and what was sent.
 */
async function hugePost(
  port: number,
  path: string,
  mode: "chunked" | "length",
  total = 300 * MB,
): Promise<{ status: number; sentMb: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const enc = new TextEncoder();
  await conn.write(enc.encode(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nSec-Fetch-Site: same-origin\r\n` +
      (mode === "chunked" ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${total}\r\n`) +
      "Connection: close\r\n\r\n",
  ));
  let answer: string | null = null;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  const reading = (async () => {
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf).catch(() => null);
    answer = n ? new TextDecoder().decode(buf.subarray(0, n)) : "";
    close();
  })();
  const body = new Uint8Array(64 * 1024).fill(0x61);
  const frame = mode === "chunked"
    ? new Uint8Array([...enc.encode(`${body.length.toString(16)}\r\n`), ...body, 13, 10])
    : body;
  let sent = 0;
  try {
    while (sent < total && answer === null) {
      await conn.write(frame);
      sent += body.length;
    }
  } catch {
    // The server answered and closed the connection.
  }
  await reading;
  close();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer ?? "")?.[1] ?? 0);
  return { status, sentMb: Math.round(sent / MB) };
}

const TASKS: Record<string, string> = JSON.parse(
  Deno.readTextFileSync(new URL("../deno.json", import.meta.url)),
).tasks;

/** A deno.json task's command line, run through the launcher; output kept line by line. */
function launch(line: string, env: Record<string, string>) {
  const child = new Deno.Command("deno", {
    args: [
      "run",
      "-q",
      "--allow-run=deno",
      new URL("./helpers/launcher.ts", import.meta.url).pathname,
      ...line.split(/\s+/),
    ],
    clearEnv: true,
    env: { ...inheritedEnv(), NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const drain = Promise.all([child.stdout, child.stderr].map(async (s) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      lines.push(...chunk.split("\n").filter(Boolean));
    }
  }));
  return {
    lines,
    async stop(signal: Deno.Signal) {
      try {
        child.kill(signal);
      } catch { /* gone */ }
      await drain;
      return await child.status;
    },
  };
}

Deno.test({
  name:
    "[postgres] ui abuse: capped ranges, bodies and logins are refused; the runner's RSS stays under 200 MB",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const target = await migratedDb("postgres", "target");
    const port = freePort();
    const proc = launch(TASKS.scheduler, {
      TARGET_DATABASE_URL: target.url!,
      RUNNER_PORT: String(port),
      SOURCE_API_URL: `http://127.0.0.1:${freePort()}`,
      API_TOKEN: TOKEN,
      PARTITION_START: addDays(utcDay(new Date()), -1),
      ETL_RETRY_SECONDS: "0",
    });
    const base = `http://127.0.0.1:${port}`;
    const report: string[] = [];
    const timed = async (label: string, fn: () => Promise<number>): Promise<number> => {
      const t0 = performance.now();
      const status = await fn();
      report.push(`${label}: ${status} in ${Math.round(performance.now() - t0)} ms`);
      return status;
    };
    const get = async (path: string, re?: RegExp) => {
      const r = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
      const text = await r.text();
      if (re) assert.match(text, re, path);
      return r.status;
    };
    try {
      assert.ok(
        await until(
          () =>
            fetch(`${base}/health`).then(async (r) => {
              await r.body?.cancel();
              return r.ok;
            }, () => false),
          60_000,
          100,
        ),
        `the page answers:\n${proc.lines.join("\n")}`,
      );
      const before = await peakRssMb(base);

      const huge = "/api/partitions?from=0001-01-01&to=9999-12-30";
      const three = await timed(
        "3 x GET /api/partitions?from=0001-01-01&to=9999-12-30 at once",
        async () => {
          const all = await Promise.all(
            [1, 2, 3].map(() => get(huge, /at most 3660 days \(MAX_RANGE_DAYS\)/)),
          );
          assert.deepEqual(all, [400, 400, 400]);
          return 400;
        },
      );
      assert.equal(three, 400);
      for (
        const path of [
          "/api/chart/0000-01-01",
          "/api/views/0000-01-01",
          "/?day=0000-01-01",
          "/?from=0001-01-01&to=9999-12-30",
          "/api/partitions?from=0000-01-01",
        ]
      ) {
        assert.equal(await timed(`GET ${path}`, () => get(path)), 400, path);
      }

      for (const mode of ["chunked", "length"] as const) {
        let sent = 0;
        const status = await timed(`POST /login, 300 MB ${mode}`, async () => {
          const r = await hugePost(port, "/login", mode);
          sent = r.sentMb;
          return r.status;
        });
        assert.equal(status, 413, mode);
        report.push(`  (${sent} MB sent before the answer)`);
      }

      const statuses: number[] = [];
      await timed("300 wrong logins", async () => {
        for (let i = 0; i < 300; i++) {
          const r = await fetch(`${base}/login`, {
            method: "POST",
            headers: {
              "Content-Type": "application/x-www-form-urlencoded",
              "Sec-Fetch-Site": "same-origin",
            },
            body: new URLSearchParams({ token: `wrong-${i}` }),
            redirect: "manual",
          });
          await r.body?.cancel();
          statuses.push(r.status);
        }
        return statuses.at(-1)!;
      });
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(303));
      assert.ok(statuses.slice(10).every((s) => s === 429), statuses.slice(10, 20).join());

      // Still there, and still quick to answer.
      assert.equal(await timed("GET /health afterwards", () => get("/health")), 200);
      assert.equal(await timed("GET / afterwards", () => get("/")), 200);
      const after = await peakRssMb(base);
      report.push(`peak RSS: ${before.toFixed(0)} MB before, ${after.toFixed(0)} MB after`);
      console.log(report.join("\n"));
      assert.ok(after < 200, `peak RSS ${after.toFixed(0)} MB`);
    } finally {
      const stopped = await proc.stop("SIGTERM");
      assert.equal(stopped.code, 0, proc.lines.slice(-20).join("\n"));
      await target.close();
    }
  },
});
