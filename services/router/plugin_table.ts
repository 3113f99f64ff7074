/**
 * The router's view of which plugin serves which command, rebuilt from every `PluginTable` the
 * manager publishes. Plugins never register themselves: what a manifest declares is the table.
 */
import type { CommandSpec, PluginStatus, PluginTable } from "@quicksilver/core";
import { PLUGIN_STATES } from "@quicksilver/core";

/** One routable command and the plugin behind it. */
export interface CommandEntry {
  plugin: string;
  spec: CommandSpec;
  /** Only a running plugin is sent requests; the others get an apology. */
  running: boolean;
}

/** A command word claimed twice: the first plugin (by name) keeps it. */
export interface CommandConflict {
  word: string;
  kept: string;
  ignored: string;
}

export class PluginTableStore {
  #revision = -1;
  #plugins: PluginStatus[] = [];
  /** command word or alias -> entry. */
  #byWord = new Map<string, CommandEntry>();
  #conflicts: CommandConflict[] = [];

  /** The revision last applied; -1 before the first table. */
  get revision(): number {
    return this.#revision;
  }

  get plugins(): readonly PluginStatus[] {
    return this.#plugins;
  }

  /** Conflicts found in the last table applied (for a warning in the log). */
  get conflicts(): readonly CommandConflict[] {
    return this.#conflicts;
  }

  /**
   * Replaces the table if `table` is newer than the one held; returns whether it did. A table
   * that arrives late (an old publish overtaken by a reply to `list`) is ignored.
   */
  apply(table: PluginTable): boolean {
    if (table.revision <= this.#revision) return false;
    this.#revision = table.revision;
    this.#plugins = [...table.plugins].sort((a, b) => a.name.localeCompare(b.name));
    const byWord = new Map<string, CommandEntry>();
    const conflicts: CommandConflict[] = [];
    const entries = this.#plugins.flatMap((plugin) =>
      (plugin.manifest?.commands ?? []).map((spec): CommandEntry => ({
        plugin: plugin.name,
        spec,
        running: plugin.state === PLUGIN_STATES.running,
      }))
    );
    // Names first, then aliases, so an alias never shadows another plugin's real command.
    for (const pass of ["names", "aliases"] as const) {
      for (const entry of entries) {
        const words = pass === "names" ? [entry.spec.name] : entry.spec.aliases;
        for (const word of words) {
          const held = byWord.get(word);
          if (held && held.plugin !== entry.plugin) {
            conflicts.push({ word, kept: held.plugin, ignored: entry.plugin });
          } else if (!held) {
            byWord.set(word, entry);
          }
        }
      }
    }
    this.#byWord = byWord;
    this.#conflicts = conflicts;
    return true;
  }

  /** The command a word (name or alias) stands for, if any plugin declares it. */
  resolve(word: string): CommandEntry | undefined {
    return this.#byWord.get(word.toLowerCase());
  }

  /** Every command of running plugins, once each (aliases folded), sorted by name. */
  runningCommands(): CommandEntry[] {
    const seen = new Set<CommandEntry>();
    for (const entry of this.#byWord.values()) if (entry.running) seen.add(entry);
    return [...seen].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  }
}
