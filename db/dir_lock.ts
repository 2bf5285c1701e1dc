/**
 * An exclusive lock on an embedded database's data directory.
 *
 * PGlite is one PostgreSQL backend in this process: a second process opening
 * the same directory would corrupt it. The lock is an OS file lock (flock), so
 * it disappears with its process, however that process dies; the file's text
 * names the holder for the error message, and its pid for holder.ts.
 */

export class DatabaseLockedError extends Error {
  override name = "DatabaseLockedError";
}

export interface DirLock {
  release(): void;
}

export function lockDataDir(dir: string, what: string): DirLock {
  const path = `${dir}.lock`;
  const file = Deno.openSync(path, { read: true, write: true, create: true });
  if (!file.tryLockSync(true)) {
    let holder = "another process";
    try {
      const text = new TextDecoder().decode(Deno.readFileSync(path)).trim();
      if (text) holder = text;
    } catch { /* the holder's description is best effort */ }
    file.close();
    throw new DatabaseLockedError(
      `The embedded ${what} database in ${dir} is in use by ${holder}. ` +
        `Stop that process, or point this one elsewhere: set DATA_DIR to another directory, ` +
        `or use a real PostgreSQL (set the database URL), which many processes can share.`,
    );
  }
  const holder = `pid ${Deno.pid} (${commandLine()}, since ${new Date().toISOString()})`;
  file.truncateSync(0);
  file.writeSync(new TextEncoder().encode(holder + "\n"));
  return {
    release() {
      try {
        file.truncateSync(0);
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}

/**
 * The pid the lock file names: the holder's while the lock is held (each
 * holder writes it when it takes the lock); null without a readable one.
 */
export function lockHolderPid(dir: string): number | null {
  try {
    const m = /^pid (\d+) /.exec(new TextDecoder().decode(Deno.readFileSync(`${dir}.lock`)));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function commandLine(): string {
  const script = Deno.mainModule.split("/").slice(-2).join("/");
  return ["deno", script, ...Deno.args].join(" ");
}
