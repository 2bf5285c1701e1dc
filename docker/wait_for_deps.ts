/**
 * Container start-up helper (docker/entrypoint.sh): waits, at most WAIT_FOR_DEPS seconds in all,
 * until what this container is configured to use is ready:
 *
 * - the PostgreSQL servers named by SOURCE_DATABASE_URL and TARGET_DATABASE_URL accept
 *   connections, as pg_isready means it: a startup message is answered with an authentication
 *   request (or any error other than "the database system is starting up"); no password is
 *   sent and none is printed;
 * - the source API at SOURCE_API_URL answers GET /health with 200.
 *
 * Exits 1 when something is still not ready at the deadline.
 */

const STARTING_UP = "57P03";

interface Target {
  name: string;
  /** A source API (HTTP) rather than a database. */
  http?: string;
  host: string;
  port: number;
  user: string;
  database: string;
}

function targets(): Target[] {
  const out: Target[] = [];
  for (const name of ["SOURCE_DATABASE_URL", "TARGET_DATABASE_URL"]) {
    const raw = Deno.env.get(name);
    if (!raw) continue;
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      continue; // the application reports a malformed URL itself, naming the variable
    }
    const user = decodeURIComponent(u.username) || "postgres";
    out.push({
      name,
      host: u.hostname.replace(/^\[|\]$/g, "") || "localhost",
      port: Number(u.port) || 5432,
      user,
      database: decodeURIComponent(u.pathname.slice(1)) || user,
    });
  }
  const api = Deno.env.get("SOURCE_API_URL");
  if (api && /^https?:\/\//.test(api)) {
    const u = new URL(api);
    out.push({
      name: "SOURCE_API_URL",
      http: `${api.replace(/\/+$/, "")}/health`,
      host: u.hostname,
      port: Number(u.port) || (u.protocol === "https:" ? 443 : 80),
      user: "",
      database: "",
    });
  }
  return out;
}

async function probeHttp(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return res.status === 200 ? null : `HTTP ${res.status}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function startupMessage(user: string, database: string): Uint8Array {
  const enc = new TextEncoder();
  const body = enc.encode(`user\0${user}\0database\0${database}\0\0`);
  const msg = new Uint8Array(8 + body.length);
  const view = new DataView(msg.buffer);
  view.setInt32(0, msg.length);
  view.setInt32(4, 196608); // protocol 3.0
  msg.set(body, 8);
  return msg;
}

/** null when ready, else why not. */
async function probe(t: Target): Promise<string | null> {
  if (t.http) return await probeHttp(t.http);
  let conn: Deno.TcpConn | undefined;
  const timer = setTimeout(() => conn?.close(), 3000);
  try {
    conn = await Deno.connect({ hostname: t.host, port: t.port });
    await conn.write(startupMessage(t.user, t.database));
    const buf = new Uint8Array(512);
    const n = await conn.read(buf);
    if (!n) return "connection closed";
    const type = String.fromCharCode(buf[0]);
    if (type === "R") return null;
    if (type === "E") {
      // Fields: a type byte then a C string each; "C" is the SQLSTATE.
      const text = new TextDecoder().decode(buf.subarray(5, n));
      const code = text.split("\0").find((f) => f.startsWith("C"))?.slice(1);
      return code === STARTING_UP ? "starting up" : null;
    }
    return `unexpected answer ${JSON.stringify(type)}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // closed by the timer
    }
  }
}

async function main(): Promise<number> {
  const seconds = Number(Deno.env.get("WAIT_FOR_DEPS") ?? "60");
  if (!Number.isFinite(seconds) || seconds <= 0) {
    console.error("WAIT_FOR_DEPS must be a number of seconds (e.g. 60)");
    return 2;
  }
  const deadline = Date.now() + seconds * 1000;
  for (const t of targets()) {
    const where = `${t.host}:${t.port}`;
    const t0 = Date.now();
    let said = false;
    for (;;) {
      const why = await probe(t);
      if (why === null) {
        if (said) console.log(`${t.name}: ${where} ready after ${Date.now() - t0} ms`);
        break;
      }
      if (Date.now() >= deadline) {
        console.error(`${t.name}: ${where} not ready after ${seconds} s (${why})`);
        return 1;
      }
      if (!said) console.log(`${t.name}: waiting for ${where} (${why})`);
      said = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  return 0;
}

Deno.exit(await main());
