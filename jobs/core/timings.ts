/**
 * Where the time of a run goes (`deno task etl --timings`): named marks, each
 * closing the phase since the previous one, from the process's time origin.
 * Meant for one partition at a time; concurrent runs interleave their marks.
 */
export class Timings {
  readonly marks: { phase: string; at: number }[] = [];

  /** Ends the phase `phase` now. */
  readonly mark = (phase: string): void => {
    this.marks.push({ phase, at: performance.now() });
  };

  /** Milliseconds per phase, in order (a repeated phase, e.g. a retried request, adds up). */
  phases(): [string, number][] {
    const out = new Map<string, number>();
    let last = 0;
    for (const { phase, at } of this.marks) {
      out.set(phase, (out.get(phase) ?? 0) + (at - last));
      last = at;
    }
    return [...out];
  }

  /**
   * One line: `timings (ms): imports 81.2, connect 30.1, ...; total 301.4 since process start;
   * origin 1735689600000.0`. `origin` is the process's time origin (Unix ms), so a caller that
   * timed the whole process can tell the runtime's start before it and the exit after the last mark.
   */
  line(): string {
    const parts = this.phases().map(([p, ms]) => `${p} ${ms.toFixed(1)}`);
    const total = this.marks.at(-1)?.at ?? 0;
    return `timings (ms): ${parts.join(", ")}; total ${total.toFixed(1)} since process start; ` +
      `origin ${performance.timeOrigin.toFixed(1)}`;
  }
}
