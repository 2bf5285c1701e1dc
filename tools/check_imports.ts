/**
 * The import rule (README, "Layout"), checked from `deno info --json`:
 *
 *   config -> db -> sql -> migrations -> api | jobs -> ui -> service
 *
 * A folder imports only from itself and folders to its left (api and jobs
 * not from each other); bench, docker, tools and tests are leaves (bench
 * never imports tests). Inside jobs/, core/ imports no other part of jobs/,
 * and ui/ reaches jobs/ only through the core's port (jobs/core/port.ts).
 *
 * `deno run --allow-read --allow-run=deno tools/check_imports.ts` (deno task imports)
 * prints each violation and exits 1 when there is one; tests/layout.test.ts runs it too.
 */
import { relative } from "node:path";
import { fileURLToPath as fromFileUrl, pathToFileURL } from "node:url";

const toFileUrl = (p: string) => pathToFileURL(p);

const RANK: Record<string, number> = {
  config: 0,
  db: 1,
  sql: 2,
  migrations: 3,
  api: 4,
  jobs: 4,
  ui: 5,
  service: 6,
  bench: 7,
  docker: 7,
  tools: 7,
  tests: 8,
};

export interface Violation {
  from: string;
  to: string;
  rule: string;
}

/** Every project module (.ts/.tsx) under `root`, relative paths. */
function projectModules(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(`${root}/${dir}`)) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory) walk(path);
      else if (/\.tsx?$/.test(e.name)) out.push(path);
    }
  };
  walk("");
  return out.sort();
}

/** The local import edges (from, to), both relative to `root`, from one `deno info --json`. */
async function importEdges(root: string): Promise<[string, string][]> {
  const modules = projectModules(root);
  // One graph for all: a root module (a data: URL, nothing written) that imports every project module.
  const entry = modules.map((m) => `import ${JSON.stringify(toFileUrl(`${root}/${m}`).href)};`);
  const out = await new Deno.Command("deno", {
    args: [
      "info",
      "--json",
      "--config",
      `${root}/deno.json`,
      `data:application/typescript;base64,${btoa(entry.join("\n"))}`,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
    }[];
  };
  const local = (spec: string | undefined) => {
    if (!spec?.startsWith("file://")) return null;
    const rel = relative(root, fromFileUrl(spec));
    return rel.startsWith("..") || rel.startsWith("node_modules") ? null : rel;
  };
  const edges: [string, string][] = [];
  for (const m of graph.modules) {
    const from = local(m.specifier);
    if (!from) continue;
    for (const d of m.dependencies ?? []) {
      // Type-only imports count too: they couple folders as much as any other.
      for (const to of new Set([local(d.code?.specifier), local(d.type?.specifier)])) {
        if (to) edges.push([from, to]);
      }
    }
  }
  return edges;
}

export function ruleFor(from: string, to: string): string | null {
  const [fa, fb] = from.split("/");
  const [ta, tb] = to.split("/");
  if (!(fa in RANK)) return `${fa}/ is not a known folder (add it to tools/check_imports.ts)`;
  if (!(ta in RANK)) return `${ta}/ is not a known folder (add it to tools/check_imports.ts)`;
  if (fa === "bench" && ta === "tests") return "bench never imports tests";
  if (fa !== ta && RANK[ta] >= RANK[fa]) {
    return `${fa}/ may import only folders left of it (config, db, sql, migrations, api|jobs, ui, service)`;
  }
  if (fa === "jobs" && fb === "core" && ta === "jobs" && tb !== "core") {
    return "jobs/core imports no other part of jobs/";
  }
  if (fa === "ui" && ta === "jobs" && to !== "jobs/core/port.ts") {
    return "ui/ reaches jobs/ only through jobs/core/port.ts";
  }
  return null;
}

export async function checkImports(root: string): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const [from, to] of await importEdges(root)) {
    const rule = ruleFor(from, to);
    if (rule) violations.push({ from, to, rule });
  }
  return violations;
}

if (import.meta.main) {
  const root = fromFileUrl(new URL("..", import.meta.url)).replace(/\/$/, "");
  const violations = await checkImports(root);
  for (const v of violations) console.error(`${v.from} -> ${v.to}: ${v.rule}`);
  console.log(`imports: ${violations.length} violation(s)`);
  Deno.exit(violations.length ? 1 : 0);
}
