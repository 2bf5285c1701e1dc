/**
 * An independent expectation: tests/fixtures/golden/ holds a small day of
 * readings and the 10-minute and daily numbers computed for it outside the
 * project (Python's statistics module, make_golden.py). The etl and daily
 * jobs must reproduce them, on both backends.
 */
import assert from "node:assert/strict";
import { runPartition } from "../jobs/core/partition_run.ts";
import { testBackends } from "./helpers/databases.ts";
import { csv } from "./helpers/fake_api.ts";
import { DAY, runBench } from "./helpers/runs.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";

const dir = new URL("./fixtures/golden/", import.meta.url);
const day = await Deno.readTextFile(new URL("day.csv", dir));
const parse = (text: string) => text.trim().split("\n").slice(1).map((l) => l.split(","));
const expectedEtl = parse(await Deno.readTextFile(new URL("expected_etl.csv", dir)));
const [expectedDaily] = parse(await Deno.readTextFile(new URL("expected_daily.csv", dir)));

function near(got: number | null, want: string, what: string) {
  if (want === "") return assert.equal(got, null, `${what}: expected NULL`);
  const w = Number(want);
  assert.ok(
    got !== null && Math.abs(got - w) <= 1e-9 * Math.max(1, Math.abs(w)),
    `${what}: got ${got}, expected ${w}`,
  );
}

testBackends(
  "golden: etl and daily reproduce numbers computed outside the project",
  async (_t, backend) => {
    const b = await runBench(backend, "2024-01-01", DECLARED_JOBS);
    try {
      b.api.answer(csv(day));
      const etl = await runPartition(b.deps(), b.opts());
      assert.equal(etl.status, "succeeded", JSON.stringify(etl));
      const got = await b.db.query<{ t: string; name: string; value: number | null }>(
        `SELECT to_char(d.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t, s.name, d.value
       FROM data d JOIN signal s ON s.id = d.signal_id ORDER BY d.timestamp, s.id`,
      );
      assert.equal(got.length, expectedEtl.length);
      got.forEach((g, i) => {
        const [t, name, value] = expectedEtl[i];
        assert.equal(`${g.t} ${g.name}`, `${t} ${name}`);
        near(g.value, value, `${t} ${name}`);
      });
      const daily = await runPartition(b.deps(), b.opts({ job: b.daily }));
      assert.equal(daily.status, "succeeded", JSON.stringify(daily));
      const [d] = await b.db.query<Record<string, number>>(
        "SELECT energy_kwh, mean_wind_speed, max_power, availability, bins FROM daily WHERE day = $1::date",
        [DAY],
      );
      const [energy, wind, maxPower, availability, bins] = expectedDaily;
      near(d.energy_kwh, energy, "energy_kwh");
      near(d.mean_wind_speed, wind, "mean_wind_speed");
      near(d.max_power, maxPower, "max_power");
      near(d.availability, availability, "availability");
      assert.equal(d.bins, Number(bins));
    } finally {
      await b.close();
    }
  },
);
