/**
 * The OpenAPI 3.1 description of the API (served at /openapi.json). Query
 * parameters come from the routes' specs in api/params.ts, the same objects
 * that validate requests; the rest is written here.
 */
import type { Params, QuerySpec } from "./params.ts";
import { VARIABLE_NAMES, VARIABLES } from "./variables.ts";

const errorSchema = {
  type: "object",
  required: ["error", "message"],
  properties: {
    error: { type: "string", examples: ["invalid_parameter"] },
    parameter: { type: "string", description: "The query parameter at fault (400 only)." },
    message: { type: "string" },
  },
};

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

const TIMESTAMP = {
  type: "string",
  format: "date-time",
  examples: ["2024-01-01T00:00:00Z"],
  description: "UTC with a Z; fractional seconds only when not zero.",
};

const UNAVAILABLE = errorResponse(
  "The database does not answer or cannot serve now; see Retry-After.",
);
const UNAUTHORIZED = errorResponse(
  'Missing, malformed or wrong bearer token (with WWW-Authenticate: Bearer realm="windbin").',
);
const BAD_PARAMETER = errorResponse("A parameter is missing or invalid; `parameter` names it.");

/** The OpenAPI parameters of a route, from its spec. */
export function queryParameters(spec: QuerySpec<Params, unknown>) {
  return Object.entries(spec.params).map(([name, p]) => ({
    name,
    in: "query",
    required: p.required ?? false,
    description: p.description,
    ...(p.list
      ? { style: "form", explode: true, schema: { type: "array", minItems: 1, items: p.schema } }
      : { schema: p.schema }),
  }));
}

export interface RouteSpecs {
  data: QuerySpec<Params, unknown>;
  fingerprints: QuerySpec<Params, unknown>;
  turbines: QuerySpec<Params, unknown>;
  extent: QuerySpec<Params, unknown>;
}

export function openApiDocument(specs: RouteSpecs, maxRangeDays: number) {
  return {
    openapi: "3.1.0",
    info: {
      title: "windbin source API",
      version: "2.0.0",
      description: "Raw wind-turbine readings (UTC), streamed from the source database. " +
        "`/data`, `/fingerprints`, `/turbines`, `/extent` and `/variables` need " +
        "`Authorization: Bearer <API_TOKEN>`; `/health`, `/openapi.json` and `/docs` are public.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: errorSchema,
        Reading: {
          type: "object",
          required: ["timestamp"],
          description: "One reading: its turbine (when the answer names turbines), the " +
            "timestamp and the requested variables, in the order requested. A missing " +
            "reading is null.",
          properties: {
            turbine: {
              type: "string",
              description: "Present when the request names turbines or the source has several.",
            },
            timestamp: TIMESTAMP,
            ...Object.fromEntries(
              VARIABLE_NAMES.map((v) => [v, {
                type: ["number", "null"],
                description: `${VARIABLES[v].description} (${VARIABLES[v].unit})`,
              }]),
            ),
          },
        },
      },
    },
    paths: {
      "/data": {
        get: {
          summary: "Readings in a time range",
          description: "Either `start` and `end` (both inclusive, like SQL BETWEEN) or `date` " +
            "(one whole UTC day, half-open [D, D+1)). Ordered by turbine, then time. The range " +
            `may span at most ${maxRangeDays} days. The format follows the Accept header: JSON ` +
            "array (default), CSV (text/csv, NULL as an empty field), NDJSON " +
            "(application/x-ndjson, one object per line) or PostgreSQL's binary COPY format " +
            "(application/x-pgcopy: columns turbine, timestamp, then the variables in request " +
            "order; values in their binary send form, so nothing is rounded). Every format is " +
            "streamed. On a source with several turbines, CSV and JSON need `turbines` " +
            "(names, or `*`) and carry a `turbine` field.",
          security: [{ bearer: [] }],
          parameters: queryParameters(specs.data),
          responses: {
            200: {
              description: "The readings, ordered by turbine and time.",
              content: {
                "application/json": {
                  schema: { type: "array", items: { $ref: "#/components/schemas/Reading" } },
                },
                "text/csv": {
                  schema: { type: "string" },
                  example: "timestamp,wind_speed,power\n2024-01-01T00:00:00Z,7.1,312.4\n",
                },
                "application/x-ndjson": {
                  schema: { type: "string" },
                  example: '{"timestamp":"2024-01-01T00:00:00Z","wind_speed":7.1,"power":312.4}\n',
                },
                "application/x-pgcopy": {
                  schema: { type: "string", format: "binary" },
                  description: "PostgreSQL binary COPY: header, one tuple per reading " +
                    "(turbine text, timestamp timestamptz, variables float8), trailer. Load it " +
                    "with COPY ... FROM STDIN (FORMAT binary).",
                },
              },
            },
            400: BAD_PARAMETER,
            401: UNAUTHORIZED,
            500: errorResponse("Unexpected server error (details are in the server log)."),
            503: errorResponse(
              "All streams (API_STREAMS) are busy, or the database does not answer; see Retry-After.",
            ),
          },
        },
      },
      "/fingerprints": {
        get: {
          summary: "Per-day reading count and checksum (late-data detection)",
          description: "For each UTC day from start to end (both inclusive, at most " +
            `${maxRangeDays} days) that has readings: their count and a checksum of their ` +
            "values (not their text): the XOR over readings and variables of the first 8 " +
            "bytes of md5(turbine, 0x00, timestamp, variable, 0x00, value) in binary form, as " +
            "16 hex digits (README, Source API). Kept current per day by the source, so a " +
            "range costs O(days). Any changed, added or removed reading changes its day's " +
            "checksum. Days without readings are left out.",
          security: [{ bearer: [] }],
          parameters: queryParameters(specs.fingerprints),
          responses: {
            200: {
              description: "One entry per day with readings, in day order.",
              content: {
                "application/json": {
                  schema: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["day", "readings", "checksum"],
                      properties: {
                        day: { type: "string", format: "date" },
                        readings: { type: "integer", minimum: 1 },
                        checksum: { type: "string", pattern: "^[0-9a-f]{16}$" },
                      },
                    },
                  },
                },
              },
            },
            400: BAD_PARAMETER,
            401: UNAUTHORIZED,
            503: UNAVAILABLE,
          },
        },
      },
      "/turbines": {
        get: {
          summary: "The turbines, with their first and last reading and cadence",
          security: [{ bearer: [] }],
          parameters: queryParameters(specs.turbines),
          responses: {
            200: {
              description: "One entry per turbine, in byte order of the names.",
              content: {
                "application/json": {
                  schema: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["turbine", "first", "last", "cadence_seconds"],
                      properties: {
                        turbine: { type: "string", examples: ["default", "T01"] },
                        first: TIMESTAMP,
                        last: TIMESTAMP,
                        cadence_seconds: {
                          type: ["number", "null"],
                          description: "The most common step between its last 101 readings " +
                            "(null with a single reading).",
                        },
                      },
                    },
                  },
                },
              },
            },
            400: BAD_PARAMETER,
            401: UNAUTHORIZED,
            503: UNAVAILABLE,
          },
        },
      },
      "/extent": {
        get: {
          summary: "The first and last reading of the whole source",
          security: [{ bearer: [] }],
          parameters: queryParameters(specs.extent),
          responses: {
            200: {
              description: "Both null when the source is empty.",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["first", "last"],
                    properties: {
                      first: { ...TIMESTAMP, type: ["string", "null"] },
                      last: { ...TIMESTAMP, type: ["string", "null"] },
                    },
                  },
                },
              },
            },
            400: BAD_PARAMETER,
            401: UNAUTHORIZED,
            503: UNAVAILABLE,
          },
        },
      },
      "/variables": {
        get: {
          summary: "The variables /data serves, with units",
          security: [{ bearer: [] }],
          responses: {
            200: {
              description: "Variable names and units.",
              content: {
                "application/json": {
                  schema: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["name", "unit", "description"],
                      properties: {
                        name: { type: "string", enum: VARIABLE_NAMES },
                        unit: { type: "string" },
                        description: { type: "string" },
                      },
                    },
                  },
                },
              },
            },
            401: UNAUTHORIZED,
          },
        },
      },
      "/health": {
        get: {
          summary: "Liveness and database check (public)",
          security: [],
          responses: {
            200: {
              description: "The API and its database answer.",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { status: { const: "ok" }, database: { const: "ok" } },
                  },
                },
              },
            },
            503: {
              description: "The database does not answer (see Retry-After).",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      status: { const: "unavailable" },
                      database: { const: "unavailable" },
                      error: { const: "database_unavailable" },
                      message: { type: "string" },
                    },
                  },
                },
              },
            },
          },
        },
      },
      "/openapi.json": {
        get: {
          summary: "This document (public)",
          security: [],
          responses: { 200: { description: "OpenAPI 3.1 document." } },
        },
      },
      "/docs": {
        get: {
          summary: "Interactive documentation (public; works offline)",
          security: [],
          responses: { 200: { description: "Swagger UI page.", content: { "text/html": {} } } },
        },
      },
    },
  };
}
