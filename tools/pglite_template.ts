/**
 * `deno task pglite-template`: writes db/pglite_template.tar.gz, the image of
 * a new empty PGlite database that PgliteDb.open unpacks instead of running
 * initdb in-process (initdb alone peaks at ~700 MB RSS). Run it again after
 * upgrading @electric-sql/pglite; tests/db_pglite_template.test.ts fails
 * while the file is missing or from another version.
 */
import { PgliteDb } from "../db/pglite.ts";

const out = new URL("../db/pglite_template.tar.gz", import.meta.url);
const image = await PgliteDb.template("gzip");
await Deno.writeFile(out, new Uint8Array(await image.arrayBuffer()));
console.log(`wrote ${out.pathname} (${(image.size / 1e6).toFixed(2)} MB)`);
