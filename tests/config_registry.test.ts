/**
 * The settings registry (config/settings.ts) is the one list: code reads the
 * environment only through config/, deno.json's permission sets list exactly
 * what it says, the README's configuration table holds exactly its rows, and
 * the Docker image's scripts read only variables it lists for the image.
 */
import assert from "node:assert/strict";
import { COMMANDS, ENTRY_POINTS, permittedEnv } from "../config/config.ts";
import { SETTINGS } from "../config/settings.ts";
import { configTable } from "../tools/config_table.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DENO_JSON = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`));

function files(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${ROOT}/${dir}`)) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const path = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...files(path, re));
    else if (re.test(e.name)) out.push(path);
  }
  return out;
}

Deno.test("config registry: no code outside config/ reads the environment", () => {
  const allowed = /^(config|tests|bench|docker)\//;
  const offenders = files("", /\.tsx?$/)
    .filter((f) => !allowed.test(f))
    .filter((f) => /Deno\.env\.(get|has|toObject)|process\.env/.test(Deno.readTextFileSync(f)));
  assert.deepEqual(offenders, []);
  // The check itself sees a reader where there is one.
  assert.ok(files("config", /\.ts$/).some((f) => /Deno\.env\.get/.test(Deno.readTextFileSync(f))));
});

Deno.test("config registry: every task runs its entry point with its permission set, never prompting", () => {
  for (const command of COMMANDS) {
    const line: string = DENO_JSON.tasks[command];
    const m = /^deno run -q --no-prompt -P=(\w+) (?:--v8-flags=\S+ )?(\S+)$/.exec(line);
    assert.ok(m, `task ${command}: "${line}" runs one entry point with -q --no-prompt -P=<set>`);
    const [, set, entry] = m;
    assert.equal(entry, ENTRY_POINTS[command], `task ${command}'s entry point`);
    const perms = DENO_JSON.permissions[set];
    assert.ok(perms, `permission set ${set} exists`);
    assert.deepEqual(
      [...perms.env].sort(),
      [...permittedEnv(command)].sort(),
      `deno.json permission set "${set}" (task ${command}): its env list is the registry's`,
    );
    assert.deepEqual(perms.write, [".data"], `${command} writes only under ./.data`);
  }
});

Deno.test("config registry: the README's configuration table is the registry, defaults included", () => {
  const readme = Deno.readTextFileSync(`${ROOT}/README.md`);
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
  const cells = (row: string) =>
    row.trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) => c.trim());
  const rows = section.split("\n").filter((l) => /^\|\s*`/.test(l)).map(cells);
  const expected = configTable().slice(2).map(cells);
  assert.deepEqual(
    rows.map((r) => r[0]),
    expected.map((r) => r[0]),
    "the variables (deno task config-table prints the table)",
  );
  for (const [i, row] of rows.entries()) {
    assert.deepEqual(row, expected[i], `README row of ${row[0]}`);
  }
  // The ones a user met without a row before.
  for (const name of ["RUNNER_PORT", "DEMO_DAYS", "WAIT_FOR_DEPS", "HOST"]) {
    assert.ok(rows.some((r) => r[0] === `\`${name}\``), name);
  }
});

Deno.test("config registry: the Docker image's scripts read only what the registry lists for the image", () => {
  const read = new Set<string>();
  for (const f of files("docker", /\.(ts|sh)$/)) {
    const text = Deno.readTextFileSync(`${ROOT}/${f}`);
    for (const m of text.matchAll(/Deno\.env\.get\("(\w+)"\)/g)) read.add(m[1]);
    if (f.endsWith(".sh")) { for (const m of text.matchAll(/\$\{(\w+)[:}]/g)) read.add(m[1]); }
    for (const m of text.matchAll(/--allow-env=([\w,]+)/g)) {
      m[1].split(",").forEach((n) => read.add(n));
    }
  }
  const image = SETTINGS.filter((s) => s.usedBy.includes("image")).map((s) => s.name);
  assert.deepEqual([...read].sort(), [...image].sort());
});
