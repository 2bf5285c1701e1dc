/** Telling database errors apart, whatever the driver. */

/** The SQLSTATE the server sent with an error, if any. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

const NET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * True when the error means the database cannot be reached or the session
 * was lost (SQLSTATE class 08, admin shutdown / crash / cannot connect now,
 * a refused or broken socket) rather than a problem with the statement.
 */
export function isConnectionError(e: unknown): boolean {
  const state = sqlState(e);
  if (state) return state.startsWith("08") || ["57P01", "57P02", "57P03"].includes(state);
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NET_CODES.has(code)) return true;
  const msg = e instanceof Error ? e.message : String(e);
  return /connection (terminated|ended|closed|refused|reset)|ECONNREFUSED|ECONNRESET|socket hang up/i
    .test(msg);
}

/** SQLSTATE 55P03: a lock was not available (NOWAIT, or lock_timeout ran out). */
export function isLockNotAvailable(e: unknown): boolean {
  return sqlState(e) === "55P03";
}
