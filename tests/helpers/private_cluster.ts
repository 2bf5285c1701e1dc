/**
 * A private PostgreSQL cluster for fault tests: restarts and killed sessions
 * must never touch the machine's shared server (TEST_DATABASE_URL).
 *
 * `initdb` runs as the `postgres` OS user (we may be root, which PostgreSQL
 * refuses) into a fresh directory under /tmp, with trust auth, listening on
 * 127.0.0.1 only, on a port picked free at start. `stop()` stops it and
 * removes the directory; call it in `finally`.
 *
 * Needs `--allow-run=runuser` (and network to 127.0.0.1).
 */
import pg from "pg";

const BIN = "/usr/lib/postgresql/15/bin";

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
}

async function asPostgres(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("runuser", {
    args: ["-u", "postgres", "--", cmd, ...args],
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
  const dir = (await asPostgres("mktemp", ["-d", "/tmp/windbin-cluster-XXXXXX"])).trim();
  const data = `${dir}/data`;
  let stopped = false;
  const ctl = (...args: string[]) =>
    asPostgres(`${BIN}/pg_ctl`, ["-D", data, "-l", `${dir}/log`, "-w", "-t", "30", ...args]);
  const remove = () => asPostgres("rm", ["-rf", dir]);
  try {
    await asPostgres(`${BIN}/initdb`, [
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
