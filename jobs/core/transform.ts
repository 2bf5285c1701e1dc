/**
 * The versioned transform of a job: `<name>.v<N>.sql` in its SQL directory
 * (`sql/<job>/` unless its declaration names another), highest N wins.
 * Its version and content hash are stored per partition, so an edited or
 * newer transform makes the partitions done with the old one "stale" — and
 * a partition built by a newer version than a runner has is left alone by
 * that runner (states.ts).
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
const ROOT = new URL("../../", import.meta.url).href;

/** sql/<job>/: where a job's versioned transforms live unless it declares another directory. */
export function defaultSqlDir(job: string): URL {
  return new URL(`sql/${job}/`, ROOT);
}

export async function currentTransform(job: string, dir = defaultSqlDir(job)): Promise<Transform> {
  const shown = dir.href.startsWith(ROOT) ? dir.href.slice(ROOT.length) : dir.pathname;
  let best: { file: string; version: number } | null = null;
  for await (const entry of Deno.readDir(dir)) {
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
  const sql = await Deno.readTextFile(new URL(best.file, dir));
  return { ...best, sql, hash: await sha256Hex(sql) };
}
