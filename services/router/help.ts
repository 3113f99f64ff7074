/**
 * `!help` and `!help <command>`, generated from the manifests: the list is always what is
 * actually running, with no plugin to keep in sync.
 */
import { RANKS } from "@quicksilver/core";
import type { PluginTableStore } from "./plugin_table.ts";

/** The built-in command word. */
export const HELP_COMMAND = "help";

/** A chat line is read on a phone: keep each help line short enough to read at a glance. */
const MAX_LINE = 300;

export interface HelpOptions {
  prefix: string;
  /** The caller's rank: commands above it are left out of the list. */
  rank: number;
}

/**
 * Lines answering `!help` (no topic) or `!help <topic>`.
 *
 * @example
 * ```ts
 * import { PluginTableStore } from "./plugin_table.ts";
 * import { helpLines } from "./help.ts";
 * const table = new PluginTableStore();
 * console.assert(helpLines(table, undefined, { prefix: "!", rank: 0 })[0]?.includes("!help"));
 * ```
 */
export function helpLines(
  table: PluginTableStore,
  topic: string | undefined,
  options: HelpOptions,
): string[] {
  const { prefix } = options;
  if (topic !== undefined) return topicLines(table, topic, options);
  const words = table.runningCommands()
    .filter((entry) => entry.spec.minRank <= options.rank)
    .map((entry) => `${prefix}${entry.spec.name}`);
  words.push(`${prefix}${HELP_COMMAND}`);
  words.sort();
  return wrap(`Commands: ${words.join(", ")}`, `(${prefix}${HELP_COMMAND} <command> for details)`);
}

function topicLines(table: PluginTableStore, rawTopic: string, options: HelpOptions): string[] {
  const { prefix } = options;
  const topic = rawTopic.toLowerCase().replace(prefix, "");
  if (topic === HELP_COMMAND) {
    return [`${prefix}${HELP_COMMAND} [command]: lists the commands, or explains one.`];
  }
  const entry = table.resolve(topic);
  if (!entry || !entry.running) {
    return [`No command ${prefix}${topic}. Try ${prefix}${HELP_COMMAND} for the list.`];
  }
  const { spec } = entry;
  // One line per command: a plugin's usage or help text breaking lines (LF, CR, U+2028, ...)
  // could print what looks like another command's entry, or its own rank and provenance.
  const usage = oneLine(spec.usage) || `${prefix}${spec.name}`;
  const help = oneLine(spec.help);
  const parts = [usage];
  if (help) parts.push(`: ${help}`);
  const extras: string[] = [];
  if (spec.aliases.length > 0) {
    extras.push(`also ${spec.aliases.map((a) => `${prefix}${a}`).join(", ")}`);
  }
  if (spec.minRank > 0) extras.push(`needs rank ${rankName(spec.minRank)}`);
  if (spec.cooldownMs > 0) extras.push(`once every ${seconds(spec.cooldownMs)}`);
  extras.push(`from ${entry.plugin}`);
  return [clip(`${parts.join("")} (${extras.join("; ")})`)];
}

function oneLine(text: string): string {
  return text.replace(/\s+/gu, " ").trim();
}

/** `moderator` for 2, `1.5` for anything between named ranks. */
export function rankName(rank: number): string {
  const named = Object.entries(RANKS).find(([, value]) => value === rank);
  return named ? named[0] : String(rank);
}

function seconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s === 1 ? "second" : `${s} s`;
}

function clip(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

/** The list, cut into lines at commas so no line passes MAX_LINE, then the footer. */
function wrap(list: string, footer: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const piece of list.split(", ")) {
    const next = current ? `${current}, ${piece}` : piece;
    if (next.length > MAX_LINE && current) {
      lines.push(`${current},`);
      current = piece;
    } else {
      current = next;
    }
  }
  const last = `${current} ${footer}`;
  if (last.length > MAX_LINE) lines.push(current, footer);
  else lines.push(last);
  return lines;
}
