/**
 * Prints the README's "Configuration" table from the registry
 * (config/settings.ts): `deno task config-table`, then `deno fmt README.md`.
 * tests/config_registry.test.ts checks that the README holds exactly these rows.
 */
import { COMMANDS, type Consumer, SETTINGS } from "../config/settings.ts";

/** The "used by" cell: "all commands", or the commands (and "image") in order. */
export function usedByCell(usedBy: readonly Consumer[]): string {
  const commands = COMMANDS.filter((c) => usedBy.includes(c));
  const image = usedBy.includes("image") ? ["image"] : [];
  return commands.length === COMMANDS.length
    ? ["all commands", ...image].join(", ")
    : [...commands, ...image].join(", ");
}

export function configTable(): string[] {
  const rows = SETTINGS.map((s) =>
    `| \`${s.name}\` | ${s.default} | ${usedByCell(s.usedBy)} | ${
      s.meaning.replaceAll("|", "\\|")
    } |`
  );
  return ["| variable | default | used by | meaning |", "| --- | --- | --- | --- |", ...rows];
}

if (import.meta.main) {
  for (const line of configTable()) console.log(line);
}
