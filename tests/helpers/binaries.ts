/**
 * The programs beyond Deno that some tests need: Chromium (the status page in a
 * real browser) and PostgreSQL's server binaries (a private cluster for fault
 * tests). Each is looked up the way a user installed it — on PATH, or where
 * its own setting says (CHROMIUM, `pg_config --bindir`), never at a fixed
 * path — and when it is missing, the tests that need it are ignored and one
 * line says why. `.ci/run` installs both, and counts an ignored test as failed.
 */

export type Found<T> = ({ ok: true } & T) | { ok: false; reason: string };

/** The file `name` resolves to on PATH (an executable regular file), or null. */
export function onPath(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const path = `${dir.replace(/\/+$/, "")}/${name}`;
    try {
      const st = Deno.statSync(path);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111)) return path;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Whether this process may start `command` (the test task lists what it may run). */
export function mayRun(command: string): boolean {
  return Deno.permissions.querySync({ name: "run", command }).state === "granted";
}

function executable(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

const warned = new Set<string>();
function ignored<T>(what: string, reason: string): Found<T> {
  const line = `${what} are ignored: ${reason}`;
  if (!warned.has(line)) console.warn(line);
  warned.add(line);
  return { ok: false, reason };
}

let chromium: Found<{ path: string }> | undefined;

/** Chromium: CHROMIUM=/path/to/binary, else `chromium` on PATH; CHROMIUM=skip ignores the tests. */
export function findChromium(): Found<{ path: string }> {
  return chromium ??= ((): Found<{ path: string }> => {
    const what = "the status page browser tests (ui_browser, ui_runner)";
    const env = Deno.env.get("CHROMIUM") ?? "";
    if (env === "skip") return ignored(what, "CHROMIUM=skip");
    const path = env || onPath("chromium");
    if (!path) {
      return ignored(
        what,
        "no chromium on PATH (Debian: apt-get install chromium; .ci/run installs it), " +
          "and CHROMIUM=/path/to/binary is not set",
      );
    }
    if (!executable(path)) return ignored(what, `CHROMIUM=${env} is not an executable file`);
    if (!mayRun(path)) return ignored(what, `the test task may not run ${path} (--allow-run)`);
    return { ok: true, path };
  })();
}

export interface PostgresBinaries {
  /** initdb and pg_ctl, as paths to run. */
  initdb: string;
  pgCtl: string;
  /** Run them as this OS user through `runuser` (we are root, which PostgreSQL refuses). */
  runAs: string | null;
}

let postgres: Promise<Found<PostgresBinaries>> | undefined;

/**
 * PostgreSQL's server binaries for a private cluster: initdb and pg_ctl on PATH,
 * else in `pg_config --bindir`. As root they run as the `postgres` user through
 * `runuser`; otherwise as ourselves.
 */
export function findPostgresBinaries(): Promise<Found<PostgresBinaries>> {
  return postgres ??= (async (): Promise<Found<PostgresBinaries>> => {
    const what = "the tests on a private PostgreSQL cluster (fault injection)";
    let initdb = onPath("initdb");
    let pgCtl = onPath("pg_ctl");
    if (!initdb || !pgCtl) {
      const bindir = await pgConfigBindir();
      if (bindir && executable(`${bindir}/initdb`) && executable(`${bindir}/pg_ctl`)) {
        initdb = `${bindir}/initdb`;
        pgCtl = `${bindir}/pg_ctl`;
      }
    }
    if (!initdb || !pgCtl) {
      return ignored(
        what,
        "no initdb and pg_ctl on PATH nor in `pg_config --bindir` (Debian: apt-get install " +
          "postgresql; .ci/run installs it)",
      );
    }
    const root = isRoot();
    if (root === null) {
      return ignored(
        what,
        "cannot tell whether we run as root (--allow-sys=uid, or --allow-write=. to check)",
      );
    }
    if (root) {
      const runuser = onPath("runuser");
      if (!runuser) {
        return ignored(what, "running as root, PostgreSQL needs another user: no runuser on PATH");
      }
      if (!mayRun("runuser")) {
        return ignored(what, "the test task may not run runuser (--allow-run)");
      }
      if (!hasUser("postgres")) return ignored(what, "running as root, and no `postgres` OS user");
      return { ok: true, initdb, pgCtl, runAs: "postgres" };
    }
    for (const p of [initdb, pgCtl]) {
      if (!mayRun(p)) return ignored(what, `the test task may not run ${p} (--allow-run)`);
    }
    return { ok: true, initdb, pgCtl, runAs: null };
  })();
}

async function pgConfigBindir(): Promise<string | null> {
  const pgConfig = onPath("pg_config");
  if (!pgConfig || !mayRun(pgConfig)) return null;
  try {
    const out = await new Deno.Command(pgConfig, {
      args: ["--bindir"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const dir = new TextDecoder().decode(out.stdout).trim();
    return out.success && dir ? dir : null;
  } catch {
    return null;
  }
}

/** Whether we run as root; null when it cannot be told. */
function isRoot(): boolean | null {
  if (Deno.permissions.querySync({ name: "sys", kind: "uid" }).state === "granted") {
    return Deno.uid() === 0;
  }
  // Without --allow-sys=uid: a file we create belongs to us.
  try {
    Deno.mkdirSync(".data/tests", { recursive: true });
    const file = Deno.makeTempFileSync({ dir: ".data/tests", prefix: "whoami_" });
    try {
      return Deno.statSync(file).uid === 0;
    } finally {
      Deno.removeSync(file);
    }
  } catch {
    return null;
  }
}

function hasUser(name: string): boolean {
  try {
    return Deno.readTextFileSync("/etc/passwd").split("\n").some((l) => l.startsWith(`${name}:`));
  } catch {
    return false;
  }
}
