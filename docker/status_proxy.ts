/**
 * The `status` service of docker-compose.yml: publishes the status page of the scheduler replicas
 * on one port. A replicated service cannot publish one host port itself (every replica would
 * bind it), so this forwards TCP connections to STATUS_UPSTREAM (default scheduler:3000).
 *
 * Sticky: the upstream name's addresses are tried in a fixed order, so every connection lands
 * on the same replica while it is up (the page's login session lives in that process); the next
 * one takes over when it goes away.
 */

const listenPort = Number(Deno.env.get("PORT") ?? "3000");
const [upHost, upPortRaw] = (Deno.env.get("STATUS_UPSTREAM") ?? "scheduler:3000").split(":");
const upPort = Number(upPortRaw ?? "3000");

async function addresses(): Promise<string[]> {
  try {
    return (await Deno.resolveDns(upHost, "A")).sort();
  } catch {
    return [upHost]; // an IP address, or a name only the system resolver knows
  }
}

async function connectUpstream(): Promise<Deno.TcpConn> {
  let last: unknown;
  for (const hostname of await addresses()) {
    try {
      return await Deno.connect({ hostname, port: upPort, signal: AbortSignal.timeout(2000) });
    } catch (e) {
      last = e;
    }
  }
  throw last ?? new Error(`no address for ${upHost}`);
}

async function forward(client: Deno.TcpConn): Promise<void> {
  let upstream: Deno.TcpConn;
  try {
    upstream = await connectUpstream();
  } catch (e) {
    console.error(`status proxy: ${upHost}:${upPort} unreachable (${(e as Error).message})`);
    const body = "status page not reachable (no scheduler replica serves it yet)\n";
    const head = `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\n` +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    await client.write(new TextEncoder().encode(head + body)).catch(() => {});
    client.close();
    return;
  }
  await Promise.allSettled([
    client.readable.pipeTo(upstream.writable),
    upstream.readable.pipeTo(client.writable),
  ]);
  for (const c of [client, upstream]) {
    try {
      c.close();
    } catch {
      // already closed by its stream
    }
  }
}

const listener = Deno.listen({ port: listenPort });
console.log(`status proxy: :${listenPort} -> ${upHost}:${upPort}`);
for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => Deno.exit(0));
for await (const conn of listener) forward(conn);
