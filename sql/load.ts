/**
 * Reads the project's SQL files. SQL lives in .sql files beside this module;
 * code refers to them by path (e.g. "etl/validate_staging.sql").
 */
export async function readSql(path: string): Promise<string> {
  return (await Deno.readTextFile(new URL(path, import.meta.url))).trim();
}

/** Reads several files at once: `{ name: path }` in, `{ name: text }` out. */
export async function readSqlFiles<K extends string>(
  paths: Record<K, string>,
): Promise<Record<K, string>> {
  const entries = await Promise.all(
    Object.entries<string>(paths).map(async ([k, p]) => [k, await readSql(p)] as const),
  );
  return Object.fromEntries(entries) as Record<K, string>;
}

/** Hex SHA-256 of a text (migration checksums, transform hashes). */
export async function sha256Hex(text: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("");
}
