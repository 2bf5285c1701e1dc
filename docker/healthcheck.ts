/**
 * The image's HEALTHCHECK. Which command the container runs is read from /proc/1/cmdline:
 *
 * - serve: GET http://127.0.0.1:$PORT/health must answer 200 (the API checks its database);
 * - scheduler, start: the runner's GET http://127.0.0.1:$RUNNER_PORT/health (the status page's
 *   server; it checks the database) must answer 200 when something listens there; `start` also
 *   serves the API, checked as for serve;
 * - anything else (etl, seed, ...): a one-shot command, healthy while it runs.
 *
 * HEALTHCHECK_URL overrides all of it: that URL must answer 2xx.
 */

async function answers(url: string, ok: (status: number) => boolean): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
    await res.body?.cancel();
    return ok(res.status) ? null : `${url}: HTTP ${res.status}`;
  } catch (e) {
    return `${url}: ${e instanceof Error ? e.message : e}`;
  }
}

function command(): string {
  try {
    const argv = Deno.readTextFileSync("/proc/1/cmdline").split("\0");
    // deno task <command> as PID 1, or an init (docker run --init) running the entrypoint script.
    const i = argv.findIndex((a) => a === "task" || a.endsWith("/entrypoint.sh"));
    return i >= 0 ? argv[i + 1] ?? "serve" : "";
  } catch {
    return "";
  }
}

async function main(): Promise<string | null> {
  const override = Deno.env.get("HEALTHCHECK_URL");
  if (override) return await answers(override, (s) => s >= 200 && s < 300);
  const api = `http://127.0.0.1:${Deno.env.get("PORT") ?? "8000"}/health`;
  const page = `http://127.0.0.1:${Deno.env.get("RUNNER_PORT") ?? "3000"}/health`;
  switch (command()) {
    case "serve":
      return await answers(api, (s) => s === 200);
    case "start":
      return (await answers(api, (s) => s === 200)) ?? (await statusPage(page));
    case "scheduler":
      return await statusPage(page);
    default:
      return null;
  }
}

/** The status page's server, when the process runs one (nothing listening counts as healthy). */
async function statusPage(url: string): Promise<string | null> {
  const why = await answers(url, (s) => s === 200);
  return why && /refused/i.test(why) ? null : why;
}

const why = await main();
if (why) console.error(`unhealthy: ${why}`);
Deno.exit(why ? 1 : 0);
