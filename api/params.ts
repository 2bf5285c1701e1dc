/**
 * Query parameters, described once: each route's spec drives both the
 * validation here and its OpenAPI parameters (api/openapi.ts), so the two
 * cannot drift.
 *
 * Everything that later reaches SQL comes out of here: instants re-formatted
 * by Temporal, variable names from the whitelist, turbine names checked for
 * control characters (and against the source's turbines by the route). Any
 * problem throws a ParamError naming the parameter, which the app answers 400.
 */
import { ParamError } from "./errors.ts";
import { dayStart, formatInstant, parseInstant, TIME_FORMS } from "./time.ts";
import { isDay } from "../config/config.ts";
import { isVariable, type Variable, VARIABLE_NAMES } from "./variables.ts";

/** One query parameter: how the OpenAPI document shows it, and how it is read. */
export interface Param<T> {
  description: string;
  /** Always required (conditional requirements are `requiredUnless`). */
  required?: boolean;
  /** Required unless this other parameter is given. */
  requiredUnless?: string;
  /** Must not be given together with these. */
  conflictsWith?: string[];
  /** May be repeated (`a=1&a=2`) and comma-separated (`a=1,2`). */
  list?: boolean;
  /** JSON Schema of one value (of the array, for a list). */
  schema: Record<string, unknown>;
  /** What a missing value's message says to do. */
  missing?: string;
  /** Every value given (one unless `list`); throws ParamError. */
  parse(values: string[], name: string): T;
}

// deno-lint-ignore no-explicit-any
export type Params = Record<string, Param<any>>;

/** What a route's parameters parse into: each value, or undefined when absent. */
export type Parsed<P extends Params> = {
  [K in keyof P]: P[K] extends Param<infer T> ? T | undefined : never;
};

export interface QuerySpec<P extends Params, Q> {
  route: string;
  params: P;
  /** Reads and checks a query string; throws ParamError. */
  parse(search: URLSearchParams): Q;
}

/** A route's parameters and the checks that span several of them (`check`). */
export function querySpec<P extends Params, Q>(
  route: string,
  params: P,
  check: (p: Parsed<P>) => Q,
): QuerySpec<P, Q> {
  const names = Object.keys(params);
  return {
    route,
    params,
    parse(search) {
      for (const name of new Set(search.keys())) {
        if (!Object.hasOwn(params, name)) {
          throw new ParamError(
            name.slice(0, 60),
            names.length
              ? `unknown parameter; ${route} takes ${names.join(", ")}`
              : `unknown parameter; ${route} takes none`,
          );
        }
      }
      const out: Record<string, unknown> = {};
      // In the spec's order: the first problem named is the first parameter's.
      for (const name of names) {
        const p = params[name];
        const values = search.getAll(name);
        if (values.length === 0) {
          if (p.required || (p.requiredUnless && !search.has(p.requiredUnless))) {
            throw new ParamError(name, `missing; ${p.missing ?? p.description}`);
          }
          continue;
        }
        for (const other of p.conflictsWith ?? []) {
          if (search.has(other)) {
            throw new ParamError(
              name,
              `give either ${name} or ${p.conflictsWith!.join(" and ")}, not both`,
            );
          }
        }
        if (!p.list && values.length > 1) throw new ParamError(name, "given more than once");
        out[name] = p.parse(values, name);
      }
      return check(out as Parsed<P>);
    },
  };
}

// ---------------------------------------------------------------------------
// The parameters.

const instantParam = (description: string, requiredUnless: string): Param<Temporal.Instant> => ({
  description: `${description} Forms: ${TIME_FORMS}.`,
  requiredUnless,
  missing: "give start and end (inclusive), or date=YYYY-MM-DD",
  schema: { type: "string", examples: ["2024-01-01T00:00:00Z"] },
  parse: ([raw], name) => {
    try {
      return parseInstant(raw);
    } catch (e) {
      throw new ParamError(name, (e as Error).message);
    }
  },
});

/** A whole UTC day YYYY-MM-DD whose next day is still in 0001..9999. */
function parseDay(raw: string, name: string): string {
  if (!isDay(raw)) {
    throw new ParamError(name, `"${raw.slice(0, 60)}" is not a calendar date YYYY-MM-DD`);
  }
  if (raw < "0001-01-01" || raw > "9999-12-30") {
    throw new ParamError(
      name,
      `"${raw}" is outside the days this API serves, 0001-01-01 to 9999-12-30`,
    );
  }
  return raw;
}

const dayParam = (description: string, extra: Partial<Param<string>> = {}): Param<string> => ({
  description,
  schema: { type: "string", format: "date", examples: ["2024-01-01"] },
  parse: ([raw], name) => parseDay(raw, name),
  ...extra,
});

const variablesParam = (description: string): Param<Variable[]> => ({
  description,
  required: true,
  list: true,
  missing: `name one or more of ${VARIABLE_NAMES.join(", ")}`,
  schema: { type: "string", enum: VARIABLE_NAMES },
  parse: (values, name) => {
    const out: Variable[] = [];
    for (const item of values.flatMap((v) => v.split(","))) {
      const v = item.trim();
      if (v === "") {
        throw new ParamError(
          name,
          `empty variable name; name one or more of ${VARIABLE_NAMES.join(", ")}`,
        );
      }
      if (!isVariable(v)) {
        throw new ParamError(
          name,
          `unknown variable ${JSON.stringify(v.slice(0, 60))}; known: ${VARIABLE_NAMES.join(", ")}`,
        );
      }
      if (!out.includes(v)) out.push(v);
    }
    return out;
  },
});

/** `*`: every turbine of the source. */
export type TurbineSelection = string[] | "*";

export const MAX_TURBINE_NAME = 200;
export const MAX_TURBINES_ASKED = 1000;

const turbinesParam = (description: string): Param<TurbineSelection> => ({
  description,
  list: true,
  schema: { type: "string", examples: ["T01", "*"] },
  parse: (values, name) => {
    const items = values.flatMap((v) => v.split(","));
    if (items.length === 1 && items[0] === "*") return "*";
    const out: string[] = [];
    for (const t of items) {
      if (t === "*") throw new ParamError(name, "* (every turbine) cannot be combined with names");
      if (t === "") throw new ParamError(name, "empty turbine name; see GET /turbines");
      if (t.length > MAX_TURBINE_NAME) {
        throw new ParamError(name, `a turbine name longer than ${MAX_TURBINE_NAME} characters`);
      }
      // deno-lint-ignore no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(t)) {
        throw new ParamError(name, "a turbine name with a control character");
      }
      if (!out.includes(t)) out.push(t);
    }
    if (out.length > MAX_TURBINES_ASKED) {
      throw new ParamError(name, `more than ${MAX_TURBINES_ASKED} turbines; use turbines=*`);
    }
    return out;
  },
});

// ---------------------------------------------------------------------------
// The routes.

export interface DataQuery {
  start: Temporal.Instant;
  end: Temporal.Instant;
  /** `end` is inclusive for start/end (BETWEEN, as the reference), exclusive for `date`. */
  endInclusive: boolean;
  /** Requested variables, in the order asked, without repeats. */
  variables: Variable[];
  /** Absent: not named (every turbine; a text format on a several-turbine source is a 400). */
  turbines?: TurbineSelection;
}

const DAY_NS = 86_400_000_000_000n;

export function dataQuerySpec(maxRangeDays: number) {
  return querySpec("/data", {
    start: instantParam("First instant, inclusive. Required unless `date` is given.", "date"),
    end: instantParam("Last instant, inclusive. Required unless `date` is given.", "date"),
    date: dayParam(
      "A whole UTC day YYYY-MM-DD instead of start/end: [D 00:00, D+1 00:00).",
      { conflictsWith: ["start", "end"] },
    ),
    variables: variablesParam(
      "Variables to return, in this order; repeated (`variables=a&variables=b`) or " +
        "comma-separated (`variables=a,b`). Unknown names are an error.",
    ),
    turbines: turbinesParam(
      "Turbines to return (`turbines=T01,T02`, or `*` for all; see /turbines). Default: all; " +
        "on a source with several turbines the text formats need it named.",
    ),
  }, (p): DataQuery => {
    const { variables, turbines } = p;
    if (p.date !== undefined) {
      const from = dayStart(p.date);
      return {
        start: from,
        end: from.add({ hours: 24 }),
        endInclusive: false,
        variables: variables!,
        turbines,
      };
    }
    const from = p.start!, to = p.end!;
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
    return { start: from, end: to, endInclusive: true, variables: variables!, turbines };
  });
}

/** /fingerprints: whole days, both inclusive. */
export interface FingerprintQuery {
  start: string;
  end: string;
  variables: Variable[];
  turbines?: TurbineSelection;
}

export function fingerprintQuerySpec(maxRangeDays: number) {
  return querySpec("/fingerprints", {
    start: dayParam("The first day, YYYY-MM-DD (UTC).", {
      required: true,
      missing: "give a day YYYY-MM-DD",
    }),
    end: dayParam("The last day, YYYY-MM-DD (UTC), inclusive.", {
      required: true,
      missing: "give a day YYYY-MM-DD",
    }),
    variables: variablesParam("The variables the checksum covers (as for /data)."),
    turbines: turbinesParam(
      "The turbines the counts and checksums cover (`turbines=T01,T02` or `*`). Default: all.",
    ),
  }, (p): FingerprintQuery => {
    const start = p.start!, end = p.end!;
    if (end < start) throw new ParamError("end", `end (${end}) is before start (${start})`);
    const days = Temporal.PlainDate.from(start).until(Temporal.PlainDate.from(end)).days + 1;
    if (days > maxRangeDays) {
      throw new ParamError(
        "end",
        `the range is ${days} days, more than ${maxRangeDays} (the server's MAX_RANGE_DAYS); ` +
          `split it into several requests`,
      );
    }
    return { start, end, variables: p.variables!, turbines: p.turbines };
  });
}

/** A route without parameters: any given is a 400. */
export function noQuerySpec(route: string) {
  return querySpec(route, {}, () => ({}));
}
