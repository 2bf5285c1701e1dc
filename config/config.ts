/**
 * Configuration from environment variables, validated once at start-up: a
 * command reads exactly the variables the registry (settings.ts) gives it,
 * and hears about the ones that are set but that it does not read. Every
 * error names the variable; no value of a secret is ever printed.
 */
import {
  type Command,
  COMMANDS,
  type Config,
  type Consumer,
  type Setting,
  SETTINGS,
} from "./settings.ts";

export { type Command, COMMANDS, type Config, ConfigError, isDay } from "./settings.ts";
export { dayProblem, FIRST_DAY, LAST_DAY, tokenProblem } from "./settings.ts";

export type EnvGet = (name: string) => string | undefined;

/** Deno.env.get; an empty value counts as unset. */
export const denoEnv: EnvGet = (name) => Deno.env.get(name) || undefined;

/** The entry point of each command (deno.json's tasks), to know which command is running. */
export const ENTRY_POINTS: Record<Command, string> = {
  serve: "api/main.ts",
  seed: "api/seed_main.ts",
  migrate: "migrations/migrate_main.ts",
  etl: "jobs/cli/etl_main.ts",
  status: "jobs/cli/status_main.ts",
  scheduler: "service/scheduler_main.ts",
  start: "service/start_main.ts",
};

export interface LoadOptions {
  /** Default: the command whose entry point is running; none (tests, bench): every setting. */
  command?: Command;
  get?: EnvGet;
  /**
   * Told, one line each, about variables that are set but that the command
   * does not read. Default: printed to stderr as `<command>: <line>`.
   */
  report?: (line: string) => void;
}

/**
 * The running command's configuration. Reading a field of a setting the
 * registry does not give the command is a bug, and throws saying so.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const command = opts.command ?? runningCommand();
  const get = opts.get ?? denoEnv;
  if (command) {
    const report = opts.report ?? ((l: string) => console.error(`${command}: ${l}`));
    for (const line of unusedNotes(command, get)) report(line);
  }
  const values: Partial<Config> = {};
  for (const s of SETTINGS) {
    if (s.kind !== "windbin" || (command && !s.usedBy.includes(command))) continue;
    (values as Record<string, unknown>)[s.key!] = s.parse!(get(s.name), values);
  }
  const set = new Set(
    SETTINGS.filter((s) => s.kind === "windbin" && get(s.name) !== undefined).map((s) => s.name),
  );
  return guard(command, values, set);
}

/** The same configuration with some values replaced (e.g. `start` runs its own API). */
export function withValues(cfg: Config, patch: Partial<Config>): Config {
  const meta = (cfg as { [META]?: Meta })[META];
  return guard(meta?.command, { ...cfg, ...patch }, meta?.set ?? new Set());
}

/** True when the variable was set (not empty) when the configuration was loaded. */
export function isSet(cfg: Config, name: string): boolean {
  return (cfg as { [META]?: Meta })[META]?.set.has(name) ?? false;
}

/** Lines about variables that are set but that `command` does not read. */
export function unusedNotes(command: Command, get: EnvGet = denoEnv): string[] {
  const out: string[] = [];
  for (const s of SETTINGS) {
    if (s.kind !== "windbin" || s.usedBy.includes(command) || get(s.name) === undefined) continue;
    const why = s.ignoredBy?.[command];
    out.push(
      why
        ? `${s.name} is set but \`deno task ${command}\` ignores it: ${why}`
        : `${s.name} is set but \`deno task ${command}\` does not use it ` +
          `(it is read by ${readers(s)})`,
    );
  }
  return out;
}

/** "serve and start", "etl, status and the Docker image's scripts". */
export function readers(s: Setting): string {
  const names = s.usedBy.map((c: Consumer) => c === "image" ? "the Docker image's scripts" : c);
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/**
 * What a command's permission set in deno.json lists under "env": every
 * windbin variable (read, or only looked at to say it is not used) and the
 * database driver's.
 */
export function permittedEnv(command: Command): string[] {
  return SETTINGS.filter((s) =>
    s.kind === "windbin" || (s.kind === "driver" && s.usedBy.includes(command))
  ).flatMap((s) => s.permission ?? [s.name]);
}

/** The settings a command reads (the windbin ones). */
export function settingsOf(command: Command): Setting[] {
  return SETTINGS.filter((s) => s.kind === "windbin" && s.usedBy.includes(command));
}

/** For --help: the variables `command` reads, wrapped at `width`. */
export function settingsHelp(command: Command, width = 76): string {
  const lines = [""];
  for (const name of settingsOf(command).map((s) => s.name)) {
    const last = lines.length - 1;
    const next = lines[last] ? `${lines[last]} ${name}` : name;
    if (next.length > width) lines.push(name);
    else lines[last] = next;
  }
  return `Configuration (environment; README "Configuration"):\n${lines.join("\n")}`;
}

function runningCommand(): Command | undefined {
  const main = Deno.mainModule;
  return COMMANDS.find((c) => main.endsWith(`/${ENTRY_POINTS[c]}`));
}

interface Meta {
  command: Command | undefined;
  set: ReadonlySet<string>;
}
const META = Symbol("config");
const BY_KEY = new Map(SETTINGS.filter((s) => s.key).map((s) => [s.key as string, s]));

function guard(command: Command | undefined, values: Partial<Config>, set: ReadonlySet<string>) {
  const meta: Meta = { command, set };
  return new Proxy(values as Config, {
    get(target, key, receiver) {
      if (key === META) return meta;
      if (command && typeof key === "string" && !(key in target)) {
        const s = BY_KEY.get(key);
        if (s) {
          throw new Error(
            `bug: \`deno task ${command}\` read ${s.name}, which config/settings.ts does not ` +
              `list for it: add "${command}" to its usedBy (and to deno.json's permission set)`,
          );
        }
      }
      return Reflect.get(target, key, receiver);
    },
  });
}
