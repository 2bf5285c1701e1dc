/**
 * What to say when a task is refused a permission. The tasks in deno.json may
 * write only under ./.data (the embedded databases and the demo token) and
 * read only the variables of config/settings.ts, so a DATA_DIR elsewhere (or
 * an entry point run with narrower flags) stops here with what to do, not a
 * stack trace.
 */
import { ConfigError } from "./settings.ts";

/** The one line for a refused permission, or null when `e` is not one. */
export function describeNotCapable(e: unknown): string | null {
  if (!(e instanceof Deno.errors.NotCapable)) return null;
  const what = e.message.replace(/, run again with.*$/s, "");
  if (/env access/.test(what)) {
    return `${what}. windbin's tasks may read only the variables listed in config/settings.ts ` +
      `(deno.json's permission sets); if you run an entry point yourself, give it --allow-env`;
  }
  return `${what}. windbin's tasks may only write under ` +
    `./.data (and read the project directory): keep DATA_DIR inside ./.data, or run the entry ` +
    `point yourself with --allow-read and --allow-write for your DATA_DIR (README: Permissions)`;
}

/**
 * The one line and exit code (2) for what a user fixes in the configuration
 * or the permissions, or null for anything else.
 */
export function startupProblem(e: unknown): { message: string; code: 2 } | null {
  if (e instanceof ConfigError) return { message: e.message, code: 2 };
  const denied = describeNotCapable(e);
  return denied ? { message: denied, code: 2 } : null;
}
