/**
 * The versioned transform of a job: `<sql dir>/<job>/<name>.v<N>.sql`,
 * highest N wins. Its version and content hash are stored per partition, so
 * an edited or newer transform makes the partitions done with the old one
 * "stale" — and a partition built by a newer version than the one a runner
 * has is left alone by that runner (states.ts).
 */
import { sha256Hex } from "../../sql/load.ts";

export interface Transform {
  /** File name, e.g. aggregate_10min.v1.sql */
  file: string;
  version: number;
  /** sha256 of the file's text. */
  hash: string;
  sql: string;
}

const VERSIONED = /^([a-z0-9_]+)\.v(\d+)\.sql$/;

/** The project's SQL directory (sql/), where a declaration without `sqlDir` keeps its files. */
export const PROJECT_SQL_DIR = new URL("../../sql/", import.meta.url);

/** `dir`: the SQL directory holding `<job>/` (default: the project's sql/). */
export async function currentTransform(
  job: string,
  dir: URL = PROJECT_SQL_DIR,
): Promise<Transform> {
  const jobDir = new URL(`${job}/`, dir);
  const shown = dir.href === PROJECT_SQL_DIR.href ? `sql/${job}/` : decodeURI(jobDir.pathname);
  let best: { file: string; version: number } | null = null;
  for await (const entry of Deno.readDir(jobDir)) {
    const m = entry.isFile ? VERSIONED.exec(entry.name) : null;
    if (!m) continue;
    const version = Number(m[2]);
    if (best && version === best.version) {
      throw new Error(
        `${shown} has two transforms of version ${version} (${best.file}, ${entry.name}): keep one`,
      );
    }
    if (!best || version > best.version) best = { file: entry.name, version };
  }
  if (!best) throw new Error(`${shown} has no versioned transform (<name>.v<N>.sql)`);
  const sql = await Deno.readTextFile(new URL(best.file, jobDir));
  return { ...best, sql, hash: await sha256Hex(sql) };
}
