/** What this process's own terminal is, and the live progress line drawn on it. */
import type { CliTerminal } from "../core/port.ts";

export function thisTerminal(): CliTerminal {
  const stdout = Deno.stdout.isTerminal();
  let columns = 80;
  try {
    if (stdout) columns = Deno.consoleSize().columns;
  } catch { /* no size to be had: the default */ }
  return { stdout, stderr: Deno.stderr.isTerminal(), color: stdout && !Deno.noColor, columns };
}

/** Draws (or, with null, erases) the one progress line on stderr. */
export function progressLine(): (line: string | null) => void {
  const encoder = new TextEncoder();
  return (l) => Deno.stderr.writeSync(encoder.encode(l === null ? "\r\x1b[2K" : `\r\x1b[2K${l}`));
}
