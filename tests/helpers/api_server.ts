/**
 * Serves the real API app over HTTP on 127.0.0.1 (a free port) for tests.
 * Close it in `finally`: the test sanitizers check that nothing is left open.
 */
import type { Db } from "../../db/types.ts";
import { createApp } from "../../api/app.ts";

export interface ApiServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  token: string;
  close(): Promise<void>;
}

export function startApi(
  db: Db,
  opts: { token?: string; maxRangeDays?: number } = {},
): Promise<ApiServer> {
  const token = opts.token ?? `test-token-${crypto.randomUUID()}`;
  const app = createApp({ db, token, maxRangeDays: opts.maxRangeDays ?? 31 });
  const { promise, resolve } = Promise.withResolvers<ApiServer>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (addr) => {
      resolve({
        url: `http://127.0.0.1:${addr.port}`,
        token,
        close: async () => {
          await server.shutdown();
        },
      });
    },
  }, app.fetch);
  return promise;
}
