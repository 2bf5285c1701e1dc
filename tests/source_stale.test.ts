/**
 * Stale by source: late or corrected readings in the source make exactly the
 * days they touch stale (the API's fingerprints against the ones stored at
 * extract time), and --stale rebuilds exactly those, after which the target
 * equals plain SQL over the source. Real API over HTTP, both backends.
 */
import assert from "node:assert/strict";
import type { Db } from "../db/types.ts";
import { seed } from "../api/seed.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";
import { runBench } from "./helpers/runs.ts";
import { cli } from "./helpers/cli.ts";
import { partitionStates } from "../jobs/core/states.ts";
import { sourceFingerprints } from "../jobs/core/source_client.ts";

const FROM = "2024-01-01";
const TO = "2024-01-05";

/** The day's 10-minute statistics by plain SQL over the source (rounded to avoid float noise). */
const ORACLE = `
  SELECT to_char(date_bin('10 minutes', timestamp, '2000-01-01') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS t,
         round(avg(wind_speed)::numeric, 9)::text AS ws, round(max(power)::numeric, 9)::text AS pmax,
         count(*)::int AS n
  FROM data WHERE timestamp >= $1::date AND timestamp < $1::date + 1
  GROUP BY 1 ORDER BY 1`;
const TARGET = `
  SELECT to_char(d.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS t,
         round(max(d.value) FILTER (WHERE s.name = 'wind_speed_mean')::numeric, 9)::text AS ws,
         round(max(d.value) FILTER (WHERE s.name = 'power_max')::numeric, 9)::text AS pmax
  FROM data d JOIN signal s ON s.id = d.signal_id
  WHERE d.timestamp >= $1::date AND d.timestamp < $1::date + 1
  GROUP BY 1 ORDER BY 1`;

async function matches(source: Db, target: Db, day: string) {
  const want = (await source.query<{ t: string; ws: string; pmax: string }>(ORACLE, [day]))
    .map((r) => [r.t, r.ws, r.pmax]);
  const got = (await target.query<{ t: string; ws: string; pmax: string }>(TARGET, [day]))
    .map((r) => [r.t, r.ws, r.pmax]);
  assert.deepEqual(got, want, `target of ${day} equals plain SQL over the source`);
}

testBackends(
  "stale by source: one changed, one added, one deleted reading make exactly 3 days stale; --stale rebuilds them",
  async (_t, backend) => {
    const source = await migratedDb(backend, "source");
    const b = await runBench(backend, FROM);
    const api = await startApi(source.db);
    try {
      await seed(source.db, { from: FROM, days: 5, everySeconds: 60 });
      const ctx = b.ctx({ settings: { ...b.ctx().settings, apiUrl: api.url, token: api.token } });
      assert.equal((await cli(ctx, ["--from", FROM, "--to", TO])).code, 0);
      const views = () =>
        sourceFingerprints(ctx, [b.etl], FROM, TO, { err: (l) => assert.fail(l) }).then((fp) =>
          partitionStates(b.db, { jobs: [b.etl], from: FROM, to: TO, fingerprints: fp })
        );
      const allSucceeded = Array(5).fill("succeeded");
      assert.deepEqual((await views()).map((v) => v.state), allSucceeded, "nothing stale yet");
      await source.db.exec(`
      UPDATE data SET wind_speed = wind_speed + 0.5 WHERE timestamp = '2024-01-02 10:00Z';
      INSERT INTO data VALUES ('2024-01-03 10:00:30Z', 7.25, 900, 3);
      DELETE FROM data WHERE timestamp = '2024-01-04 10:00Z';
    `);
      const stale = (await views()).filter((v) => v.state === "stale");
      assert.deepEqual(stale.map((v) => [v.day, v.staleReason]), [
        ["2024-01-02", "source"],
        ["2024-01-03", "source"],
        ["2024-01-04", "source"],
      ]);
      assert.match(stale[0].reason!, /values changed/);
      assert.match(stale[1].reason!, /\(\+1\)/);
      assert.match(stale[2].reason!, /\(-1\)/);
      const before = b.api.requests.length; // the stand-in API is not asked at all
      const r = await cli(ctx, ["--stale", "--to", TO]);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.deepEqual(
        r.out.filter((l) => / succeeded: /.test(l)).map((l) => l.split(" ")[1]).sort(),
        ["2024-01-02", "2024-01-03", "2024-01-04"],
      );
      assert.equal(b.api.requests.length, before);
      assert.deepEqual((await views()).map((v) => v.state), allSucceeded);
      for (const day of ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]) {
        await matches(source.db, b.db, day);
      }
    } finally {
      await api.close();
      await b.close();
      await source.close();
    }
  },
);
