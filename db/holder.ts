/**
 * Where the process that holds an embedded database can be reached.
 *
 * An embedded database opens in one process only (dir_lock.ts). A
 * long-running holder with a status page (`start`, `scheduler`) records its
 * pid and addresses beside the lock, `<dir>.holder.json`, so that the CLI,
 * refused the lock, can ask that process instead. A record is believed only
 * while the lock names the same pid: one left by a holder that died (its
 * lock went with it) names a pid the lock no longer does.
 */
import { lockHolderPid } from "./dir_lock.ts";

export interface HolderRecord {
  pid: number;
  /** The windbin command the holder runs: `start` or `scheduler`. */
  command: string;
  /** host:port of its status page (and ops API), reachable from this machine, when it serves one. */
  page?: string;
  /** host:port of the source API it serves (`start`), when it does. */
  api?: string;
  /** When it took the database (ISO). */
  since: string;
}

export function holderPath(dir: string): string {
  return `${dir}.holder.json`;
}

/**
 * Records this process as the holder of `dir` (whose lock it holds);
 * `remove` deletes the record again unless another process wrote it since.
 */
export async function recordHolder(
  dir: string,
  what: Omit<HolderRecord, "pid" | "since">,
): Promise<{ remove(): Promise<void> }> {
  const path = holderPath(dir);
  const record: HolderRecord = { pid: Deno.pid, ...what, since: new Date().toISOString() };
  // Written whole then renamed: a reader never sees half a record.
  const tmp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(record) + "\n");
  await Deno.rename(tmp, path);
  return {
    async remove() {
      if ((await readRecord(path))?.pid !== Deno.pid) return;
      await Deno.remove(path).catch(() => {});
    },
  };
}

/**
 * The record of the process that holds `dir` now. Call it once the lock was
 * refused: null when there is no record, or it is not the lock holder's.
 */
export async function currentHolder(dir: string): Promise<HolderRecord | null> {
  const record = await readRecord(holderPath(dir));
  return record && record.pid === lockHolderPid(dir) ? record : null;
}

async function readRecord(path: string): Promise<HolderRecord | null> {
  try {
    const r = JSON.parse(await Deno.readTextFile(path));
    const text = (v: unknown) => typeof v === "string" && v.length > 0 && v.length < 300;
    if (
      !Number.isSafeInteger(r?.pid) || !text(r.command) ||
      (r.page !== undefined && !text(r.page)) || (r.api !== undefined && !text(r.api))
    ) return null;
    return r as HolderRecord;
  } catch {
    return null;
  }
}
