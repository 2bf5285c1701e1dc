/** Errors of a partition run. Each message says what happened and what to do next. */

/** A failure worth another attempt: connection errors, timeouts, 5xx, a body cut off mid-transfer. */
export class TransientError extends Error {
  override name = "TransientError";
}

/** The API refused the request (4xx): retrying will not help. */
export class ApiRefusedError extends Error {
  override name = "ApiRefusedError";
}

/** What arrived is not a valid day of readings; nothing was written. */
export class ValidationError extends Error {
  override name = "ValidationError";
}

/** Another runner took the partition over (our lease ran out); nothing was committed. */
export class LostClaimError extends Error {
  override name = "LostClaimError";
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
