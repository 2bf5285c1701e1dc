/**
 * The state of every partition of a range, derived from the partitions table
 * (the single source of truth), the declared jobs and, when known, the
 * source's fingerprints. `missing`, `blocked`, `stale` and `incomplete` are
 * derived here, never stored.
 */
import type { Db } from "../../db/types.ts";
import { readSqlFiles } from "../../sql/load.ts";
import type { Job } from "./job.ts";
import { daysBetween } from "./days.ts";
import { describeIncomplete, type TurbineCount } from "./completeness.ts";

const SQL = await readSqlFiles({
  rows: "runner/partition_rows.sql",
  runs: "runner/recent_runs.sql",
});

export type PartitionState =
  | "succeeded"
  | "empty"
  | "failed"
  | "running"
  | "missing"
  | "blocked"
  | "stale"
  /**
   * Succeeded (or empty), and its run recorded turbines below
   * MIN_COMPLETENESS (`incomplete`): a success — upstream readiness treats
   * it as one, and no plan re-runs it for that — shown apart. Late readings
   * that fill it change the source's fingerprint: stale (which wins), rebuilt.
   */
  | "incomplete";

export type StaleReason = "sql" | "upstream" | "source";

export interface PartitionView {
  job: string;
  day: string;
  state: PartitionState;
  /** The run that holds or last held it (null: no row); plans pass it on as the claim's expectation. */
  runId: number | null;
  /**
   * stale: why (e.g. "sql: built with v1 ..."); blocked: what it waits on;
   * failed: when it is retried; incomplete: the short turbines.
   */
  reason: string | null;
  staleReason: StaleReason | null;
  rowsIn: number | null;
  rowsOut: number | null;
  sqlVersion: number | null;
  /**
   * The turbines below MIN_COMPLETENESS when the day's rows were built (null:
   * complete, or not an API-input job): `{turbine, expected, received}`.
   */
  incomplete: TurbineCount[] | null;
  /**
   * Built by a newer version of the job's transform than this runner has
   * (`sqlVersion`): not stale here, and never rebuilt by this runner, so an
   * old and a new runner side by side do not rebuild it back and forth.
   */
  newer: boolean;
  durationMs: number | null;
  error: string | null;
  attempts: number;
  /** Failures since the last success (the retry budget spent). */
  failures: number;
  finishedAt: string | null;
  /** Failed: no automatic retry before this (ISO). */
  nextAttemptAt: string | null;
  retryDue: boolean;
}

export interface RunView {
  id: number;
  job: string;
  day: string;
  trigger: string;
  runner: string;
  status: "running" | "succeeded" | "empty" | "failed" | "cancelled" | "abandoned";
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  rowsIn: number | null;
  rowsOut: number | null;
  error: string | null;
}

/** One day's source fingerprint, as the source API reports it. */
export interface SourceFingerprint {
  readings: number;
  checksum: string;
}

interface Row {
  job: string;
  day: string;
  status: "running" | "succeeded" | "empty" | "failed";
  lease_live: boolean | null;
  runner: string | null;
  run_id: number | null;
  success_run_id: number | null;
  built_from: Record<string, number> | string | null;
  sql_version: number | null;
  sql_hash: string | null;
  rows_in: number | null;
  rows_out: number | null;
  source_readings: number | null;
  source_checksum: string | null;
  incomplete: TurbineCount[] | string | null;
  error: string | null;
  attempts: number;
  failures: number;
  duration_ms: number | null;
  finished_at: string | null;
  next_attempt_at: string | null;
  retry_due: boolean | null;
}

export interface StateQuery {
  jobs: readonly Job[];
  from: string;
  to: string;
  /** Per job name, per day: the source's fingerprints (api jobs), when fetched. */
  fingerprints?: ReadonlyMap<string, ReadonlyMap<string, SourceFingerprint>>;
  /** The runner's clock, for "is a retry due" (default: the database's). */
  now?: Date;
}

/**
 * Every partition of the jobs from max(from, job's first day) to `to`,
 * ordered by job (upstream first) and day. `jobs` must include the
 * upstream jobs of those asked for (their states decide blocked/stale).
 */
export async function partitionStates(
  db: Pick<Db, "query">,
  q: StateQuery,
): Promise<PartitionView[]> {
  const names = new Set(q.jobs.map((j) => j.name));
  for (const j of q.jobs) for (const u of j.upstream) names.add(u);
  const rows = await db.query<Row>(SQL.rows, [JSON.stringify([...names]), q.from, q.to]);
  const byKey = new Map(rows.map((r) => [`${r.job} ${r.day}`, r]));
  const out: PartitionView[] = [];
  for (const job of q.jobs) {
    // No known first day (the source has no readings, or cannot say): no days.
    if (!job.firstDay) continue;
    const from = q.from > job.firstDay ? q.from : job.firstDay;
    for (const day of daysBetween(from, q.to)) {
      out.push(derive(job, day, byKey, q.fingerprints?.get(job.name)?.get(day), q));
    }
  }
  return out;
}

function derive(
  job: Job,
  day: string,
  byKey: Map<string, Row>,
  fp: SourceFingerprint | undefined,
  q: StateQuery,
): PartitionView {
  const r = byKey.get(`${job.name} ${day}`);
  const view: PartitionView = {
    job: job.name,
    day,
    state: "missing",
    runId: r?.run_id ?? null,
    reason: null,
    staleReason: null,
    rowsIn: r?.rows_in ?? null,
    rowsOut: r?.rows_out ?? null,
    sqlVersion: r?.sql_version ?? null,
    incomplete: parseJson<TurbineCount[]>(r?.incomplete),
    newer: false,
    durationMs: r?.duration_ms ?? null,
    error: r?.error ?? null,
    attempts: r?.attempts ?? 0,
    failures: r?.failures ?? 0,
    finishedAt: r?.finished_at ?? null,
    nextAttemptAt: r?.next_attempt_at ?? null,
    retryDue: !r?.next_attempt_at ||
      (q.now ? r.next_attempt_at <= q.now.toISOString().slice(0, 19) + "Z" : !!r.retry_due),
  };
  const upstreamWait = () =>
    waitingOn(day, job.upstream.map((u) => ({ job: u, status: byKey.get(`${u} ${day}`)?.status })));
  if (!r) {
    const w = upstreamWait();
    if (w) Object.assign(view, { state: "blocked", reason: w });
    return view;
  }
  if (r.status === "running") {
    if (r.lease_live) {
      view.state = "running";
      view.reason = `run ${r.run_id} by ${r.runner}`;
    } else {
      view.state = "failed";
      view.error = `abandoned: runner ${r.runner} stopped renewing its claim`;
      view.retryDue = true;
    }
    return view;
  }
  // The day's rows come from a newer version than this runner has (a failure
  // since leaves them in place): this runner neither rebuilds nor retries it.
  const newer = r.sql_version !== null && r.sql_version > job.transform.version
    ? `built with v${r.sql_version} (${(r.sql_hash ?? "?").slice(0, 8)}), newer than ` +
      `this runner's ${job.transform.file}: left as it is`
    : null;
  if (r.status === "failed") {
    const w = upstreamWait();
    if (w) return { ...view, state: "blocked", reason: w, newer: !!newer };
    view.state = "failed";
    if (newer) Object.assign(view, { newer: true, reason: newer });
    else if (!view.retryDue) {
      view.reason = `next automatic attempt after ${r.next_attempt_at}`;
    }
    return view;
  }
  view.state = r.status;
  if (newer) return Object.assign(view, { newer: true, reason: newer });
  const stale = staleness(job, r, byKey, fp, q);
  if (stale) Object.assign(view, { state: "stale", staleReason: stale.reason, reason: stale.text });
  else if (view.incomplete?.length) {
    view.state = "incomplete";
    view.reason = `incomplete: ${describeIncomplete(view.incomplete)}`;
  }
  return view;
}

/** A jsonb column: an object from node-postgres and PGlite, text from older paths. */
function parseJson<T>(v: T | string | null | undefined): T | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? JSON.parse(v) as T : v;
}

function staleness(
  job: Job,
  r: Row,
  byKey: Map<string, Row>,
  fp: SourceFingerprint | undefined,
  q: StateQuery,
): { reason: StaleReason; text: string } | null {
  const t = job.transform;
  if (r.sql_version !== t.version || r.sql_hash !== t.hash) {
    return {
      reason: "sql",
      text: `sql: built with v${r.sql_version} (${(r.sql_hash ?? "?").slice(0, 8)}), ` +
        `current is ${t.file} (${t.hash.slice(0, 8)})`,
    };
  }
  if (job.upstream.length) {
    const builtFrom = parseJson<Record<string, number>>(r.built_from) ?? {};
    for (const u of job.upstream) {
      const up = byKey.get(`${u} ${r.day}`);
      if (up?.success_run_id && up.success_run_id !== builtFrom[u]) {
        return {
          reason: "upstream",
          text: `upstream: ${u} ${r.day} was rebuilt (run ${up.success_run_id}) after this ` +
            `was built from run ${builtFrom[u] ?? "?"}`,
        };
      }
    }
  }
  if (job.input.kind === "api" && q.fingerprints?.has(job.name)) {
    const now = fp ?? { readings: 0, checksum: "" };
    const had = { readings: r.source_readings, checksum: r.source_checksum };
    // A day without readings has no checksum to compare, however it is written.
    const same = had.readings === now.readings &&
      (now.readings === 0 || had.checksum === now.checksum);
    if (had.readings !== null && !same) {
      const delta = now.readings - had.readings;
      return {
        reason: "source",
        text: `source: the source now has ${now.readings} readings for ${r.day}` +
          (delta ? ` (${delta > 0 ? "+" : ""}${delta})` : " (values changed)") +
          `; ${had.readings} were extracted`,
      };
    }
  }
  return null;
}

/**
 * Which upstream partitions of `day` have not succeeded ("waits for etl
 * 2024-01-02 (failed)"), or null when all have: the blocked reason, here and
 * in the run itself.
 */
export function waitingOn(
  day: string,
  upstream: readonly { job: string; status?: string | null }[],
): string | null {
  const waiting = upstream.filter((u) => u.status !== "succeeded" && u.status !== "empty");
  if (!waiting.length) return null;
  return `waits for ${waiting.map((u) => `${u.job} ${day} (${u.status ?? "missing"})`).join(", ")}`;
}

/** The newest runs, newest first. */
export async function recentRuns(
  db: Pick<Db, "query">,
  limit: number,
  job?: string,
): Promise<RunView[]> {
  const rows = await db.query<Record<string, unknown>>(SQL.runs, [limit, job ?? null]);
  return rows.map((r) => ({
    id: r.id as number,
    job: r.job as string,
    day: r.day as string,
    trigger: r.trigger as string,
    runner: r.runner as string,
    status: r.status as RunView["status"],
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    durationMs: (r.duration_ms as number | null) ?? null,
    rowsIn: (r.rows_in as number | null) ?? null,
    rowsOut: (r.rows_out as number | null) ?? null,
    error: (r.error as string | null) ?? null,
  }));
}
