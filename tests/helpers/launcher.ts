/**
 * Runs a command as this process's only child, passes SIGTERM/SIGINT on, and exits
 * with its code. A small parent on purpose: Linux carries the exec'ing process's peak
 * RSS into the new program's getrusage maxrss, so a child started straight from a big
 * test process would report the test's memory as its own. Started from here, what it
 * reports is at most max(its own peak, this launcher's ~50 MB).
 *
 *   deno run --allow-run=deno tests/helpers/launcher.ts deno run ... main.ts
 */
const [cmd, ...args] = Deno.args;
const child = new Deno.Command(cmd, { args, stdin: "null" }).spawn();
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(sig, () => {
    try {
      child.kill(sig);
    } catch { /* already gone */ }
  });
}
Deno.exit((await child.status).code);
