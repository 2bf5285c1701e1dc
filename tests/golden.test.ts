/**
 * An independent expectation: tests/fixtures/golden/ holds two small days of
 * readings — with an all-NULL bin, bins with wind only or power only,
 * sub-second readings on both sides of a bin edge, a reading at 23:59:59.5,
 * and a day with no power at all — and the 10-minute and daily numbers
 * computed for them outside the project (Python's statistics module,
 * make_golden.py). The production etl and daily jobs must reproduce them, on
 * both backends.
 */
import assert from "node:assert/strict";
import { runPartition } from "../jobs/core/partition_run.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";
import { testBackends } from "./helpers/databases.ts";
import { copy, copyBody } from "./helpers/fake_api.ts";
import { runBench } from "./helpers/runs.ts";

const dir = new URL("./fixtures/golden/", import.meta.url);
const readings = await Deno.readTextFile(new URL("readings.csv", dir));
const parse = (text: string) => text.trim().split("\n").slice(1).map((l) => l.split(","));
const expectedEtl = parse(await Deno.readTextFile(new URL("expected_etl.csv", dir)));
const expectedDaily = parse(await Deno.readTextFile(new URL("expected_daily.csv", dir)));
const DAYS = expectedDaily.map(([day]) => day);

/** The readings of one UTC day, as the source answers `date=D` to the runner (binary COPY). */
function dayOf(day: string): Uint8Array {
  const rows = parse(readings).filter(([at]) => at.startsWith(`${day}T`));
  return copyBody(rows.map(([at, ...values]) => ({
    at,
    values: values.map((v) => v === "" ? null : Number(v)),
  })));
}

function near(got: number | null, want: string, what: string) {
  if (want === "") return assert.equal(got, null, `${what}: expected NULL, got ${got}`);
  const w = Number(want);
  assert.ok(
    got !== null && Math.abs(got - w) <= 1e-9 * Math.max(1, Math.abs(w)),
    `${what}: got ${got}, expected ${w}`,
  );
}

testBackends(
  "golden: etl and daily reproduce numbers computed outside the project",
  async (t, backend) => {
    const b = await runBench(backend, DAYS[0], DECLARED_JOBS);
    try {
      assert.deepEqual(DAYS, ["2024-01-02", "2024-01-03"]);
      b.api.answer((req) => copy(dayOf(new URL(req.url).searchParams.get("date")!))(req));
      await t.step("etl: every bin and signal of both days", async () => {
        for (const day of DAYS) {
          const r = await runPartition(b.deps(), b.opts({ day }));
          assert.equal(r.status, "succeeded", JSON.stringify(r));
        }
        const got = await b.db.query<{ t: string; name: string; value: number | null }>(
          `SELECT to_char(d.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t,
             s.name, d.value
           FROM data d JOIN signal s ON s.id = d.signal_id ORDER BY d.timestamp, s.id`,
        );
        assert.deepEqual(
          got.map((g) => `${g.t} ${g.name}`),
          expectedEtl.map(([t, name]) => `${t} ${name}`),
        );
        got.forEach((g, i) => near(g.value, expectedEtl[i][2], `${g.t} ${g.name}`));
      });
      await t.step("daily: energy, wind, max power, availability, bins", async () => {
        for (const day of DAYS) {
          const r = await runPartition(b.deps(), b.opts({ job: b.daily, day }));
          assert.equal(r.status, "succeeded", JSON.stringify(r));
        }
        const got = await b.db.query<Record<string, number | null> & { day: string }>(
          `SELECT to_char(day, 'YYYY-MM-DD') AS day, energy_kwh, mean_wind_speed, max_power,
             availability, bins
           FROM daily ORDER BY day`,
        );
        assert.deepEqual(got.map((d) => d.day), DAYS);
        got.forEach((d, i) => {
          const [day, energy, wind, maxPower, availability, bins] = expectedDaily[i];
          near(d.energy_kwh, energy, `${day} energy_kwh`);
          near(d.mean_wind_speed, wind, `${day} mean_wind_speed`);
          near(d.max_power, maxPower, `${day} max_power`);
          near(d.availability, availability, `${day} availability`);
          assert.equal(d.bins, Number(bins), `${day} bins`);
        });
      });
    } finally {
      await b.close();
    }
  },
);
