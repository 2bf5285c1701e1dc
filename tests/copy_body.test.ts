/**
 * The runner's check of a binary COPY body (jobs/core/copy_body.ts), on its
 * own: the same verdict and fingerprint however the body is cut into chunks,
 * per-turbine counts, exact day bounds, and the framing errors.
 */
import assert from "node:assert/strict";
import { CopyBodyCheck, instantText } from "../jobs/core/copy_body.ts";
import { TransientError, ValidationError } from "../jobs/core/errors.ts";
import { fingerprintCopyBinary, FingerprintHasher } from "../sql/fingerprint.ts";
import { concatBytes, copyBody, dayReadings, type Reading } from "./helpers/fake_api.ts";

const DAY = "2024-01-02";
const VARS = ["wind_speed", "power"];

function check(body: Uint8Array, cuts: number[] = []) {
  const hasher = new FingerprintHasher(VARS);
  const c = new CopyBodyCheck(DAY, VARS, hasher);
  let at = 0;
  for (const cut of [...cuts, body.length]) {
    c.push(body.subarray(at, cut));
    at = cut;
  }
  c.end();
  return { c, days: hasher.days() };
}

const farm: Reading[] = [
  ...["T01", "T02", "Tø3"].flatMap((turbine, i) =>
    dayReadings(DAY, 600 * (i + 1), (s) => [s % 7 === 0 ? null : s / 1000, -s]).map((r) => ({
      ...r,
      turbine,
    }))
  ),
  { turbine: "Tø3", at: "2024-01-02T23:59:59.999999Z", values: [0, -0] },
];

Deno.test("copy body: any chunking gives the same rows, counts and fingerprint", () => {
  const body = copyBody(farm);
  const whole = check(body);
  assert.equal(whole.c.readings, farm.length);
  assert.deepEqual([...whole.c.turbines()], [["T01", 144], ["T02", 72], ["Tø3", 49]]);
  // The reference decoder of sql/fingerprint.ts reads the same body the same way.
  assert.deepEqual(whole.days, fingerprintCopyBinary(body, VARS));
  assert.equal(whole.days.length, 1);
  assert.equal(whole.days[0].readings, farm.length);
  for (let cut = 1; cut < 200; cut++) {
    const r = check(body, [cut, cut + 1, cut + 57, body.length - cut]);
    assert.equal(r.c.readings, farm.length, `cut at ${cut}`);
    assert.deepEqual(r.days, whole.days, `cut at ${cut}`);
    assert.deepEqual(r.c.problems(), []);
  }
  // One byte at a time.
  const bytes = check(body, Array.from({ length: body.length - 1 }, (_, i) => i + 1));
  assert.deepEqual(bytes.days, whole.days);
});

Deno.test("copy body: one ulp, one reading more or less changes the fingerprint", () => {
  const base = check(copyBody(farm)).days[0].checksum;
  const ulp = farm.map((r, i) => i === 5 ? { ...r, values: [r.values[0]! + 2 ** -40, 0] } : r);
  const variants = [
    ulp,
    farm.slice(1),
    farm.map((r, i) => (i === 7 ? { ...r, values: [r.values[1], r.values[0]] } : r)),
    farm.map((r, i) => (i === 9 ? { ...r, values: [null, r.values[1]] } : r)),
  ];
  for (const v of variants) assert.notEqual(check(copyBody(v)).days[0].checksum, base);
});

Deno.test("copy body: the day is [D, D+1) to the microsecond", () => {
  const at = (iso: string) => copyBody([{ at: iso, values: [1, 2] }]);
  assert.deepEqual(check(at("2024-01-02T00:00:00Z")).c.problems(), []);
  assert.deepEqual(check(at("2024-01-02T23:59:59.999999Z")).c.problems(), []);
  assert.match(
    check(at("2024-01-03T00:00:00Z")).c.problems()[0],
    /1 readings outside 2024-01-02 \(UTC\), e.g. at 2024-01-03T00:00:00Z/,
  );
  assert.match(
    check(at("2024-01-01T23:59:59.999999Z")).c.problems()[0],
    /outside .* at 2024-01-01T23:59:59.999999Z/,
  );
  // Far from 2000 (int64 microseconds beyond 2^53) the comparison stays exact.
  assert.match(check(at("0001-01-01T00:00:00Z")).c.problems()[0], /0001-01-01T00:00:00Z/);
  assert.match(check(at("9999-12-31T23:59:59Z")).c.problems()[0], /9999-12-31T23:59:59Z/);
});

Deno.test("copy body: every problem is counted, with its first example", () => {
  const rows: Reading[] = [
    { at: "2024-01-02T00:00:00Z", values: [1, NaN] },
    { at: "2024-01-02T00:00:00Z", values: [1, 2] },
    { at: "2024-01-02T00:00:01Z", values: [Infinity, 2] },
    { at: "2024-01-03T00:00:01Z", values: [1, 2] },
  ];
  const { c } = check(copyBody(rows));
  assert.equal(c.failed, true);
  assert.deepEqual(c.problems(), [
    "1 readings outside 2024-01-02 (UTC), e.g. at 2024-01-03T00:00:01Z",
    "1 extra readings for timestamps that appear more than once, e.g. 2024-01-02T00:00:00Z",
    "2 readings with NaN or infinite values, e.g. at 2024-01-02T00:00:00Z",
  ]);
  assert.throws(() => c.assertValid(), ValidationError);
});

Deno.test("copy body: framing errors stop at once; a missing trailer is a truncated body", () => {
  const body = copyBody(dayReadings(DAY, 3600));
  const c = new CopyBodyCheck(DAY, ["wind_speed"], new FingerprintHasher(["wind_speed"]));
  assert.throws(() => c.push(body), /malformed at byte 19: a row of 4 fields, expected 3/);
  const cut = new CopyBodyCheck(DAY, VARS, new FingerprintHasher(VARS));
  cut.push(body.subarray(0, body.length - 2));
  assert.throws(() => cut.end(), TransientError);
  const extra = concatBytes([body, new Uint8Array([0, 4, 0, 0])]);
  // Whole, and cut anywhere near the end (the trailer then ends a row carried over).
  for (const cut of [extra.length, extra.length - 1, extra.length - 4, extra.length - 7, 30]) {
    const c = new CopyBodyCheck(DAY, VARS, new FingerprintHasher(VARS));
    assert.throws(() => {
      c.push(extra.subarray(0, cut));
      c.push(extra.subarray(cut));
    }, /bytes after the end-of-data trailer/);
  }
  for (const [byte, message] of [[12, /rows with OIDs/], [14, /flags this reader does not/]]) {
    const flagged = body.slice();
    flagged[byte as number] = 1;
    assert.throws(
      () => new CopyBodyCheck(DAY, VARS, new FingerprintHasher(VARS)).push(flagged),
      message as RegExp,
    );
  }
});

Deno.test("instantText writes microseconds since 2000 as ISO 8601", () => {
  assert.equal(instantText(0n), "2000-01-01T00:00:00Z");
  assert.equal(instantText(1n), "2000-01-01T00:00:00.000001Z");
  assert.equal(instantText(-1n), "1999-12-31T23:59:59.999999Z");
  assert.equal(instantText(1_500_000n), "2000-01-01T00:00:01.5Z");
});
