/** The import rule of README "Layout" holds for the whole tree (tools/check_imports.ts). */
import assert from "node:assert/strict";
import { checkImports, ruleFor } from "../tools/check_imports.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("layout: no import breaks the folder rule", async () => {
  const violations = await checkImports(ROOT);
  assert.deepEqual(violations.map((v) => `${v.from} -> ${v.to}: ${v.rule}`), []);
});

Deno.test("layout: the rule refuses what it must", () => {
  // Each of these was in the tree once; the checker must keep saying no.
  for (
    const [from, to] of [
      ["jobs/core/status_port.ts", "jobs/cli/etl.ts"],
      ["jobs/core/scheduler.ts", "jobs/scheduler/scheduler.ts"],
      ["ui/page.tsx", "jobs/core/states.ts"],
      ["jobs/service.ts", "ui/app.tsx"],
      ["db/migrate.ts", "sql/load.ts"],
      ["bench/driver.ts", "tests/helpers/faults.ts"],
      ["api/app.ts", "jobs/core/days.ts"],
      ["nowhere/x.ts", "db/types.ts"],
    ]
  ) assert.ok(ruleFor(from, to), `${from} -> ${to} must be refused`);
  for (
    const [from, to] of [
      ["service/service.ts", "ui/app.tsx"],
      ["ui/page.tsx", "jobs/core/port.ts"],
      ["jobs/cli/etl.ts", "jobs/core/plan.ts"],
      ["migrations/migrate.ts", "sql/load.ts"],
      ["tests/x.test.ts", "service/service.ts"],
    ]
  ) assert.equal(ruleFor(from, to), null, `${from} -> ${to} is allowed`);
});
