/**
 * The sockets our postgres.js clients talk over: TCP with Nagle off, and TLS
 * negotiated here rather than in postgres.js.
 *
 * Doing TLS ourselves means the socket postgres.js gets — the one whose
 * 'data' events the COPY tap reads — carries plain protocol bytes whether or
 * not the connection is encrypted. The URL's `sslmode` keeps libpq's meaning:
 * disable (default), allow/prefer (TLS if the server offers it), require (TLS,
 * certificate not checked), verify-ca / verify-full (checked against
 * `sslrootcert`, or the system's roots).
 */
import net from "node:net";
import tls from "node:tls";
import { Buffer } from "node:buffer";

export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

const MODES: SslMode[] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

export interface Tls {
  mode: SslMode;
  /** PEM of the CA to trust (verify-*), read from `sslrootcert`. */
  ca?: string;
}

/** The TLS settings of a database URL, and the URL without them (for postgres.js). */
export function tlsFromUrl(url: string): { url: string; tls: Tls } {
  const u = new URL(url);
  const raw = u.searchParams.get("sslmode") ??
    (u.searchParams.get("ssl") === "true" ? "require" : "disable");
  if (!MODES.includes(raw as SslMode)) {
    throw new Error(`sslmode=${raw} in the database URL is not one of ${MODES.join(", ")}`);
  }
  const rootcert = u.searchParams.get("sslrootcert");
  for (const k of ["sslmode", "ssl", "sslrootcert"]) u.searchParams.delete(k);
  const ca = rootcert && rootcert !== "system" ? Deno.readTextFileSync(rootcert) : undefined;
  return { url: u.toString(), tls: { mode: raw as SslMode, ca } };
}

interface SocketOptions {
  host: string[];
  port: number[];
  path?: string;
}

/** postgres.js' `socket` option: connects, negotiates TLS as asked, hands the socket on. */
export function socketFactory(tlsOpts: Tls, onSocket?: (s: net.Socket) => void) {
  return async (o: SocketOptions): Promise<net.Socket> => {
    const host = o.host[0];
    let s = await open(o);
    if (tlsOpts.mode !== "disable" && !o.path) s = await startTls(s, host, tlsOpts);
    onSocket?.(s);
    return s;
  };
}

function open(o: SocketOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = o.path ? net.connect(o.path) : net.connect({ host: o.host[0], port: o.port[0] });
    s.setNoDelay(true);
    s.once("error", reject);
    s.once("connect", () => {
      s.off("error", reject);
      resolve(s);
    });
  });
}

/** PostgreSQL's SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);

async function startTls(s: net.Socket, host: string, t: Tls): Promise<net.Socket> {
  const answer = await new Promise<number>((resolve, reject) => {
    s.once("error", reject);
    s.once("data", (b: Uint8Array) => {
      s.off("error", reject);
      resolve(b[0]);
    });
    s.write(SSL_REQUEST);
  });
  if (answer !== 0x53 /* S */) {
    if (t.mode === "allow" || t.mode === "prefer") return s;
    s.destroy();
    throw new Error(
      `the database server does not accept TLS, and the URL asks for sslmode=${t.mode}`,
    );
  }
  const verify = t.mode === "verify-ca" || t.mode === "verify-full";
  return await new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket: s,
      servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: verify,
      ca: t.ca,
      // verify-ca checks the chain only, not the name.
      ...(t.mode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
    });
    secure.once("error", reject);
    secure.once("secureConnect", () => {
      secure.off("error", reject);
      resolve(secure);
    });
  });
}
