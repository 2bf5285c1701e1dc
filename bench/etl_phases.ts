/**
 * Where one 1-second day's `deno task etl --date` process spends its time:
 * the process is run `runs` times with `--timings` (the phases it marks, see
 * jobs/core/timings.ts), timed from outside too, so the runtime's start
 * before its time origin and the exit after its last mark are counted as
 * well. Medians per phase.
 */
import { ROOT, stats } from "./lib.ts";

export interface PhaseTable {
  /** Phase name → median ms, in the order the process passed them. */
  medians: [string, number][];
  /** Median wall time of the whole process, measured from outside. */
  wall: number;
  runs: number;
}

const LINE = /^timings \(ms\): (.*); total ([\d.]+) since process start; origin ([\d.]+)$/m;

/** Runs `deno task -q etl --date <day> --timings` `runs` times with `env`. */
export async function etlPhases(
  env: Record<string, string>,
  day: string,
  runs: number,
): Promise<PhaseTable> {
  const per = new Map<string, number[]>();
  const walls: number[] = [];
  const add = (phase: string, ms: number) => {
    if (!per.has(phase)) per.set(phase, []);
    per.get(phase)!.push(ms);
  };
  for (let i = 0; i < runs; i++) {
    const spawned = performance.timeOrigin + performance.now();
    const out = await new Deno.Command("deno", {
      args: ["task", "-q", "etl", "--date", day, "--timings"],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env },
      stdout: "null",
      stderr: "piped",
    }).output();
    const exited = performance.timeOrigin + performance.now();
    const stderr = new TextDecoder().decode(out.stderr);
    const m = LINE.exec(stderr);
    if (out.code !== 0 || !m) throw new Error(`etl --timings failed (${out.code}): ${stderr}`);
    const total = Number(m[2]);
    const origin = Number(m[3]);
    add("runtime start (deno task, before the time origin)", origin - spawned);
    for (const part of m[1].split(", ")) {
      const at = part.lastIndexOf(" ");
      add(part.slice(0, at), Number(part.slice(at + 1)));
    }
    add("exit (after the last mark)", exited - origin - total);
    walls.push(exited - spawned);
  }
  return {
    medians: [...per].map(([phase, v]) => [phase, stats(v).median]),
    wall: stats(walls).median,
    runs,
  };
}

/** The table as aligned lines. */
export function formatPhases(t: PhaseTable): string[] {
  const width = Math.max(...t.medians.map(([p]) => p.length));
  const sum = t.medians.reduce((s, [, ms]) => s + ms, 0);
  return [
    ...t.medians.map(([p, ms]) =>
      `  ${p.padEnd(width)}  ${ms.toFixed(1).padStart(7)} ms  ${
        (100 * ms / t.wall).toFixed(0).padStart(3)
      }%`
    ),
    `  ${"sum of medians".padEnd(width)}  ${sum.toFixed(1).padStart(7)} ms`,
    `  ${"whole process (median wall)".padEnd(width)}  ${t.wall.toFixed(1).padStart(7)} ms`,
  ];
}
