/** Errors of a partition run. Each message says what happened and what to do next. */
import { isConnectionError, sqlState } from "../../db/errors.ts";

/** A failure worth another attempt: connection errors, timeouts, 5xx, a body cut off mid-transfer. */
export class TransientError extends Error {
  override name = "TransientError";
  /** How long the server asked to wait before the next attempt (its Retry-After), if it did. */
  retryAfterMs?: number;
}

/** The API refused the request (4xx): retrying will not help. */
export class ApiRefusedError extends Error {
  override name = "ApiRefusedError";
}

/** What arrived is not a valid day of readings; nothing was written. */
export class ValidationError extends Error {
  override name = "ValidationError";
}

/** A guard refused to replace good rows (an empty or shrunken extract); nothing was written. */
export class GuardError extends Error {
  override name = "GuardError";
}

/** Another runner took the partition over (our lease ran out); nothing was committed. */
export class LostClaimError extends Error {
  override name = "LostClaimError";
}

/** The run was stopped by a signal (SIGINT/SIGTERM); nothing was committed. */
export class CancelledError extends Error {
  override name = "CancelledError";
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/**
 * The message of an error of the target database, saying where to look when
 * it is a connection problem (no stack trace: the cause is outside us).
 */
export function describeTargetError(e: unknown): string {
  const msg = messageOf(e);
  if (isConnectionError(e)) {
    return `lost or cannot open the connection to the target database: ${msg}. ` +
      `Check that it is running and that TARGET_DATABASE_URL points at it`;
  }
  if (sqlState(e) === "42501") {
    return `the target database refused the runner's role: ${msg}. The role needs SELECT, ` +
      `INSERT, UPDATE, DELETE on windbin's tables and USAGE on their sequences ` +
      `(README: Privileges)`;
  }
  if (sqlState(e) === "25006") {
    return `the target database takes no writes: ${msg} (a standby, or ` +
      `default_transaction_read_only on). Point TARGET_DATABASE_URL at a writable primary`;
  }
  return msg;
}
