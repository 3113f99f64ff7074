/**
 * Telling the operator about contested command words, once each: the manager republishes the
 * plugin table on every change (and every few seconds), and the same refusal must not become a
 * flood of log lines and violations.
 *
 * @module
 */
import type { EventBus } from "@quicksilver/core";
import type { SecurityViolation } from "@quicksilver/core";
import type { Logger } from "@quicksilver/core";
import { subjects } from "@quicksilver/core";
import type { CommandOwners } from "./command_owners.ts";
import type { CommandConflict } from "./plugin_table.ts";

export class ClaimReporter {
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #prefix: string;
  readonly #owners: CommandOwners;
  /** `plugin\u0000word` of refused claims, unsettled words and file errors already told. */
  readonly #told = new Set<string>();

  constructor(bus: EventBus, log: Logger, options: { prefix: string; owners: CommandOwners }) {
    this.#bus = bus;
    this.#log = log;
    this.#prefix = options.prefix;
    this.#owners = options.owners;
  }

  /**
   * Reports what is new in `conflicts`: each refused claim is logged and published on
   * `rosey.security.violation` (kind `command-claim`, action `refused`) with the plugin's name
   * and the word, since a plugin taking over another's command (and its rank) is an attack,
   * not an accident; each unsettled word and a failing owners file are logged.
   */
  report(conflicts: readonly CommandConflict[]): void {
    for (const conflict of conflicts) {
      for (const plugin of conflict.refused) this.#refused(conflict, plugin);
      if (conflict.unsettled.length > 0) this.#unsettled(conflict);
    }
    const writeError = this.#owners.writeError;
    if (writeError && this.#first(writeError)) {
      this.#log.warn(writeError, { fix: "make the state dir writable" });
    }
  }

  #first(key: string): boolean {
    if (this.#told.has(key)) return false;
    this.#told.add(key);
    return true;
  }

  #refused({ word, owner, reason }: CommandConflict, plugin: string): void {
    if (!this.#first(`${plugin}\u0000${word}`)) return;
    const command = `${this.#prefix}${word}`;
    const fix = `to give it to another plugin, set router.commandOwners: { ${word}: <plugin> }`;
    const detail = owner === undefined
      ? `declares ${command}, which belongs to ${
        this.#owners.configuredOwner(word) ?? this.#owners.remembered.get(word)
      } (not loaded now); the claim is refused; ${fix}`
      : `declares ${command}, which belongs to ${owner} (${
        reason === "configured" ? "router.commandOwners" : "installed first"
      }); the claim is refused; ${fix}`;
    this.#log.warn("a plugin claims a command it does not own; refused", { plugin, word, owner });
    const violation: SecurityViolation = {
      plugin,
      kind: "command-claim",
      detail,
      action: "refused",
      time: Date.now(),
    };
    try {
      this.#bus.publish(subjects.securityViolation(), violation);
    } catch (error) {
      this.#log.warn("violation not reported", { plugin, error: String(error) });
    }
  }

  #unsettled({ word, unsettled }: CommandConflict): void {
    if (!this.#first(`\u0000${word}`)) return;
    this.#log.warn(
      `${unsettled.join(" and ")} all declare ${this.#prefix}${word} and none held it before, ` +
        `so it answers nobody; name its owner in rosey.yaml: router.commandOwners: ` +
        `{ ${word}: <plugin> }`,
      { word, plugins: unsettled },
    );
  }
}
