/**
 * The status page's port (port.ts) over the real runner: partition states as
 * `deno task status` derives them, recent runs, the views each job declares,
 * and runs started from the page (one partition, or a reconcile of
 * everything). A database that cannot serve is an UnavailableError (503).
 */
import type {
  CompletenessClass,
  DayView,
  RunEntry,
  RunQuery,
  StatusSource,
  TriggerAllResult,
  TriggerResult,
  TurbineQuery,
  TurbineRuns,
  ViewDeclaration,
} from "./port.ts";
import { UnavailableError } from "./port.ts";
import type { Queryable } from "../../db/types.ts";
import { isConnectionError, sqlState } from "../../db/errors.ts";
import { readSql } from "../../sql/load.ts";
import { isDay } from "../../config/config.ts";
import { type RunnerContext, runOne } from "./runner.ts";
import { partitionStates, type RunView, type SourceFingerprint } from "./states.ts";
import { isOver, yesterday } from "./days.ts";
import { sourceFingerprints } from "./source_client.ts";
import type { RunResult } from "./partition_run.ts";
import { makePlan } from "./plan.ts";
import { runLogEntry } from "./run_log.ts";
import { earliestFirstDay } from "./catalog.ts";
import { describeTargetError, messageOf } from "./errors.ts";
import { safeText } from "./safe_text.ts";
import { DEFAULT_MIN_COMPLETENESS } from "./partition_run.ts";

const RUNS_SQL = await readSql("ui/recent_runs.sql");
const CAN_WRITE_SQL = await readSql("ui/can_write.sql");
const TURBINE_RUNS_SQL = await readSql("ui/turbine_runs.sql");

/** The page does not wait longer than this for the source's fingerprints (stale-by-source). */
const FINGERPRINT_TIMEOUT_MS = 5_000;

export interface StatusSourceDeps {
  ctx: RunnerContext;
  /**
   * WATCH_SECONDS: the jobs' SQL, the source's extent and its fingerprints are
   * at most this old, like the scheduler's (the page shows the stale set it
   * acts on). Default 60 s.
   */
  watchMs?: number;
  /** Starts a reconcile of every job in the background; null when one runs already. */
  reconcileAll: () => Promise<unknown> | null;
  /** Every finished run started from the page (metrics). */
  onRun?: (job: string, day: string, r: RunResult) => void;
  /** The service's JSON log: every run started from the page, as the scheduler logs its own. */
  log?: (entry: Record<string, unknown>) => void;
}

type Fingerprints = Map<string, Map<string, SourceFingerprint>> | undefined;

export function runnerStatusSource(deps: StatusSourceDeps): StatusSource {
  const { ctx, reconcileAll, onRun, log } = deps;
  const watchMs = deps.watchMs ?? 60_000;
  const cache = new Map<string, { at: number; fp: Promise<Fingerprints> }>();
  const fpCtx = {
    ...ctx,
    settings: {
      ...ctx.settings,
      timeoutMs: Math.min(ctx.settings.timeoutMs, FINGERPRINT_TIMEOUT_MS),
    },
  };
  function fingerprints(from: string, to: string): Promise<Fingerprints> {
    const key = `${from} ${to}`;
    const hit = cache.get(key);
    if (hit && performance.now() - hit.at < watchMs) return hit.fp;
    const fp = sourceFingerprints(fpCtx, ctx.jobs, from, to, { err: () => {} });
    // A handful of ranges at most (the page's windows): forget the oldest.
    if (cache.size >= 8) cache.delete(cache.keys().next().value!);
    cache.set(key, { at: performance.now(), fp });
    return fp;
  }

  return {
    jobs: () =>
      ctx.jobs.map((j) => ({ name: j.name, firstDay: j.firstDay, upstream: [...j.upstream] })),

    partitions: (q) =>
      guarded(async () => {
        await ctx.catalog?.refreshIfOlder(watchMs);
        const jobs = q.job ? ctx.jobs.filter((j) => j.name === q.job) : ctx.jobs;
        return await partitionStates(ctx.db, {
          jobs,
          from: q.from,
          to: q.to,
          fingerprints: await fingerprints(q.from, q.to),
          now: ctx.now(),
        });
      }),

    runs: (q) => guarded(() => runEntries(ctx.db, q)),

    views: (day, turbine) =>
      guarded(async () => {
        const out: DayView[] = [];
        for (const job of ctx.jobs) {
          for (const v of job.views) out.push(await readView(ctx.db, job.name, v, day, turbine));
        }
        return out;
      }),

    turbineRuns: (q) =>
      guarded(() =>
        readTurbineRuns(
          ctx.db,
          ctx.jobs.filter((j) => j.input.kind === "api").map((j) => j.name),
          q,
          ctx.settings.minCompleteness ?? DEFAULT_MIN_COMPLETENESS,
        )
      ),

    trigger(jobName, day): Promise<TriggerResult> {
      const job = ctx.jobs.find((j) => j.name === jobName);
      if (!job) return Promise.resolve({ kind: "bad", message: `unknown job "${jobName}"` });
      if (!isDay(day) || !isOver(day, ctx.now())) {
        return Promise.resolve({ kind: "bad", message: `${day} is not a day that is over (UTC)` });
      }
      const answered = Promise.withResolvers<TriggerResult>();
      runOne(
        { ...ctx, onClaimed: (runId) => answered.resolve({ kind: "started", runId }) },
        job,
        day,
        "ui",
      )
        .then((r) => {
          onRun?.(job.name, day, r);
          log?.(runLogEntry(job, day, "ui", ctx.runner, r));
          if (r.status === "busy") answered.resolve({ kind: "busy", runId: r.holder.runId });
          else if (r.status === "blocked" || r.status === "refused" || r.status === "skipped") {
            answered.resolve({ kind: "refused", message: r.reason });
          }
        })
        .catch((e) => {
          log?.({
            event: "run",
            job: job.name,
            day,
            trigger: "ui",
            runner: ctx.runner,
            status: "error",
            error: safeText(describeTargetError(e), [ctx.settings.token]),
          });
          answered.reject(unavailable(e) ?? e);
        });
      return answered.promise;
    },

    triggerAll: () =>
      guarded(async (): Promise<TriggerAllResult> => {
        // The plan a manual reconcile makes (no retry budget), counted before it starts.
        await ctx.catalog?.refreshIfOlder(watchMs);
        const to = yesterday(ctx.now());
        const from = earliestFirstDay(ctx.jobs) ?? to;
        const views = await partitionStates(ctx.db, {
          jobs: ctx.jobs,
          from,
          to,
          fingerprints: await fingerprints(from, to),
          now: ctx.now(),
        });
        const planned = makePlan(views, { jobs: ctx.jobs, select: {} }).items.length;
        if (planned === 0) return { kind: "nothing" };
        // A reconcile on a database that cannot take writes would only fail every run: say so.
        const [w] = await ctx.db.query<{ writable: boolean; privileged: boolean }>(CAN_WRITE_SQL);
        if (!w.writable) {
          throw new UnavailableError(REFUSING["25006"], "the runner's database is read-only");
        }
        if (!w.privileged) {
          throw new UnavailableError(
            REFUSING["42501"],
            "the runner's role may not write partitions and runs",
          );
        }
        const started = reconcileAll();
        if (!started) {
          return { kind: "busy", message: "a reconcile is already running: nothing new started" };
        }
        started.catch(() => {});
        return { kind: "started", partitions: planned };
      }),
  };
}

/** SQLSTATEs of a database that is there but cannot serve the runner now. */
const REFUSING: Record<string, string> = {
  "25006": "the runner's database is read-only",
  "42501": "the runner's database refuses the runner's role (privileges)",
  "53300": "the runner's database has no free connection",
  "53100": "the runner's database is out of disk space",
};

/** The error as an UnavailableError when the database cannot serve, else null. */
export function unavailable(e: unknown): UnavailableError | null {
  if (e instanceof UnavailableError) return e;
  if (isConnectionError(e)) {
    return new UnavailableError(
      "the runner's database is unreachable",
      describeTargetError(e),
      { cause: e },
    );
  }
  const kind = REFUSING[sqlState(e) ?? ""];
  return kind ? new UnavailableError(kind, `${kind}: ${messageOf(e)}`, { cause: e }) : null;
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw unavailable(e) ?? e;
  }
}

interface RunRow {
  n: number;
  id: number;
  oldest_id: number;
  open_ended: boolean;
  jobs: string;
  first_day: string;
  day: string;
  trigger: string;
  runner: string;
  status: RunView["status"];
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  rows_in: number | null;
  rows_out: number | null;
  error: string | null;
}

/** The newest runs (sql/ui/recent_runs.sql): one query, a bounded window of history. */
export async function runEntries(db: Queryable, q: RunQuery): Promise<RunEntry[]> {
  const rows = await db.query<RunRow>(RUNS_SQL, [
    q.limit,
    q.job ?? null,
    q.status ?? null,
    q.foldEmpty ?? false,
  ]);
  return rows.map((r): RunEntry =>
    r.n > 1
      ? {
        kind: "folded",
        folded: {
          count: r.n,
          more: r.open_ended,
          jobs: r.jobs.split(","),
          firstDay: r.first_day,
          lastDay: r.day,
          newestId: r.id,
          oldestId: r.oldest_id,
        },
      }
      : {
        kind: "run",
        run: {
          id: r.id,
          job: r.jobs,
          day: r.day,
          trigger: r.trigger,
          runner: r.runner,
          status: r.status,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          durationMs: r.duration_ms,
          rowsIn: r.rows_in,
          rowsOut: r.rows_out,
          error: r.error,
        },
      }
  );
}

const num = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
};

const iso = (v: unknown): string =>
  v instanceof Date ? v.toISOString().replace(".000Z", "Z") : String(v);

/**
 * The turbine x day completeness of `jobs` (sql/ui/turbine_runs.sql): runs
 * of consecutive days in one class, per job and turbine; and `q.day`'s rows.
 */
export async function readTurbineRuns(
  db: Queryable,
  jobs: readonly string[],
  q: TurbineQuery,
  minCompleteness: number,
): Promise<TurbineRuns> {
  const out: TurbineRuns = { runs: [], day: [] };
  if (!jobs.length) return out;
  const rows = await db.query<{
    of_day: boolean;
    job: string;
    turbine: string;
    class: CompletenessClass;
    first_day: string;
    last_day: string;
    days: number;
    expected: number | null;
    received: number;
  }>(TURBINE_RUNS_SQL, [jobs, q.from, q.to, minCompleteness, q.day]);
  for (const r of rows) {
    (r.of_day ? out.day : out.runs).push({
      job: r.job,
      turbine: r.turbine,
      class: r.class,
      from: r.first_day,
      to: r.last_day,
      days: Number(r.days),
      expected: num(r.expected),
      received: Number(r.received),
    });
  }
  return out;
}

/**
 * One view of one day: its SQL (day as $1, the turbine as $2: null for the
 * farm) read into the view's shape. A view whose SQL fails for another
 * reason than an unavailable database carries its error; the rest of the
 * page still renders.
 */
export async function readView(
  db: Queryable,
  job: string,
  v: ViewDeclaration,
  day: string,
  turbine: string | null = null,
): Promise<DayView> {
  const head = { job, title: v.title, error: null as string | null, farm: v.farm ?? null };
  const columns = v.kind === "chart"
    ? v.series.flatMap((s) => [s.column, ...(s.band ? [s.band.min, s.band.max] : [])])
    : v.numbers.map((n) => n.column);
  let rows: Record<string, unknown>[] = [];
  try {
    // The day is $1, the turbine $2; a view gets the parameters it uses (a bind of one it
    // does not use would fail).
    const params = /\$2\b/.test(v.sql) ? [day, turbine] : /\$1\b/.test(v.sql) ? [day] : [];
    rows = await db.query<Record<string, unknown>>(v.sql, params);
    const missing = rows.length ? columns.filter((c) => !(c in rows[0])) : [];
    if (v.kind === "chart" && rows.length && !("t" in rows[0])) missing.unshift("t");
    if (missing.length) throw new Error(`the view's SQL returns no column ${missing.join(", ")}`);
  } catch (e) {
    if (unavailable(e)) throw e;
    head.error = messageOf(e);
    rows = [];
  }
  if (v.kind === "numbers") {
    const row = rows[0];
    return {
      ...head,
      kind: "numbers",
      values: row
        ? v.numbers.map((n) => ({
          column: n.column,
          label: n.label,
          unit: n.unit,
          digits: n.digits ?? 1,
          value: num(row[n.column]),
        }))
        : null,
    };
  }
  return {
    ...head,
    kind: "chart",
    binMinutes: v.binMinutes,
    series: v.series.map((s) => ({
      column: s.column,
      label: s.label,
      unit: s.unit,
      digits: s.digits ?? 1,
      band: !!s.band,
      points: rows.map((r) => ({
        t: iso(r.t),
        value: num(r[s.column]),
        min: s.band ? num(r[s.band.min]) : null,
        max: s.band ? num(r[s.band.max]) : null,
      })),
    })),
  };
}
