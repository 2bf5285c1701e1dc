/**
 * A private PostgreSQL cluster for fault tests: restarts and killed sessions
 * must never touch the machine's shared server (TEST_DATABASE_URL).
 *
 * `initdb` (found on PATH or in `pg_config --bindir`: helpers/binaries.ts)
 * runs into a fresh directory, with trust auth, listening on 127.0.0.1 only,
 * on a port picked free at start. As root it runs as the `postgres` OS user
 * through `runuser` (PostgreSQL refuses root), in a directory under /tmp;
 * otherwise as ourselves, under ./.data/tests. `stop()` stops it and removes
 * the directory; call it in `finally`.
 *
 * Tests that need one are ignored without the binaries: `ignore: NO_PRIVATE_CLUSTER`.
 */
import pg from "pg";
import { findPostgresBinaries } from "./binaries.ts";
import { tempDir } from "./databases.ts";

const BINARIES = await findPostgresBinaries();

/** Why no private cluster can be started here (the tests that need one are ignored), or false. */
export const NO_PRIVATE_CLUSTER: boolean = !BINARIES.ok;

export interface PrivateCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** pg_ctl restart -m fast|immediate, waiting until it accepts connections again. */
  restart(mode: "fast" | "immediate"): Promise<void>;
  /** Stops the server (fast), keeping its data: nothing listens on the port until `resume`. */
  pause(): Promise<void>;
  /** Starts a paused server again on the same port, waiting until it accepts connections. */
  resume(): Promise<void>;
  /** Stops the server (immediate) and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
  /** pg_terminate_backend of every client session (of `appName` only, when given). */
  terminateBackends(appName?: string): Promise<void>;
  /**
   * Resolves once a session of `appName` is running a statement that starts
   * with `queryPrefix` (seen in pg_stat_activity); throws after `ms`.
   */
  waitForQuery(appName: string, queryPrefix: string, ms?: number): Promise<void>;
}

/** Runs a command as the cluster's OS user (`runuser` when we are root), returning stdout. */
async function asOwner(cmd: string, args: string[]): Promise<string> {
  if (!BINARIES.ok) throw new Error(`no private cluster: ${BINARIES.reason}`);
  const [program, argv] = BINARIES.runAs
    ? ["runuser", ["-u", BINARIES.runAs, "--", cmd, ...args]]
    : [cmd, args];
  const out = await new Deno.Command(program, {
    args: argv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  if (!BINARIES.ok) throw new Error(`no private cluster: ${BINARIES.reason}`);
  const { initdb, pgCtl, runAs } = BINARIES;
  // As root the directory must belong to the cluster's user: made (and removed) as that user.
  const dir = runAs
    ? (await asOwner("mktemp", ["-d", "/tmp/windbin-cluster-XXXXXX"])).trim()
    : await tempDir("cluster_");
  const data = `${dir}/data`;
  let stopped = false;
  const ctl = (...args: string[]) =>
    asOwner(pgCtl, ["-D", data, "-l", `${dir}/log`, "-w", "-t", "30", ...args]);
  const remove = async () => {
    if (runAs) await asOwner("rm", ["-rf", dir]);
    else await Deno.remove(dir, { recursive: true });
  };
  try {
    await asOwner(initdb, [
      "-D",
      data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "--no-sync",
      "-E",
      "UTF8",
    ]);
  } catch (e) {
    await remove();
    throw e;
  }
  // A port can be taken between freePort() and the server's bind: try a few.
  let port = 0;
  let opts = "";
  for (let attempt = 1;; attempt++) {
    port = freePort();
    opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off ` +
      `-c full_page_writes=off -c max_connections=50`;
    try {
      await ctl("-o", opts, "start");
      break;
    } catch (e) {
      if (attempt >= 3) {
        await remove();
        throw e;
      }
    }
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    async restart(mode) {
      await ctl("-m", mode, "restart");
    },
    async pause() {
      await ctl("-m", "fast", "stop");
    },
    async resume() {
      await ctl("-o", opts, "start");
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await ctl("-m", "immediate", "stop");
      } finally {
        await remove();
      }
    },
    async waitForQuery(appName, queryPrefix, ms = 10_000) {
      const c = new pg.Client({ connectionString: url, application_name: "windbin-test-watcher" });
      await c.connect();
      try {
        const end = performance.now() + ms;
        while (performance.now() < end) {
          const r = await c.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE application_name = $1 AND state = 'active' AND starts_with(query, $2)`,
            [appName, queryPrefix],
          );
          if (r.rows[0].n > 0) return;
          await new Promise((ok) => setTimeout(ok, 10));
        }
        throw new Error(`no ${appName} session ran "${queryPrefix}..." within ${ms} ms`);
      } finally {
        await c.end();
      }
    },
    async terminateBackends(appName?: string) {
      const c = new pg.Client({ connectionString: url, application_name: "windbin-test-killer" });
      await c.connect();
      try {
        await c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'
              AND ($1::text IS NULL OR application_name = $1)`,
          [appName ?? null],
        );
      } finally {
        await c.end();
      }
    },
  };
}
