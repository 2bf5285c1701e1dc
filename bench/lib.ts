/**
 * Shared benchmark plumbing: fresh databases on a real PostgreSQL, the API
 * as a separate process, timing statistics, peak RSS of a child process.
 *
 * Figures are reported as ratios to a floor measured in the same run: the
 * machines are noisy, ratios are what carry over.
 */
import { PostgresDb } from "../db/postgres.ts";

export const BENCH_DATABASE_URL = Deno.env.get("BENCH_DATABASE_URL") ??
  Deno.env.get("TEST_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";

export const ROOT = new URL("../", import.meta.url).pathname;

/** Runs statements one by one (CREATE DATABASE cannot share a script) on BENCH_DATABASE_URL. */
async function admin(...statements: string[]): Promise<void> {
  const db = new PostgresDb(BENCH_DATABASE_URL, { max: 1, maxStreams: 1 });
  try {
    for (const sql of statements) await db.exec(sql);
  } finally {
    await db.close();
  }
}

/** Drops and creates database `name` next to BENCH_DATABASE_URL's; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`);
  const u = new URL(BENCH_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function dropDatabase(name: string): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export interface ApiProcess {
  url: string;
  token: string;
  /** Peak RSS so far in MB (Linux /proc VmHWM), or null where not available. */
  peakRssMb(): Promise<number | null>;
  stop(): Promise<void>;
}

/** The command line of `deno task serve`, from deno.json, run without the task runner. */
async function serveArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const [cmd, ...args] = (config.tasks.serve as string).split(/\s+/);
  if (cmd !== "deno") throw new Error(`unexpected serve task: ${config.tasks.serve}`);
  return args;
}

/**
 * `api/main.ts` as its own process on a free port, against `sourceUrl`,
 * exactly as `deno task serve` runs it (flags and permissions).
 */
export async function startApiProcess(sourceUrl: string): Promise<ApiProcess> {
  const port = freePort();
  const token = "bench-token-0123456789";
  const child = new Deno.Command("deno", {
    args: await serveArgs(),
    cwd: ROOT,
    env: { SOURCE_DATABASE_URL: sourceUrl, API_TOKEN: token, PORT: String(port), NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0;; i++) {
    try {
      const r = await fetch(`${url}/health`);
      await r.body?.cancel();
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (i > 200) {
      child.kill("SIGKILL");
      throw new Error(`the API did not start: ${await stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    token,
    async peakRssMb() {
      // Deno reads another process' /proc entry only with --allow-all; grep may.
      try {
        const out = await new Deno.Command("grep", {
          args: ["VmHWM", `/proc/${child.pid}/status`],
          stdout: "piped",
          stderr: "null",
        }).output();
        const m = /VmHWM:\s+(\d+) kB/.exec(new TextDecoder().decode(out.stdout));
        return m ? Number(m[1]) / 1024 : null;
      } catch {
        return null;
      }
    },
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await stderr;
    },
  };
}

export interface Stats {
  min: number;
  median: number;
  runs: number[];
}

export function stats(runs: number[]): Stats {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, runs };
}

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Runs `a` and `b` alternately `n` times (after one warm-up each), so that
 * drift in machine load hits both alike.
 */
export async function alternate(
  n: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[Stats, Stats]> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < n; i++) {
    ta.push(await time(a));
    tb.push(await time(b));
  }
  return [stats(ta), stats(tb)];
}

export const ms = (x: number) => `${x.toFixed(0)} ms`;
export const fmt = (s: Stats) => `min ${ms(s.min)} / median ${ms(s.median)}`;

/** A child process' wall time and peak RSS (via GNU time when present). */
export async function measureProcess(
  args: string[],
  env: Record<string, string>,
): Promise<{ ms: number; peakRssMb: number | null; code: number; stderr: string }> {
  const gnuTime = await exists("/usr/bin/time");
  const cmd = gnuTime ? "/usr/bin/time" : args[0];
  const cmdArgs = gnuTime ? ["-f", "__RSS_KB=%M", ...args] : args.slice(1);
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, {
    args: cmdArgs,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - t0;
  const stderr = new TextDecoder().decode(out.stderr);
  const m = /__RSS_KB=(\d+)/.exec(stderr);
  return {
    ms: elapsed,
    peakRssMb: m ? Number(m[1]) / 1024 : null,
    code: out.code,
    stderr: stderr.replace(/__RSS_KB=\d+\n?/, ""),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
