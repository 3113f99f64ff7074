/**
 * `CytubeConnector`: the CyTube client bound to NATS. It publishes what happens in the channel
 * (every parsed frame raw on `rosey.platform.cytube.raw.<event>`, normalized envelopes on
 * `rosey.events.*` through JetStream so none is lost), carries out actions sent to
 * `rosey.platform.cytube.action.<name>`, answers `rosey.platform.cytube.state.snapshot`, and
 * reports its health. Joining, pacing and reconnecting are the client's job.
 *
 * @module
 */

import { CYTUBE_PLATFORM } from "./platform.ts";
import {
  type ActionSubscription,
  type BusSubscription,
  ChannelQuerySchema,
  type Delivery,
  type EventBus,
  type EventType,
  type Logger,
  silentLogger,
  type Source,
  startHealthReporter,
  subjects,
  takeActions,
} from "@quicksilver/core";
import type { BackoffOptions } from "./_backoff.ts";
import { ConnectorMetrics } from "./_metrics.ts";
import { decodeAction, performAction, refusal } from "./actions.ts";
import { CytubeClient } from "./client.ts";
import type { ReadyInfo } from "./client_events.ts";
import { bridgeClientEvents } from "./_client_bridge.ts";
import { EventOutbox, eventsStreamMode, type OutboxMode } from "@quicksilver/core";
import { channelSnapshot } from "./state_service.ts";

/** The platform name: subject token and `source.platform`. */
export { CYTUBE_PLATFORM };

export interface CytubeConnectorOptions {
  /** The CyTube site, e.g. "https://cytu.be". */
  server: string;
  channel: string;
  channelPassword?: string;
  /** Account login with a password; guest login without. Default: guest "rosey". */
  user?: { name: string; password?: string | undefined };
  logger?: Logger;
  /** Health and metrics period. Default 5000 ms. */
  healthIntervalMs?: number;
  /** Reconnect timing; production default starts at 10 s (CyTube's per-IP connect limit). */
  reconnect?: BackoffOptions;
  /** How long an action waits for CyTube's answer before replying `timeout` (default 8000). */
  actionTimeoutMs?: number;
  /** Rejoin this long after a kick; by default the connector stays out (and says why). */
  reconnectAfterKickMs?: number;
  /** The server's always-on chat limit, if not stock CyTube's (config `chatLimit`). */
  chatLimit?: { burst: number; perSecond: number };
  /** Normalized events: JetStream (default) or core publishes; window and backlog bounds. */
  events?: { durable?: boolean; window?: number; maxBacklog?: number };
  /** `nats.delivery`: how actions reach this connector (`takeActions`). Default `live`. */
  delivery?: Delivery;
}

/** Health as the connector sees itself. */
export interface ConnectorHealth {
  status: "ok" | "degraded";
  detail?: string;
}

/**
 * One CyTube channel on the bus.
 *
 * @example
 * ```ts ignore
 * import { connectorRole, EventBus } from "@quicksilver/core";
 * import { CytubeConnector } from "./connector.ts";
 * const bus = await EventBus.connect({ servers, name: connectorRole("cytube").name, creds });
 * await using cytube = await CytubeConnector.start(bus, {
 *   server: "https://cytu.be",
 *   channel: "my_channel", // joins as the guest "rosey"
 * });
 * await cytube.ready();
 * ```
 */
export class CytubeConnector {
  readonly source: Source;
  readonly client: CytubeClient;
  readonly metrics = new ConnectorMetrics();
  readonly startedAt = Date.now();
  readonly #bus: EventBus;
  readonly #delivery: Delivery;
  readonly #log: Logger;
  readonly #outbox: EventOutbox;
  readonly #subscriptions: BusSubscription[] = [];
  #actions: ActionSubscription | undefined;
  readonly #persistence: string | undefined;
  readonly #userName: string;
  #stopHealth: () => void = () => {};
  #connectedSince: number | undefined;
  #joinedBefore = false;
  #fatal: string | undefined;
  #lastProblem: string | undefined;
  #closed = false;

  private constructor(
    bus: EventBus,
    options: CytubeConnectorOptions,
    mode: OutboxMode,
    persistence: string | undefined,
  ) {
    this.#bus = bus;
    this.#log = (options.logger ?? silentLogger).child({ component: "connector-cytube" });
    this.source = { platform: CYTUBE_PLATFORM, channel: options.channel };
    this.#delivery = options.delivery ?? "live";
    this.#persistence = persistence;
    this.#userName = options.user?.name ?? "rosey";
    this.#outbox = new EventOutbox(bus, {
      mode,
      ...(options.events?.window !== undefined ? { window: options.events.window } : {}),
      ...(options.events?.maxBacklog !== undefined
        ? { maxBacklog: options.events.maxBacklog }
        : {}),
      logger: this.#log,
    });
    this.client = new CytubeClient({
      baseUrl: options.server,
      channel: options.channel,
      ...(options.channelPassword !== undefined
        ? { channelPassword: options.channelPassword }
        : {}),
      user: options.user?.password
        ? { name: this.#userName, password: options.user.password }
        : { name: this.#userName },
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
      ...(options.reconnectAfterKickMs !== undefined
        ? { reconnectAfterKickMs: options.reconnectAfterKickMs }
        : {}),
      ...(options.actionTimeoutMs !== undefined
        ? { actionTimeoutMs: options.actionTimeoutMs }
        : {}),
      ...(options.chatLimit
        ? {
          pacing: {
            serverMinimum: {
              burst: options.chatLimit.burst,
              sustained: options.chatLimit.perSecond,
            },
          },
        }
        : {}),
      logger: options.logger ?? silentLogger,
    });
  }

  /**
   * Binds a CyTube channel to the bus and starts joining it. Resolves once the action and
   * state subscriptions are live; the join itself proceeds in the background (see
   * {@linkcode CytubeConnector.ready}), retried by the client until it succeeds or is refused.
   */
  static async start(bus: EventBus, options: CytubeConnectorOptions): Promise<CytubeConnector> {
    const log = options.logger ?? silentLogger;
    const [mode, persistence] = options.events?.durable === false
      ? ["core" as const, "events are published without persistence (events.durable: false)"]
      : await eventsStreamMode(bus, log);
    const connector = new CytubeConnector(bus, options, mode, persistence);
    connector.#wireClient();
    connector.#serve();
    await bus.flush();
    // Durable delivery: the action consumer exists before anyone is told we are up.
    await connector.#actions?.ready;
    connector.#stopHealth = startHealthReporter(bus, {
      component: "connector-cytube",
      ...(options.healthIntervalMs !== undefined ? { intervalMs: options.healthIntervalMs } : {}),
      metrics: connector.metrics.registry,
      stats: () => connector.#stats(),
      status: () => connector.health,
    });
    connector.client.connect().catch(() => {
      // Fatal refusals arrive as `error` events and are logged there; close() rejects too.
    });
    return connector;
  }

  /** Ok once in the channel; degraded with the reason otherwise. */
  get health(): ConnectorHealth {
    if (this.#fatal) return { status: "degraded", detail: this.#fatal };
    if (this.client.status !== "ready") {
      const why = this.#lastProblem ? `: ${this.#lastProblem}` : "";
      return {
        status: "degraded",
        detail: `not in CyTube channel yet (${this.client.status})${why}`,
      };
    }
    if (this.#persistence) return { status: "degraded", detail: this.#persistence };
    return { status: "ok" };
  }

  /** Counters of the normalized-event outbox (backlog, overflow, ...). */
  get events() {
    return this.#outbox.stats;
  }

  /** Resolves when the client is in the channel (now or after the next join). */
  ready(timeoutMs = 10_000): Promise<ReadyInfo> {
    if (this.client.status === "ready") return this.client.connect();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`CyTube channel "${this.source.channel}" not joined in ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.client.on("ready", (info) => {
        clearTimeout(timer);
        off();
        resolve(info);
      });
    });
  }

  /** Leaves the channel, stops serving, and waits (briefly) for queued events to be stored. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopHealth();
    await Promise.allSettled(this.#subscriptions.map((sub) => sub.drain()));
    await this.client.close();
    await this.#outbox.settled(2000);
    this.#outbox.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #emit(type: EventType, payload: unknown, time?: number): void {
    if (this.#outbox.publish(type, this.source, payload, time)) {
      this.metrics.eventsOut.inc({ type });
    }
  }

  #wireClient(): void {
    bridgeClientEvents(this.client, {
      emit: (type, payload, time) => this.#emit(type, payload, time),
      publishRaw: (frame) => {
        try {
          this.#bus.publish(subjects.platformRaw(CYTUBE_PLATFORM, frame.event), {
            event: frame.event,
            data: frame.data ?? null,
            time: Date.now(),
          });
        } catch {
          // closed bus: nothing to tell
        }
      },
      metrics: this.metrics,
      onReady: (info) => {
        if (this.#joinedBefore) this.metrics.reconnects.inc();
        this.#joinedBefore = true;
        this.#connectedSince = Date.now();
        this.#lastProblem = undefined;
        this.#fatal = undefined;
        this.#log.info("joined CyTube channel", { channel: info.channel, name: info.name });
      },
      onDisconnected: (reason) => {
        const wasIn = this.#connectedSince !== undefined;
        this.#connectedSince = undefined;
        this.#lastProblem = reason;
        return wasIn;
      },
      onError: (error, fatal) => {
        if (!fatal) {
          this.#lastProblem = error.message;
          return;
        }
        // The client has logged it already (once): here it only becomes the health detail.
        this.#fatal = error.message;
      },
    });
  }

  #serve(): void {
    const bus = this.#bus;
    this.#subscriptions.push(
      this.#actions = takeActions(bus, {
        platform: CYTUBE_PLATFORM,
        channel: this.source.channel,
        delivery: this.#delivery,
        onInvalid: (error, context) => {
          this.metrics.actions.inc({ action: "(invalid)", result: "invalid" });
          if (context.reply) {
            this.#reply(context.reply, refusal("invalid", `not JSON: ${error.message}`));
          }
        },
      }, async (value, context) => {
        const name = context.action;
        const decoded = decodeAction(name, value);
        // The reply waits for the server's answer (its effect, its refusal, or a timeout),
        // so "done" is never said for what CyTube refused.
        const result = decoded.ok
          ? await performAction(this.client, this.source.channel, decoded.action).catch(
            (error: unknown) => refusal("failed", `action "${name}" failed: ${String(error)}`),
          )
          : decoded.result;
        const outcome = result.ok ? "ok" : result.error.code;
        this.metrics.actions.inc({ action: decoded.ok ? name : "(invalid)", result: outcome });
        if (!result.ok) {
          this.#log.warn("action refused", { action: name, ...result.error });
        }
        if (context.reply) this.#reply(context.reply, result);
      }),
      bus.serve(subjects.platformState(CYTUBE_PLATFORM, "snapshot"), (query) => {
        if (query.channel.toLowerCase() !== this.source.channel.toLowerCase()) {
          return refusal(
            "unknown_channel",
            `this connector serves CyTube channel "${this.source.channel}", not "${query.channel}"`,
          );
        }
        return channelSnapshot(this.client.state, {
          source: this.source,
          connected: this.client.status === "ready",
          ...(this.client.serverUrl ? { server: this.client.serverUrl } : {}),
          ...(this.#connectedSince !== undefined ? { connectedSince: this.#connectedSince } : {}),
          startedAt: this.startedAt,
          configuredName: this.#userName,
        });
      }, { schema: ChannelQuerySchema }),
    );
  }

  #reply(subject: string, value: unknown): void {
    try {
      this.#bus.publish(subject, value);
    } catch (error) {
      this.#log.warn("action reply not sent", { error: String(error) });
    }
  }

  #stats(): Record<string, number> {
    const state = this.client.state;
    const events = this.#outbox.stats;
    this.metrics.sync(this.client.counters, events);
    return {
      connected: this.client.status === "ready" ? 1 : 0,
      users: state.users.length,
      playlist: state.playlist.length,
      eventsPublished: events.published,
      eventBacklog: events.backlog,
      eventsOverflowed: events.overflowed,
      reconnects: this.metrics.reconnects.get(),
    };
  }
}
