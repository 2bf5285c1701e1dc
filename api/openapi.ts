/** The OpenAPI 3.1 description of the API, written by hand (served at /openapi.json). */
import { FINGERPRINT_MAX_DAYS } from "./params.ts";
import { TIME_FORMS } from "./time.ts";
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

const timeParam = (name: string, description: string) => ({
  name,
  in: "query",
  required: false,
  description: `${description} Forms: ${TIME_FORMS}.`,
  schema: { type: "string" },
});

export function openApiDocument(maxRangeDays: number) {
  return {
    openapi: "3.1.0",
    info: {
      title: "windbin source API",
      version: "1.0.0",
      description: "Raw wind-turbine readings (UTC), streamed from the source database. " +
        "`/data` and `/variables` need `Authorization: Bearer <API_TOKEN>`; " +
        "`/health`, `/openapi.json` and `/docs` are public.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: errorSchema,
        Reading: {
          type: "object",
          required: ["timestamp"],
          description: "One reading: the timestamp and the requested variables, in the order " +
            "requested. A missing reading is null.",
          properties: {
            timestamp: {
              type: "string",
              format: "date-time",
              examples: ["2024-01-01T00:00:00Z"],
              description: "UTC with a Z; fractional seconds only when not zero.",
            },
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
            "(one whole UTC day, half-open [D, D+1)). Ordered by time. The range may span at " +
            `most ${maxRangeDays} days. The format follows the Accept header: JSON array ` +
            "(default), CSV (text/csv, NULL as an empty field) or NDJSON " +
            "(application/x-ndjson, one object per line). Every format is streamed.",
          security: [{ bearer: [] }],
          parameters: [
            timeParam("start", "First instant, inclusive. Required unless `date` is given."),
            timeParam("end", "Last instant, inclusive. Required unless `date` is given."),
            {
              name: "date",
              in: "query",
              required: false,
              description: "A UTC day YYYY-MM-DD instead of start/end: [D 00:00, D+1 00:00).",
              schema: { type: "string", format: "date" },
            },
            {
              name: "variables",
              in: "query",
              required: true,
              description: "Variables to return, repeated (`variables=a&variables=b`) or " +
                "comma-separated (`variables=a,b`). Unknown names are an error.",
              style: "form",
              explode: true,
              schema: {
                type: "array",
                minItems: 1,
                items: { type: "string", enum: VARIABLE_NAMES },
              },
            },
          ],
          responses: {
            200: {
              description: "The readings, ordered by time.",
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
              },
            },
            400: errorResponse("A parameter is missing or invalid; `parameter` names it."),
            401: errorResponse("Missing or wrong bearer token."),
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
            `${FINGERPRINT_MAX_DAYS} days) that has readings: their count and an md5 over the ` +
            "day's rows in time order, computed in SQL (sql/fingerprint.sql). Any changed, " +
            "added or removed reading changes it. Days without readings are left out.",
          security: [{ bearer: [] }],
          parameters: [
            ...["start", "end"].map((name) => ({
              name,
              in: "query",
              required: true,
              description: `The ${name === "start" ? "first" : "last"} day, YYYY-MM-DD (UTC).`,
              schema: { type: "string", format: "date" },
            })),
            {
              name: "variables",
              in: "query",
              required: true,
              description: "The variables the checksum covers (as for /data).",
              style: "form",
              explode: true,
              schema: {
                type: "array",
                minItems: 1,
                items: { type: "string", enum: VARIABLE_NAMES },
              },
            },
          ],
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
                        checksum: { type: "string", pattern: "^[0-9a-f]{32}$" },
                      },
                    },
                  },
                },
              },
            },
            400: errorResponse("A parameter is missing or invalid; `parameter` names it."),
            401: errorResponse("Missing or wrong bearer token."),
            503: errorResponse("The database does not answer (see Retry-After)."),
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
            401: errorResponse("Missing or wrong bearer token."),
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
            503: errorResponse("The database does not answer."),
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
