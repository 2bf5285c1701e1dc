/**
 * "Use it while it runs": an embedded target database opens in one process
 * only, so while a `deno task start` or `deno task scheduler` holds it,
 * `etl` and `status` ask that process to run them (ui/cli_routes.ts,
 * service/cli_ops.ts) instead of refusing: the same arguments, output lines
 * and exit code. The holder is found by its record beside the lock
 * (db/holder.ts), believed only when the lock names the same pid and the
 * page it names answers, with the API token, as that pid.
 */
import { type Config, ConfigError } from "../../config/config.ts";
import { DatabaseLockedError } from "../../db/dir_lock.ts";
import { currentHolder } from "../../db/holder.ts";
import { embeddedDir } from "../../migrations/open.ts";
import type { CliCommand, CliTerminal } from "../core/port.ts";
import { messageOf } from "../core/errors.ts";
import { resolveApiToken } from "../token.ts";

export interface RunningHolder {
  /** The windbin command it runs (`start`, `scheduler`). */
  command: string;
  pid: number;
  /** Its status page, e.g. http://127.0.0.1:3000 */
  url: string;
  token: string;
}

/** How long the holder's page may take to say who it is. */
const HELLO_TIMEOUT_MS = 5_000;

/**
 * After `e` (opening the target failed): the running windbin that holds the
 * embedded target and answers on its page, or null (then `e` stands).
 * Throws a ConfigError when it answers but cannot be asked: no token, or a
 * wrong one.
 */
export async function heldBy(e: unknown, cfg: Config): Promise<RunningHolder | null> {
  if (!(e instanceof DatabaseLockedError) || cfg.targetDatabaseUrl) return null;
  const record = await currentHolder(embeddedDir(cfg.dataDir, "target"));
  if (!record?.page) return null;
  const url = `http://${record.page}`;
  const who = describeHolder({ command: record.command, pid: record.pid, url });
  const token = await resolveApiToken(cfg).catch((err) => {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      `the embedded target database is held by ${who}, and asking it needs its API token: ` +
        `set API_TOKEN, or keep the DATA_DIR/api-token it uses`,
    );
  });
  let res: Response;
  try {
    res = await fetch(`${url}/api/cli`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(HELLO_TIMEOUT_MS),
    });
  } catch {
    return null; // nothing answers there: the record is not to be trusted
  }
  if (res.status === 401) {
    await res.body?.cancel();
    throw new ConfigError(
      `${who} refused the API token (wrong token): API_TOKEN, or DATA_DIR/api-token, must ` +
        `hold the token that process uses`,
    );
  }
  if (res.status === 429) {
    await res.body?.cancel();
    throw new ConfigError(
      `${who} refuses this client for now after too many wrong tokens: try again in ` +
        `${res.headers.get("retry-after") ?? 60} s, with the token that process uses`,
    );
  }
  const hello = res.ok ? await res.json().catch(() => null) : (await res.body?.cancel(), null);
  // Another process on that port (the record's pid is gone, its port taken): not the holder.
  if (hello?.pid !== record.pid) return null;
  return { command: record.command, pid: record.pid, url, token };
}

export function describeHolder(h: Pick<RunningHolder, "command" | "pid" | "url">): string {
  return `the running \`deno task ${h.command}\` (pid ${h.pid}) on ${h.url}`;
}

export interface RemoteIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Draws (null: erases) the live progress line, on a terminal. */
  progress?: (line: string | null) => void;
  terminal: CliTerminal;
  /** The CLI's SIGINT/SIGTERM (the reason): the holder cancels the runs it started for it. */
  signal?: AbortSignal;
}

/** Runs `command args` in the holder; returns the exit code the command ended with there. */
export async function runRemote(
  h: RunningHolder,
  command: CliCommand,
  args: string[],
  io: RemoteIo,
): Promise<number> {
  const who = describeHolder(h);
  io.err(`${command}: talking to ${who} (it holds the embedded target database)`);
  const headers = {
    authorization: `Bearer ${h.token}`,
    "content-type": "application/json",
    // Each line as it comes.
    "accept-encoding": "identity",
  };
  let res: Response;
  try {
    res = await fetch(`${h.url}/api/cli/${command}`, {
      method: "POST",
      headers,
      body: JSON.stringify({ args, terminal: io.terminal }),
    });
  } catch (e) {
    io.err(`${command}: could not reach ${who}: ${messageOf(e)}`);
    return 1;
  }
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    io.err(`${command}: ${who} answered ${res.status}: ${body?.message ?? res.statusText}`);
    return [400, 401, 413, 429].includes(res.status) ? 2 : 1;
  }
  let id: string | null = null;
  let cancelling: Promise<void> | null = null;
  const cancel = () => {
    if (!id || cancelling) return;
    cancelling = fetch(`${h.url}/api/cli/cancel/${id}`, {
      method: "POST",
      headers,
      body: JSON.stringify({ signal: String(io.signal?.reason) }),
    }).then((r) => r.body?.cancel(), () => {});
  };
  io.signal?.addEventListener("abort", cancel);
  let exit: number | null = null;
  try {
    for await (const line of lines(res.body!)) {
      if (!line) continue; // a heartbeat
      const e = JSON.parse(line);
      if (typeof e.id === "string") {
        id = e.id;
        if (io.signal?.aborted) cancel();
      } else if (typeof e.out === "string") io.out(e.out);
      else if (typeof e.err === "string") io.err(e.err);
      else if ("progress" in e) io.progress?.(e.progress);
      else if (typeof e.exit === "number") exit = e.exit;
    }
  } catch {
    // The connection broke: said below.
  } finally {
    io.signal?.removeEventListener("abort", cancel);
    await cancelling;
  }
  if (exit === null) {
    io.progress?.(null);
    io.err(
      `${command}: lost the connection to ${who} before the command ended; what it was ` +
        `running there was cancelled or ended with it: see \`deno task status\``,
    );
    return 1;
  }
  return exit;
}

async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) yield buf;
}
