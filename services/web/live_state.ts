/**
 * What the dashboard shows live, kept from the bus: the status table (health reports of every
 * component and the manager's plugin table, read from the same subjects the monitor reads),
 * the last security violations, and recent chat per channel. Listeners (the SSE streams) get
 * each change as a named event.
 */
import {
  type BusSubscription,
  type ComponentLine,
  componentLine,
  type EventBus,
  type HealthReport,
  HealthReportSchema,
  PluginHostTables,
  type PluginStatus,
  PluginStatusSchema,
  type PluginTable,
  PluginTableSchema,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { z } from "zod";
import { ChatRing } from "./chat_ring.ts";
import { WEB_LIVE_EVENTS } from "./web_role.ts";

/** One component's line of the status table, as the monitor computes it. */
export type ComponentStatus = ComponentLine;

/** Components (health reports) and plugins (the manager's table), as `deno task status`. */
export interface StatusTable {
  time: number;
  components: ComponentStatus[];
  plugins: z.infer<typeof PluginStatusSchema>[];
}

/** The part of the monitor's `rosey.admin.status` answer read here: the plugins. */
const StatusReplySchema = z.object({ plugins: z.array(PluginStatusSchema) });

/** Violations kept for the feed. */
const KEEP_VIOLATIONS = 200;
/** Chat lines kept per channel. */
const KEEP_CHAT = 100;

const ChatEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  source: z.object({ platform: z.string(), channel: z.string() }),
  time: z.number(),
  payload: z.object({
    user: z.object({ name: z.string() }).passthrough().optional(),
    text: z.string().optional(),
    to: z.string().optional(),
    media: z.object({ title: z.string().optional() }).passthrough().optional(),
  }).passthrough(),
});
export type ChatEvent = z.infer<typeof ChatEventSchema>;

export type LiveEvent =
  | { event: "status"; data: StatusTable }
  | { event: "violation"; data: SecurityViolation }
  | { event: "chat"; data: ChatEvent };

export class LiveState {
  readonly #bus: EventBus;
  readonly #health = new Map<string, HealthReport>();
  /** Every plugin host's latest table (several hosts may run replicas of one plugin). */
  readonly #plugins = new PluginHostTables();
  /** The monitor's statuses, until the first table arrives. */
  #early: PluginStatus[] | undefined;
  readonly #violations: SecurityViolation[] = [];
  readonly #chat = new Map<string, ChatRing<ChatEvent>>();
  readonly #listeners = new Set<(event: LiveEvent) => void>();
  readonly #subscriptions: BusSubscription[] = [];
  #statusTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #onChannel: (source: { platform: string; channel: string }) => void;

  /** `onChannel` hears the source of every channel event (to learn the channels). */
  constructor(bus: EventBus, onChannel: (source: { platform: string; channel: string }) => void) {
    this.#bus = bus;
    this.#onChannel = onChannel;
  }

  async start(): Promise<void> {
    this.#subscriptions.push(
      this.#bus.subscribe<HealthReport>(subjects.monitoringHealth(), (report) => {
        this.#health.set(report.component, report);
        this.#statusChanged();
      }, { schema: HealthReportSchema }),
      this.#bus.subscribe<PluginTable>(subjects.pluginManifests(), (table) => {
        if (!this.#plugins.apply(table)) return;
        this.#statusChanged(true);
      }, { schema: PluginTableSchema }),
      this.#bus.subscribe<SecurityViolation>(subjects.securityViolation(), (violation) => {
        this.#violations.push(violation);
        if (this.#violations.length > KEEP_VIOLATIONS) this.#violations.shift();
        this.#emit({ event: "violation", data: violation });
      }, { schema: SecurityViolationSchema }),
      ...WEB_LIVE_EVENTS.map((type) =>
        this.#bus.subscribe<ChatEvent>(subjects.event(type), (event) => {
          this.#onChannel(event.source);
          if (type === "channel.joined") return;
          const key = channelKey(event.source.platform, event.source.channel);
          let lines = this.#chat.get(key);
          if (!lines) this.#chat.set(key, lines = new ChatRing<ChatEvent>(KEEP_CHAT));
          lines.push(event);
          this.#emit({ event: "chat", data: event });
        }, { schema: ChatEventSchema })
      ),
    );
    await this.#bus.flush();
    // What happened before we subscribed: the monitor's table (it may not be up yet).
    try {
      const table = await this.#bus.request(subjects.adminStatus(), {}, {
        timeoutMs: 2000,
        schema: StatusReplySchema,
      });
      if (this.#plugins.hosts.length === 0) this.#early = table.plugins;
    } catch {
      // The next plugin table (every 5 s) fills it in.
    }
  }

  /** Components and plugins, computed as the monitor computes them (`deno task status`). */
  status(): StatusTable {
    const now = Date.now();
    const components = [...this.#health.values()]
      .map((report): ComponentStatus => componentLine(report, now))
      .sort((a, b) => a.component.localeCompare(b.component));
    this.#plugins.expire(now);
    const plugins = this.#plugins.hosts.length > 0 ? this.#plugins.statuses() : this.#early ?? [];
    return { time: now, components, plugins };
  }

  /** Newest first. */
  violations(limit = KEEP_VIOLATIONS): SecurityViolation[] {
    return this.#violations.slice(-limit).reverse();
  }

  chat(platform: string, channel: string): ChatEvent[] {
    return this.#chat.get(channelKey(platform, channel))?.lines() ?? [];
  }

  /** Calls `listener` with every change until the returned function is called. */
  listen(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    clearTimeout(this.#statusTimer);
    for (const sub of this.#subscriptions.splice(0)) sub.unsubscribe();
    this.#listeners.clear();
  }

  /** Health reports come every few seconds from each component: sent at most twice a second. */
  #statusChanged(now = false): void {
    if (now) {
      clearTimeout(this.#statusTimer);
      this.#statusTimer = undefined;
      this.#emit({ event: "status", data: this.status() });
      return;
    }
    this.#statusTimer ??= setTimeout(() => {
      this.#statusTimer = undefined;
      this.#emit({ event: "status", data: this.status() });
    }, 500);
  }

  #emit(event: LiveEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

function channelKey(platform: string, channel: string): string {
  return `${platform}\u0000${channel}`;
}
