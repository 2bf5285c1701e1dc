/**
 * A command run as a person at a terminal runs it: under a pseudo-terminal
 * (`script -qefc "<command>" /dev/null`, util-linux), so that Deno would
 * prompt for a missing permission and the program sees a terminal. Ctrl-C
 * is the byte 0x03 typed into it. Every wait is bounded.
 */
import { inheritedEnv } from "./processes.ts";

export interface PtyProc {
  /** Everything the terminal received so far (stdout and stderr, raw). */
  readonly output: string;
  /** Resolves once the output matches `re`; throws after `ms` or if the process ends first. */
  waitFor(re: RegExp, ms: number): Promise<void>;
  /** Types Ctrl-C. */
  interrupt(): Promise<void>;
  /** The exit code, within `ms` (then the terminal is closed and the code is null). */
  exit(ms: number): Promise<number | null>;
}

/** True when `script` (util-linux) is on PATH. */
export async function hasScript(): Promise<boolean> {
  try {
    const out = await new Deno.Command("script", { args: ["--version"], stdout: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

export function spawnPty(command: string, env: Record<string, string>): PtyProc {
  const child = new Deno.Command("script", {
    args: ["-qefc", command, "/dev/null"],
    clearEnv: true,
    env: { ...inheritedEnv(), TERM: "xterm", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = child.stdin.getWriter();
  let output = "";
  let ended = false;
  const waiters = new Set<() => void>();
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      for (const w of waiters) w();
    }
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = pumped.then(() => child.status).finally(() => {
    ended = true;
    for (const w of waiters) w();
  });
  return {
    get output() {
      return output;
    },
    waitFor(re, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (re.test(output)) done(resolve);
          else if (ended) done(() => reject(new Error(`ended before ${re}; output:\n${output}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no ${re} within ${ms} ms; output:\n${output}`))),
          ms,
        );
        const done = (then: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check();
      });
    },
    async interrupt() {
      if (!ended) await stdin.write(new Uint8Array([3])).catch(() => {});
    },
    async exit(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const code = await Promise.race([
        status.then((s) => s.code),
        new Promise<null>((r) => timer = setTimeout(() => r(null), ms)),
      ]);
      clearTimeout(timer);
      if (code === null) {
        // Closing the terminal hangs up everything in it.
        try {
          child.kill("SIGKILL");
        } catch {
          // gone meanwhile
        }
        await status;
      }
      await stdin.close().catch(() => {});
      return code;
    },
  };
}

/**
 * What a terminal would show for `raw`: carriage returns and line erasure
 * applied, colours dropped; one string per line.
 */
export function screen(raw: string): string[] {
  const lines: string[] = [];
  // deno-lint-ignore no-control-regex
  for (const rawLine of raw.replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
    let line: string[] = [];
    let col = 0;
    // deno-lint-ignore no-control-regex
    for (const part of rawLine.split(/(\r|\x1b\[[0-2]?K)/)) {
      if (part === "\r") col = 0;
      else if (part === "\x1b[2K") line = [];
      else if (part === "\x1b[K" || part === "\x1b[0K") line = line.slice(0, col);
      else {
        for (const ch of part) line[col++] = ch;
      }
    }
    lines.push(Array.from(line, (c) => c ?? " ").join(""));
  }
  while (lines.length && lines.at(-1) === "") lines.pop();
  return lines;
}

/** `raw` without colours and other escape sequences. */
export function plain(raw: string): string {
  // deno-lint-ignore no-control-regex
  return raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

/**
 * What must never appear (in `plain` text) when a task runs: a permission prompt or
 * refusal, a configuration bug, a stack trace.
 */
export const NEVER = /requests \w+ access|Denied|NotCapable|bug: |^\s+at .*:\d+:\d+/m;
