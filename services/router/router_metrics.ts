/**
 * The router's counters, kept in a {@linkcode MetricsRegistry} (so the monitoring service
 * renders them as Prometheus text once a health reporter publishes them) and readable as a
 * plain snapshot for tests and `deno task status`.
 */
import { type MetricsRegistry, MetricsRegistry as Registry } from "@quicksilver/core";

/** What became of one command call. */
export const COMMAND_OUTCOMES = {
  /** The plugin answered `ok: true`. */
  ok: "ok",
  /** The plugin answered `ok: false` (bad arguments, refused, failed). */
  error: "error",
  /** No answer in time, nobody serving it, not running, or unreadable: an apology was sent. */
  unavailable: "unavailable",
  /** Refused by policy: rank, rate limit, cooldown. */
  denied: "denied",
} as const;
export type CommandOutcome = typeof COMMAND_OUTCOMES[keyof typeof COMMAND_OUTCOMES];

export interface CommandCounters {
  ok: number;
  error: number;
  unavailable: number;
  denied: number;
}

export interface RouterMetrics {
  commands: Record<string, CommandCounters>;
  /** Lines that looked like commands but no plugin declares. */
  unknownCommands: number;
  /** Commands from ignored users (the bot itself, the ignore list). */
  ignoredMessages: number;
  says: { forwarded: number; dropped: number };
  /** Replies cut to the reply limit, and the chat lines that were cut from them. */
  cut: { replies: number; lines: number };
}

export class RouterMetricsRecorder {
  readonly registry: MetricsRegistry;
  readonly #commands;
  readonly #latency;
  readonly #unknown;
  readonly #ignored;
  readonly #says;
  readonly #cutLines;
  #cutReplies = 0;
  #cutLinesTotal = 0;
  readonly #byCommand = new Map<string, CommandCounters>();
  #saysForwarded = 0;
  #saysDropped = 0;

  constructor(registry: MetricsRegistry = new Registry()) {
    this.registry = registry;
    this.#commands = registry.counter("router_commands_total", "Commands routed, by outcome");
    this.#latency = registry.histogram(
      "router_command_latency_ms",
      "Time from request to plugin answer, in ms",
    );
    this.#unknown = registry.counter(
      "router_unknown_commands_total",
      "Commands no plugin declares",
    );
    this.#ignored = registry.counter(
      "router_ignored_commands_total",
      "Commands from ignored users",
    );
    this.#says = registry.counter("router_plugin_say_total", "Plugin output, by outcome");
    this.#cutLines = registry.counter(
      "router_reply_lines_cut_total",
      "Chat lines cut from replies over the reply limit, by plugin",
    );
  }

  /** A reply from `plugin` was cut by `lines` chat lines. */
  cut(plugin: string, lines: number): void {
    this.#cutReplies++;
    this.#cutLinesTotal += lines;
    this.#cutLines.inc({ plugin }, lines);
  }

  outcome(command: string, outcome: CommandOutcome): void {
    this.#commands.inc({ command, outcome });
    let counters = this.#byCommand.get(command);
    if (!counters) {
      counters = { ok: 0, error: 0, unavailable: 0, denied: 0 };
      this.#byCommand.set(command, counters);
    }
    counters[outcome]++;
  }

  latency(command: string, ms: number): void {
    this.#latency.observe(ms, { command });
  }

  unknown(): void {
    this.#unknown.inc();
  }

  ignored(): void {
    this.#ignored.inc();
  }

  say(plugin: string, forwarded: boolean): void {
    this.#says.inc({ plugin, outcome: forwarded ? "forwarded" : "dropped" });
    if (forwarded) this.#saysForwarded++;
    else this.#saysDropped++;
  }

  snapshot(): RouterMetrics {
    return {
      commands: Object.fromEntries([...this.#byCommand].map(([name, c]) => [name, { ...c }])),
      unknownCommands: this.#unknown.get(),
      ignoredMessages: this.#ignored.get(),
      says: { forwarded: this.#saysForwarded, dropped: this.#saysDropped },
      cut: { replies: this.#cutReplies, lines: this.#cutLinesTotal },
    };
  }
}
