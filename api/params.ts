/**
 * Validation of the /data query string into a `DataQuery`.
 *
 * Everything that later reaches SQL comes out of here: instants re-formatted
 * by Temporal and variable names from the whitelist. Any problem throws a
 * ParamError naming the parameter, which the app turns into a 400.
 */
import { ParamError } from "./errors.ts";
import { dayStart, formatInstant, parseInstant } from "./time.ts";
import { isDay } from "../config/config.ts";
import { isVariable, type Variable, VARIABLE_NAMES } from "./variables.ts";

export interface DataQuery {
  start: Temporal.Instant;
  end: Temporal.Instant;
  /** `end` is inclusive for start/end (BETWEEN, as the reference), exclusive for `date`. */
  endInclusive: boolean;
  /** Requested variables, in the order asked, without repeats. */
  variables: Variable[];
}

const KNOWN = new Set(["start", "end", "date", "variables"]);
const DAY_NS = 86_400_000_000_000n;

export function parseDataQuery(params: URLSearchParams, maxRangeDays: number): DataQuery {
  for (const name of new Set(params.keys())) {
    if (!KNOWN.has(name)) {
      throw new ParamError(
        name.slice(0, 60),
        `unknown parameter; /data takes start and end (or date) and variables`,
      );
    }
  }
  const start = single(params, "start");
  const end = single(params, "end");
  const date = single(params, "date");

  if (date !== undefined) {
    if (start !== undefined || end !== undefined) {
      throw new ParamError("date", "give either date or start and end, not both");
    }
    if (!isDay(date)) {
      throw new ParamError("date", `"${date.slice(0, 60)}" is not a calendar date YYYY-MM-DD`);
    }
    // The day and its exclusive end must both be in the years 0001 to 9999.
    if (date < "0001-01-01" || date > "9999-12-30") {
      throw new ParamError(
        "date",
        `"${date}" is outside the days this API serves, 0001-01-01 to 9999-12-30`,
      );
    }
    const from = dayStart(date);
    const variables = parseVariables(params.getAll("variables"));
    return { start: from, end: from.add({ hours: 24 }), endInclusive: false, variables };
  }
  if (start === undefined) {
    throw new ParamError("start", "missing; give start and end (inclusive), or date=YYYY-MM-DD");
  }
  if (end === undefined) {
    throw new ParamError("end", "missing; give start and end (inclusive), or date=YYYY-MM-DD");
  }
  const from = instant("start", start);
  const to = instant("end", end);
  if (Temporal.Instant.compare(from, to) > 0) {
    throw new ParamError(
      "end",
      `end (${formatInstant(to)}) is before start (${formatInstant(from)})`,
    );
  }
  if (to.epochNanoseconds - from.epochNanoseconds > BigInt(maxRangeDays) * DAY_NS) {
    throw new ParamError(
      "end",
      `the range from start to end is longer than ${maxRangeDays} days (the server's ` +
        `MAX_RANGE_DAYS); split it into several requests`,
    );
  }
  const variables = parseVariables(params.getAll("variables"));
  return { start: from, end: to, endInclusive: true, variables };
}

/** /fingerprints: whole days, both inclusive. */
export interface FingerprintQuery {
  start: string;
  end: string;
  variables: Variable[];
}

/** The longest range /fingerprints serves in one request: two years (a year at least). */
export const FINGERPRINT_MAX_DAYS = 731;

export function parseFingerprintQuery(params: URLSearchParams): FingerprintQuery {
  for (const name of new Set(params.keys())) {
    if (!["start", "end", "variables"].includes(name)) {
      throw new ParamError(
        name.slice(0, 60),
        "unknown parameter; /fingerprints takes start, end (days, inclusive) and variables",
      );
    }
  }
  const day = (name: "start" | "end") => {
    const raw = single(params, name);
    if (raw === undefined) throw new ParamError(name, "missing; give a day YYYY-MM-DD");
    if (!isDay(raw)) {
      throw new ParamError(name, `"${raw.slice(0, 60)}" is not a calendar date YYYY-MM-DD`);
    }
    if (raw < "0001-01-01" || raw > "9999-12-30") {
      throw new ParamError(name, `"${raw}" is outside 0001-01-01 to 9999-12-30`);
    }
    return raw;
  };
  const start = day("start");
  const end = day("end");
  if (end < start) throw new ParamError("end", `end (${end}) is before start (${start})`);
  const days = Temporal.PlainDate.from(start).until(Temporal.PlainDate.from(end)).days + 1;
  if (days > FINGERPRINT_MAX_DAYS) {
    throw new ParamError(
      "end",
      `the range is ${days} days, more than ${FINGERPRINT_MAX_DAYS}; split it into several requests`,
    );
  }
  return { start, end, variables: parseVariables(params.getAll("variables")) };
}

/** `variables=a&variables=b` and `variables=a,b` (and mixes of both). */
function parseVariables(values: string[]): Variable[] {
  if (values.length === 0) {
    throw new ParamError(
      "variables",
      `missing; name one or more of ${VARIABLE_NAMES.join(", ")}`,
    );
  }
  const out: Variable[] = [];
  for (const item of values.flatMap((v) => v.split(","))) {
    const name = item.trim();
    if (name === "") {
      throw new ParamError(
        "variables",
        `empty variable name; name one or more of ${VARIABLE_NAMES.join(", ")}`,
      );
    }
    if (!isVariable(name)) {
      throw new ParamError(
        "variables",
        `unknown variable ${JSON.stringify(name.slice(0, 60))}; known: ${
          VARIABLE_NAMES.join(", ")
        }`,
      );
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw new ParamError(name, "given more than once");
  return all[0];
}

function instant(name: string, raw: string): Temporal.Instant {
  try {
    return parseInstant(raw);
  } catch (e) {
    throw new ParamError(name, (e as Error).message);
  }
}
