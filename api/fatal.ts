/** How the API's command-line entry points report a fatal error. */
import { ConfigError } from "../config/config.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";
import { MigrationError } from "../migrations/migrate.ts";
import { describeNotCapable } from "../config/permissions.ts";

/** A one-line message for errors the user can fix; the full error for anything else. */
export function describeFatal(e: unknown): string {
  if (
    e instanceof ConfigError || e instanceof DatabaseLockedError || e instanceof MigrationError
  ) {
    return `error: ${e.message}`;
  }
  const denied = describeNotCapable(e);
  if (denied) return `error: ${denied}`;
  if (e instanceof Deno.errors.AddrInUse) {
    return `error: the port is in use (${e.message}); stop the other server or set PORT`;
  }
  const err = e as { code?: string; message?: string };
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"].includes(err?.code ?? "")) {
    return `error: cannot reach the source database (${err.message}); ` +
      `check SOURCE_DATABASE_URL and that PostgreSQL is running`;
  }
  return `error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
}
