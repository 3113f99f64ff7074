/**
 * The router's view of which plugin serves which command, rebuilt from every `PluginTable` the
 * plugin managers publish. Plugins never register themselves: what a manifest declares is the
 * table. With several plugin hosts each publishes its own table; they are merged (see
 * `PluginHostTables`): a plugin is routable while any host runs it, and a host whose tables stop
 * (it died) drops out when its table goes stale.
 */
import type { CommandSpec, PluginStatus, PluginTable } from "@quicksilver/core";
import { PLUGIN_STATES, PluginHostTables } from "@quicksilver/core";
import { CommandOwners, type OwnerDecision } from "./command_owners.ts";

/** One routable command and the plugin behind it. */
export interface CommandEntry {
  plugin: string;
  spec: CommandSpec;
  /** Only a running plugin is sent requests; the others get an apology. */
  running: boolean;
}

/**
 * A command word declared by more than one plugin. The `owner` keeps it (see
 * {@linkcode CommandOwners}); every `refused` plugin's claim is ignored; `unsettled` lists the
 * newcomers when none was first, and the word then answers nobody.
 */
export interface CommandConflict {
  word: string;
  owner?: string | undefined;
  reason?: OwnerDecision["reason"];
  refused: string[];
  unsettled: string[];
}

export class PluginTableStore {
  readonly owners: CommandOwners;
  #revision = -1;
  readonly #hosts = new PluginHostTables();
  /** Local time the next host goes stale (then the table is rebuilt without it). */
  #nextExpiry = Infinity;
  #plugins: PluginStatus[] = [];
  /** command word or alias -> entry. */
  #byWord = new Map<string, CommandEntry>();
  #conflicts: CommandConflict[] = [];

  /** `owners` decides contested words; default: first seen, remembered in memory only. */
  constructor(owners: CommandOwners = new CommandOwners()) {
    this.owners = owners;
  }

  /** The revision last applied; -1 before the first table. */
  get revision(): number {
    return this.#revision;
  }

  /** One status per plugin, merged over every live plugin host (`hosts`: where it runs). */
  get plugins(): readonly PluginStatus[] {
    this.#expire();
    return this.#plugins;
  }

  /** Every live host's statuses, each with its `host`. */
  hostStatuses(): PluginStatus[] {
    this.#expire();
    return this.#hosts.statuses();
  }

  /** Conflicts found in the last table applied (for a warning in the log). */
  get conflicts(): readonly CommandConflict[] {
    return this.#conflicts;
  }

  /**
   * Takes `table` as its host's table if it is newer than the one held from that host, and
   * rebuilds the merged view; returns whether it did. A table that arrives late (an old publish
   * overtaken by a reply to `list`) is ignored. `now`: local ms (tests pass their own clock).
   */
  apply(table: PluginTable, now = Date.now()): boolean {
    if (!this.#hosts.apply(table, now)) return false;
    this.#revision = table.revision;
    this.#hosts.expire(now);
    this.#rebuild();
    return true;
  }

  /** Drops hosts gone stale by `now` (called on every read; one comparison when none is due). */
  #expire(now = Date.now()): void {
    if (now < this.#nextExpiry) return;
    if (this.#hosts.expire(now)) this.#rebuild();
    else this.#nextExpiry = this.#hosts.nextExpiry;
  }

  #rebuild(): void {
    this.#nextExpiry = this.#hosts.nextExpiry;
    this.#plugins = this.#hosts.merged();
    const entries = this.#plugins.flatMap((plugin) =>
      (plugin.manifest?.commands ?? []).map((spec): CommandEntry => ({
        plugin: plugin.name,
        spec,
        running: plugin.state === PLUGIN_STATES.running,
      }))
    );
    // Every plugin declaring each word, names first (a plugin's first declaration of a word
    // is the one that counts).
    const claims = new Map<string, Map<string, { entry: CommandEntry; isName: boolean }>>();
    for (const pass of ["names", "aliases"] as const) {
      for (const entry of entries) {
        const words = pass === "names" ? [entry.spec.name] : entry.spec.aliases;
        for (const word of words) {
          const byPlugin = claims.get(word) ?? new Map();
          claims.set(word, byPlugin);
          if (!byPlugin.has(entry.plugin)) {
            byPlugin.set(entry.plugin, { entry, isName: pass === "names" });
          }
        }
      }
    }
    const byWord = new Map<string, CommandEntry>();
    const conflicts: CommandConflict[] = [];
    for (const [word, byPlugin] of claims) {
      const decision = this.owners.decide(
        word,
        [...byPlugin].map(([plugin, claim]) => ({ plugin, isName: claim.isName })),
      );
      const owned = decision.owner === undefined ? undefined : byPlugin.get(decision.owner);
      if (owned) byWord.set(word, owned.entry);
      if (decision.refused.length > 0 || decision.unsettled.length > 0) {
        conflicts.push({
          word,
          owner: decision.owner,
          reason: decision.reason,
          refused: decision.refused,
          unsettled: decision.unsettled,
        });
      }
    }
    this.#byWord = byWord;
    this.#conflicts = conflicts;
  }

  /** The command a word (name or alias) stands for, if any plugin declares it. */
  resolve(word: string): CommandEntry | undefined {
    this.#expire();
    return this.#byWord.get(word.toLowerCase());
  }

  /** Every command of running plugins, once each (aliases folded), sorted by name. */
  runningCommands(): CommandEntry[] {
    this.#expire();
    const seen = new Set<CommandEntry>();
    for (const entry of this.#byWord.values()) if (entry.running) seen.add(entry);
    return [...seen].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  }
}
