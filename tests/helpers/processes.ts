/**
 * Real `deno task` processes for tests: only the environment the test gives
 * (plus PATH and the like), output collected line by line, bounded waits.
 */
export function inheritedEnv(): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR", "TMPDIR"]) {
    const v = Deno.env.get(k);
    if (v) keep[k] = v;
  }
  return keep;
}

export interface Proc {
  child: Deno.ChildProcess;
  /** stdout and stderr lines so far, in arrival order per stream. */
  lines: string[];
  /** Resolves with the first line matching, or throws after `ms`. */
  waitFor(re: RegExp, ms: number): Promise<string>;
  /** Sends a signal and waits for the exit; returns the code and how long it took. */
  stop(signal?: Deno.Signal): Promise<{ code: number; ms: number }>;
  status: Promise<Deno.CommandStatus>;
}

const TASKS: Record<string, string> = JSON.parse(
  Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)),
).tasks;

/**
 * Runs a deno.json task's command line directly (not through `deno task`,
 * whose own process would be the one a SIGKILL reaches), with its flags.
 */
export function spawnTask(task: string, args: string[], env: Record<string, string>): Proc {
  const line = TASKS[task];
  if (!line?.startsWith("deno ")) throw new Error(`no deno task "${task}"`);
  const child = new Deno.Command("deno", {
    args: [...line.split(/\s+/).slice(1), ...args],
    clearEnv: true,
    env: { ...inheritedEnv(), NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        for (const w of waiters) w();
      }
    }
    if (buf) lines.push(buf);
    for (const w of waiters) w();
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = pumped.then(() => child.status);
  return {
    child,
    lines,
    status,
    waitFor(re, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit !== undefined) {
            done();
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `no line matching ${re} within ${ms} ms; output:\n${lines.slice(-30).join("\n")}`,
            ),
          );
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      const t0 = performance.now();
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
      const s = await status;
      return { code: s.code, ms: Math.round(performance.now() - t0) };
    },
  };
}

/** Polls `fn` every `every` ms until it returns true; false after `ms`. */
export async function until(fn: () => Promise<boolean>, ms: number, every = 100): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return await fn();
}

/** Runs a deno.json task to its end (bounded by `ms`), stdout and stderr apart. */
export async function runTask(
  task: string,
  args: string[],
  env: Record<string, string>,
  ms = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const line = TASKS[task];
  if (!line?.startsWith("deno ")) throw new Error(`no deno task "${task}"`);
  const out = await new Deno.Command("deno", {
    args: [...line.split(/\s+/).slice(1), ...args],
    clearEnv: true,
    env: { ...inheritedEnv(), NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(ms),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
