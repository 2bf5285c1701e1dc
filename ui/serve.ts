/**
 * Serves the status app on `RUNNER_PORT` (3000): a helper for the runner's main
 * (`deno task start` / the scheduler) once it has a StatusSource and Metrics.
 */
import { createStatusApp, type StatusAppOptions } from "./app.tsx";

export function serveStatus(
  opts: StatusAppOptions & { port?: number; hostname?: string; signal?: AbortSignal },
): Deno.HttpServer<Deno.NetAddr> {
  const app = createStatusApp(opts);
  return Deno.serve({
    port: opts.port ?? 3000,
    hostname: opts.hostname ?? "0.0.0.0",
    signal: opts.signal,
    onListen: ({ hostname, port }) =>
      console.log(
        `status page on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}/`,
      ),
  }, app.fetch);
}
