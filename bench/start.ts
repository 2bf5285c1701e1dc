/**
 * `deno task bench start`: the footprint of `deno task start` (10 demo days
 * on the embedded databases): peak RSS while it seeds and fills every
 * partition, RSS when the demo is done, and RSS after 20 s idle; on a new
 * DATA_DIR and on a restart of the same one. Goal: peak ≤ 350 MB.
 * Sampled from /proc/<pid>/status (VmRSS, VmHWM) every 200 ms.
 */
import { freePort, ROOT } from "./lib.ts";

const GOAL_MB = 350;
const IDLE_MS = 20_000;

interface Sample {
  rss: number;
  hwm: number;
}

async function sample(pid: number): Promise<Sample | null> {
  // Deno reads another process' /proc entry only with --allow-all; grep may.
  const out = await new Deno.Command("grep", {
    args: ["-E", "^Vm(RSS|HWM)", `/proc/${pid}/status`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rss = /VmRSS:\s+(\d+)/.exec(text);
  const hwm = /VmHWM:\s+(\d+)/.exec(text);
  return rss && hwm ? { rss: Number(rss[1]) / 1024, hwm: Number(hwm[1]) / 1024 } : null;
}

/** `deno task start`'s own command line (not through the task runner, whose process is another). */
async function startArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const [cmd, ...args] = (config.tasks.start as string).split(/\s+/);
  if (cmd !== "deno") throw new Error(`unexpected start task: ${config.tasks.start}`);
  return args;
}

async function runStart(
  dataDir: string,
): Promise<{ peak: number; done: number; idle: number; s: number }> {
  const child = new Deno.Command("deno", {
    args: await startArgs(),
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      DATA_DIR: dataDir,
      PORT: String(freePort()),
      RUNNER_PORT: String(freePort()),
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const t0 = performance.now();
  let done = false;
  let doneAt = 0;
  const watch = (async () => {
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      if (!done && /"event":"reconcile","trigger":"startup"/.test(buf)) {
        done = true;
        doneAt = performance.now();
      }
      buf = buf.slice(-2000);
    }
  })();
  const errors = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const stderr: string[] = [];
  (async () => {
    while (true) {
      const r = await errors.read();
      if (r.done) break;
      stderr.push(r.value);
    }
  })();
  let last: Sample | null = null;
  let atDone: Sample | null = null;
  const deadline = performance.now() + 180_000;
  try {
    while (performance.now() < deadline) {
      const s = await sample(child.pid);
      if (s) last = s;
      if (done && !atDone) atDone = last;
      if (done && performance.now() - doneAt >= IDLE_MS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!done) throw new Error(`start did not finish its demo in 180 s: ${stderr.join("")}`);
    return {
      peak: last!.hwm,
      done: atDone!.rss,
      idle: last!.rss,
      s: (doneAt - t0) / 1000,
    };
  } finally {
    child.kill("SIGINT");
    await child.status;
    await watch.catch(() => {});
  }
}

export async function benchStart(log: (line: string) => void) {
  await Deno.mkdir(`${ROOT}.data`, { recursive: true });
  const dataDir = await Deno.makeTempDir({ dir: `${ROOT}.data`, prefix: "bench_start_" });
  try {
    for (const which of ["new DATA_DIR", "restart"]) {
      const r = await runStart(dataDir);
      log(
        `deno task start, ${which}: peak RSS ${r.peak.toFixed(0)} MB (goal ≤ ${GOAL_MB} MB: ` +
          `${r.peak <= GOAL_MB ? "met" : "NOT met"}), ${
            r.done.toFixed(0)
          } MB when the demo was done ` +
          `(${r.s.toFixed(1)} s after start), ${r.idle.toFixed(0)} MB after ${
            IDLE_MS / 1000
          } s idle`,
      );
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}
