/**
 * TLS settings of a database URL, with libpq's `sslmode` meaning: disable
 * (default), allow/prefer (TLS if the server offers it), require (TLS,
 * certificate not checked), verify-ca / verify-full (checked against
 * `sslrootcert`, or the system's roots).
 *
 * pg's own URL parsing treats `require` as `verify-full`, so the TLS
 * parameters are taken out of the URL here and handed to pg as its `ssl`
 * option instead.
 */
import net from "node:net";
import type { ConnectionOptions } from "node:tls";

export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

const MODES: SslMode[] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

export interface Tls {
  mode: SslMode;
  /** PEM of the CA to trust (verify-*), read from `sslrootcert`. */
  ca?: string;
}

/** The TLS settings of a database URL, and the URL without them (for the driver). */
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

/**
 * pg's `ssl` option for the mode. allow/prefer start with TLS; the adapter
 * falls back to plain TCP when the server refuses it.
 */
export function sslConfig(t: Tls, host: string): false | ConnectionOptions {
  if (t.mode === "disable") return false;
  const verify = t.mode === "verify-ca" || t.mode === "verify-full";
  return {
    rejectUnauthorized: verify,
    ca: t.ca,
    servername: net.isIP(host) ? undefined : host,
    // verify-ca checks the chain only, not the name.
    ...(t.mode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
  };
}
