/**
 * `deno task etl` and `deno task status` run inside the long-running process
 * that holds the embedded target database (`start`, `scheduler`), for the
 * CLI that could not open it (jobs/cli/remote.ts): the same parsing, the
 * same code, the same output lines and exit codes, over this process's
 * runner context. The page's caps hold here too: a range longer than
 * MAX_RANGE_DAYS is refused.
 */
import type { CliCommand, CliEvent, CliTerminal, CommandPort } from "../jobs/core/port.ts";
import type { RunnerContext } from "../jobs/core/runner.ts";
import { EXIT, HELP, parseCliArgs, runCli, UsageError } from "../jobs/cli/etl.ts";
import { parseStatusArgs, runStatus, STATUS_HELP, textOptions } from "../jobs/cli/status.ts";
import { describeFatal } from "../jobs/open_runner.ts";

export interface CliOpsOptions {
  /** The command running this process (`start`, `scheduler`): the CLI names it. */
  command: string;
  maxRangeDays: number;
  log: (entry: Record<string, unknown>) => void;
}

export interface CliOps extends CommandPort {
  /** This process is stopping: cancels the commands in flight and waits for them. */
  stop(): Promise<void>;
}

export function cliOps(ctx: RunnerContext, o: CliOpsOptions): CliOps {
  const inFlight = new Map<AbortController, { done: Promise<number>; say: (l: string) => void }>();
  let stopping = false;

  async function execute(
    command: CliCommand,
    args: string[],
    terminal: CliTerminal,
    emit: (e: CliEvent) => void,
    signal: AbortSignal,
  ): Promise<number> {
    const out = (line: string) => emit({ out: line });
    const err = (line: string) => emit({ err: line });
    // This command's messages (an extract's retries) go to its CLI, not to this process's log.
    const here: RunnerContext = { ...ctx, log: (m) => err(`${command}: ${m}`) };
    try {
      if (command === "etl") {
        let parsed;
        try {
          parsed = parseCliArgs(args);
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          err(`etl: ${e.message}\n\n${HELP}`);
          return EXIT.usage;
        }
        if (!parsed) return (out(HELP), EXIT.ok);
        return await runCli(parsed, here, {
          out,
          err,
          progress: terminal.stderr ? (line) => emit({ progress: line }) : undefined,
          signal,
        }, { maxRangeDays: o.maxRangeDays });
      }
      let parsed;
      try {
        parsed = parseStatusArgs(args);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        err(`status: ${e.message}\n\n${STATUS_HELP}`);
        return 2;
      }
      if (!parsed) return (out(STATUS_HELP), 0);
      return await runStatus(parsed, here, {
        out,
        err,
        text: textOptions(terminal),
        maxRangeDays: o.maxRangeDays,
      });
    } catch (e) {
      const fatal = describeFatal(command, e);
      for (const l of fatal.lines) err(l);
      return fatal.code;
    }
  }

  return {
    holder: { command: o.command, pid: Deno.pid },
    async run(command, args, terminal, emit, signal) {
      if (stopping) {
        emit({ err: `${command}: the running ${o.command} is stopping: nothing was done` });
        return 1;
      }
      // Cancelled by the CLI (its Ctrl-C), or by this process stopping.
      const stop = new AbortController();
      const forward = () => stop.abort(signal.reason);
      signal.addEventListener("abort", forward, { once: true });
      const t0 = performance.now();
      o.log({ event: "cli", command, args });
      const done = execute(command, args, terminal, emit, stop.signal);
      inFlight.set(stop, { done, say: (line) => emit({ err: `${command}: ${line}` }) });
      try {
        const code = await done;
        o.log({
          event: "cli_done",
          command,
          exit: code,
          ms: Math.round(performance.now() - t0),
          ...(stop.signal.aborted ? { cancelled_by: String(stop.signal.reason) } : {}),
        });
        return code;
      } finally {
        inFlight.delete(stop);
        signal.removeEventListener("abort", forward);
      }
    },
    async stop() {
      stopping = true;
      for (const [c, { say }] of inFlight) {
        if (c.signal.aborted) continue;
        say(`the running ${o.command} is stopping: cancelling the runs in flight…`);
        c.abort("SIGTERM");
      }
      await Promise.allSettled([...inFlight.values()].map((r) => r.done));
    },
  };
}
