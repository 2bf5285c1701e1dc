/**
 * Classifying database errors the same way for both adapters, so callers
 * (the runner's retries, the API's 503) need not know the driver.
 */

/** Node socket error codes that mean the database cannot be reached or the link broke. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND"]);

/** SQLSTATEs of a server that is shutting down, crashed, or is starting. */
const SERVER_GONE = new Set(["57P01", "57P02", "57P03"]);

/** pg's (and postgres.js') own messages for a connection that ended under a query. */
const DRIVER_MESSAGES = [
  /connection terminated/i,
  /connection.ended/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /write after end/i,
  /socket (has been )?closed/i,
];

/** The SQLSTATE the server sent with this error, if any. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  // "EPIPE" has the shape of a SQLSTATE but is a socket error code.
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !NETWORK_CODES.has(code)
    ? code
    : undefined;
}

/** True when `e` means the connection is lost or cannot be made (worth a retry later). */
export function isConnectionError(e: unknown): boolean {
  if (e === null || typeof e !== "object") return false;
  const state = sqlState(e);
  if (state) return state.startsWith("08") || SERVER_GONE.has(state);
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  const message = String((e as { message?: unknown }).message ?? "");
  if (DRIVER_MESSAGES.some((re) => re.test(message))) return true;
  // AggregateError (several addresses tried) and wrapped causes.
  const inner = e as { errors?: unknown[]; cause?: unknown };
  return (Array.isArray(inner.errors) && inner.errors.some(isConnectionError)) ||
    (inner.cause !== undefined && inner.cause !== e && isConnectionError(inner.cause));
}

/** SQLSTATE 55P03: a lock was not available (NOWAIT, or lock_timeout ran out). */
export function isLockNotAvailable(e: unknown): boolean {
  return sqlState(e) === "55P03";
}
