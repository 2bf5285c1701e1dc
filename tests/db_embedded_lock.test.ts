/**
 * An embedded (PGlite) data directory belongs to one holder at a time: another
 * process, or a second open in the same process, fails at once with a message
 * naming the holder and the way out; once the holder closes, it opens.
 */
import assert from "node:assert/strict";
import { openDatabase } from "../migrations/open.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";
import { tempDir } from "./helpers/databases.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CHILD = new URL("./fixtures/open_embedded.ts", import.meta.url).pathname;

/** Runs the child against `dataDir`; a child that waits for the lock is killed after 30 s. */
async function openInChild(dataDir: string) {
  const t0 = performance.now();
  const out = await new Deno.Command("deno", {
    // Only what opening a data dir needs: read the project (code, node_modules), write the data dir.
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${ROOT}`,
      `--allow-write=${dataDir}`,
      CHILD,
      dataDir,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  return {
    code: out.code,
    signal: out.signal,
    ms: performance.now() - t0,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("an embedded database held by one holder is refused to others, naming it", async (t) => {
  const dataDir = await tempDir("lock_");
  try {
    const holder = await openDatabase("target", { dataDir });
    let holderOpen = true;
    try {
      await t.step(
        "another process fails at once, naming the holder's pid and the fix",
        async () => {
          const child = await openInChild(dataDir);
          assert.equal(child.signal, null, `the child waited for the lock: ${child.stderr}`);
          assert.equal(child.code, 1, child.stdout + child.stderr);
          assert.match(child.stderr, /DatabaseLockedError: The embedded target database in /);
          assert.ok(child.stderr.includes(`${dataDir}/target is in use by pid ${Deno.pid} `));
          assert.match(child.stderr, /Stop that process/);
          assert.match(child.stderr, /set DATA_DIR to another directory/);
          assert.match(child.stderr, /use a real PostgreSQL/);
          // "At once": well under the time it takes to even start the database.
          assert.ok(child.ms < 10_000, `child took ${child.ms} ms`);
        },
      );

      await t.step("a second open in the same process is refused too", async () => {
        await assert.rejects(openDatabase("target", { dataDir }), (e: Error) => {
          assert.ok(e instanceof DatabaseLockedError);
          assert.ok(e.message.includes(`in use by pid ${Deno.pid} `), e.message);
          return true;
        });
        // The refused attempt did not disturb the holder.
        assert.deepEqual((await holder.query("SELECT 1 AS one")).map((r) => r.one), [1]);
      });

      await holder.close();
      holderOpen = false;

      await t.step("after the holder closes, another process opens it", async () => {
        const child = await openInChild(dataDir);
        assert.equal(child.code, 0, child.stdout + child.stderr);
        assert.equal(child.stdout.trim(), "opened");
      });

      await t.step("and so does this process again", async () => {
        const again = await openDatabase("target", { dataDir });
        await again.close();
      });
    } finally {
      if (holderOpen) await holder.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
