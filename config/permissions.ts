/**
 * What to say when a task is refused a permission: the tasks in deno.json may
 * write only under ./.data (the embedded databases and the demo token), so a
 * DATA_DIR elsewhere stops here with what to do, not a stack trace.
 */
export function describeNotCapable(e: unknown): string | null {
  if (!(e instanceof Deno.errors.NotCapable)) return null;
  return `${e.message.replace(/, run again with.*$/s, "")}. windbin's tasks may only write under ` +
    `./.data (and read the project directory): keep DATA_DIR inside ./.data, or run the entry ` +
    `point yourself with --allow-read and --allow-write for your DATA_DIR (README: Permissions)`;
}
