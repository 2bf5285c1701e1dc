/**
 * The CLI's routes on the status page's server, mounted at /api/cli behind the
 * page's own middleware (bearer check with its throttle, body limit):
 *
 * - `GET /api/cli`: who answers (`{ command, pid }`), so the CLI can check it
 *   talks to the process its record names;
 * - `POST /api/cli/etl`, `POST /api/cli/status` with `{ args, terminal }`:
 *   runs the command with the CLI's own arguments and streams its output as
 *   NDJSON: `{"id"}` first, then `{"out"}`, `{"err"}`, `{"progress"}` lines, last
 *   `{"exit": code}` (an empty line every few seconds meanwhile, so a CLI that
 *   went away is noticed: its runs are cancelled);
 * - `POST /api/cli/cancel/:id` with `{ signal: "SIGINT" | "SIGTERM" }`: the
 *   CLI's Ctrl-C, ending that command as the signal ends it locally.
 *
 * A bearer token only (no page session): these are the CLI's.
 */
import { type Context, Hono } from "hono";
import {
  CLI_COMMANDS,
  type CliCommand,
  type CliEvent,
  type CliTerminal,
  type CommandPort,
} from "../jobs/core/port.ts";

/** Arguments per command, and the length of each: a command line, not a payload. */
const MAX_ARGS = 32;
const MAX_ARG_CHARS = 200;
/** An empty line this often while a command runs (ms). */
export const HEARTBEAT_MS = 5_000;

type Env = { Variables: { bearer: boolean } };

export function cliRoutes(commands: CommandPort): Hono<Env> {
  const app = new Hono<Env>();
  const inFlight = new Map<string, AbortController>();

  const refuse = (c: Context, status: 400 | 401 | 404, error: string, message: string) => {
    if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="windbin"');
    return c.json({ error, message }, status);
  };
  const bearerOnly = (c: Context<Env>) =>
    c.get("bearer")
      ? null
      : refuse(c, 401, "unauthorized", "needs Authorization: Bearer <token> (the API token)");

  app.get("/", (c) => bearerOnly(c) ?? c.json(commands.holder));

  app.post("/cancel/:id", async (c) => {
    const no = bearerOnly(c);
    if (no) return no;
    const body = await c.req.json().catch(() => null);
    const signal = body?.signal;
    if (signal !== "SIGINT" && signal !== "SIGTERM") {
      return refuse(c, 400, "bad_request", 'the body must be {"signal": "SIGINT" | "SIGTERM"}');
    }
    const run = inFlight.get(c.req.param("id"));
    if (!run) return refuse(c, 404, "not_found", "no such command running (it has ended)");
    run.abort(signal);
    return c.json({ cancelling: true }, 202);
  });

  app.post("/:command", async (c) => {
    const no = bearerOnly(c);
    if (no) return no;
    const command = c.req.param("command") as CliCommand;
    if (!CLI_COMMANDS.includes(command)) {
      return refuse(c, 404, "not_found", `no command ${JSON.stringify(command.slice(0, 40))}`);
    }
    const body = parseBody(await c.req.json().catch(() => null));
    if (typeof body === "string") return refuse(c, 400, "bad_request", body);
    const id = crypto.randomUUID();
    const stop = new AbortController();
    inFlight.set(id, stop);
    // The CLI gone (its connection closed): end the command as a SIGTERM would.
    const gone = () => stop.abort("SIGTERM");
    c.req.raw.signal.addEventListener("abort", gone, { once: true });
    const encoder = new TextEncoder();
    let open = true;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (line: string) => {
          if (!open) return;
          try {
            controller.enqueue(encoder.encode(line + "\n"));
          } catch {
            open = false;
          }
        };
        const emit = (e: CliEvent | { id: string } | { exit: number }) => send(JSON.stringify(e));
        emit({ id });
        const beat = setInterval(() => send(""), HEARTBEAT_MS);
        commands.run(command, body.args, body.terminal, emit, stop.signal)
          .then((code) => emit({ exit: code }))
          .catch((e) => {
            emit({ err: `${command}: unexpected error: ${(e as Error)?.message ?? e}` });
            emit({ exit: 1 });
          })
          .finally(() => {
            clearInterval(beat);
            inFlight.delete(id);
            c.req.raw.signal.removeEventListener("abort", gone);
            if (open) {
              open = false;
              controller.close();
            }
          });
      },
      cancel() {
        open = false;
        gone();
      },
    });
    return new Response(stream, {
      headers: {
        "Content-Type": "application/x-ndjson; charset=utf-8",
        // Each line as it comes: never buffered for compression.
        "Cache-Control": "no-store, no-transform",
      },
    });
  });

  return app;
}

/** The request body, or what is wrong with it. */
function parseBody(b: unknown): { args: string[]; terminal: CliTerminal } | string {
  const body = b as { args?: unknown; terminal?: Record<string, unknown> } | null;
  const args = body?.args;
  if (
    !Array.isArray(args) || args.length > MAX_ARGS ||
    !args.every((a) => typeof a === "string" && a.length <= MAX_ARG_CHARS)
  ) {
    return `"args" must be a list of at most ${MAX_ARGS} strings of at most ${MAX_ARG_CHARS} characters`;
  }
  const t = body?.terminal ?? {};
  const flag = (k: string) => t[k] === undefined ? false : t[k];
  const terminal = {
    stdout: flag("stdout"),
    stderr: flag("stderr"),
    color: flag("color"),
    columns: t.columns ?? 80,
  };
  if (
    typeof terminal.stdout !== "boolean" || typeof terminal.stderr !== "boolean" ||
    typeof terminal.color !== "boolean" || !Number.isInteger(terminal.columns) ||
    (terminal.columns as number) < 0 || (terminal.columns as number) > 1000
  ) {
    return `"terminal" must be {stdout, stderr, color: booleans; columns: 0 .. 1000}`;
  }
  return { args: args as string[], terminal: terminal as CliTerminal };
}
