/** `deno task seed` argument parsing. */
import assert from "node:assert/strict";
import { parseEvery, parseSeedArgs } from "../api/seed_main.ts";

Deno.test("seed arguments: defaults, intervals, and clear errors", () => {
  assert.deepEqual(parseSeedArgs([]), {
    from: "2024-01-01",
    days: 10,
    everySeconds: 60,
    turbines: 1,
  });
  assert.deepEqual(
    parseSeedArgs(["--from", "2024-03-01", "--days", "2", "--every", "1s", "--turbines", "4"]),
    { from: "2024-03-01", days: 2, everySeconds: 1, turbines: 4 },
  );
  assert.equal(parseSeedArgs(["--help"]), "help");
  assert.equal(parseSeedArgs(["-h"]), "help");
  assert.deepEqual([parseEvery("30s"), parseEvery("1m"), parseEvery("2h"), parseEvery("10")], [
    30,
    60,
    7200,
    10,
  ]);
  const bad: [string[], RegExp][] = [
    [["--every", "0s"], /--every/],
    [["--every", "2d"], /--every/],
    [["--every", "fast"], /--every/],
    [["--days", "-1"], /--days/],
    [["--days", "0"], /--days/],
    [["--from", "2024-02-30"], /--from/],
    [["--turbines", "0"], /--turbines must be a whole number from 1 to 999/],
    [["--turbines", "1000"], /--turbines/],
    [["--turbines", "many"], /--turbines must be a whole number/],
    [["--frm", "2024-01-01"], /frm/],
    [["extra"], /extra/],
  ];
  for (const [args, message] of bad) {
    assert.throws(() => parseSeedArgs(args), message, args.join(" "));
  }
});
