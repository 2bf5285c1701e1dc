/**
 * New embedded databases come from db/pglite_template.tar.gz, not from an
 * in-process initdb (which alone peaks at ~700 MB RSS): two new data
 * directories share the template's system identifier (initdb makes a new one
 * each time). Fails while the file is missing or from another PGlite version:
 * run `deno task pglite-template`.
 */
import assert from "node:assert/strict";
import { PgliteDb } from "../db/pglite.ts";
import { tempDir } from "./helpers/databases.ts";

Deno.test("pglite: new data directories are unpacked from the shipped template, 16 MB buffers", async () => {
  const dir = await tempDir("template_");
  const seen: string[] = [];
  for (const name of ["a", "b"]) {
    const db = await PgliteDb.open(`${dir}/${name}`, name);
    try {
      const [r] = await db.query<{ id: string; buffers: string }>(
        "SELECT system_identifier::text AS id, current_setting('shared_buffers') AS buffers " +
          "FROM pg_control_system()",
      );
      assert.equal(r.buffers, "16MB");
      seen.push(r.id);
    } finally {
      await db.close();
    }
  }
  assert.equal(
    seen[0],
    seen[1],
    "initdb ran instead of the template: run `deno task pglite-template` and commit the file",
  );
});
