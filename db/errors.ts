/**
 * Classifying database errors the same way for both adapters, so callers
 * (the runner's retries, the API's 503) need not know the driver.
 */

/**
 * Node socket and resolver error codes that mean the database cannot be
 * reached or the link broke. EAI_AGAIN: the name server did not answer (a
 * container whose DNS is not up yet); ENOTFOUND: the name does not resolve
 * (yet: a database container that is still starting is not in DNS).
 */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EAI_FAIL",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
]);

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

/**
 * SQLSTATEs of a server that answers but cannot serve now: a read-only
 * database (a standby, or default_transaction_read_only during a failover)
 * and a full server (too many connections).
 */
const NOT_SERVING = new Set(["25006", "53300"]);

/**
 * True when the database cannot serve the request now but may soon: a lost
 * or impossible connection (isConnectionError), a read-only database, or a
 * server out of connections. The API answers these 503 with Retry-After.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (isConnectionError(e)) return true;
  const state = sqlState(e);
  if (state && NOT_SERVING.has(state)) return true;
  const cause = (e as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== e && isDatabaseUnavailable(cause);
}

/** SQLSTATE 55P03: a lock was not available (NOWAIT, or lock_timeout ran out). */
export function isLockNotAvailable(e: unknown): boolean {
  return sqlState(e) === "55P03";
}

/**
 * The database refuses what a command needs: its role lacks a privilege, or
 * the database takes no writes. Set-up, not a blip: the command says which
 * privilege, which role (or that it is read-only) and exits 2.
 */
export class PrivilegeError extends Error {
  override name = "PrivilegeError";
}

/** SQLSTATE 42501 insufficient_privilege, or 25006 read_only_sql_transaction. */
export function isRefusal(e: unknown): boolean {
  const state = sqlState(e);
  return state === "42501" || state === "25006";
}
