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
  KvLease,
  leaseKeyToken,
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
import { type ChatCursor, chatLineId } from "./chat_cursor.ts";
import { ReplayGate } from "./_replay_gate.ts";
import type { ChatMessage } from "./client_events.ts";
import { ChannelWatcher } from "./_channel_watcher.ts";
import { CLOCK_MARGIN_MS, WatchRecord } from "./_watch_record.ts";
import { messagePayload } from "./normalize.ts";
import { EVENT_TYPES } from "@quicksilver/core";

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
  /**
   * Failover: join only while holding the channel's lease (`rosey_leases`, key
   * `cytube.<channel>`), renewed every `renewMs` (default 1000) and taken over by a standby
   * when not renewed for `expireMs` (default 4000). `false`: join at once, no lease (tests,
   * tools). Default on.
   */
  lease?: false | { renewMs?: number; expireMs?: number; holder?: string };
  /** The `component` of its health reports. Default "connector-cytube". */
  healthComponent?: string;
}

/** Whether this process serves the channel now. */
export type ConnectorRole = "active" | "standby";

/** Health as the connector sees itself. */
export interface ConnectorHealth {
  status: "ok" | "degraded";
  detail?: string;
}

const STANDBY_SUFFIX = " (standby)";

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
  #client: CytubeClient;
  readonly #options: CytubeConnectorOptions;
  readonly #healthComponent: string;
  #lease: KvLease<ChatCursor> | undefined;
  // Where we are in the channel's chat; carried in the lease so a standby continues from it.
  readonly #replay: ReplayGate;
  #healthIntervalMs: number | undefined;
  // Standby: an anonymous socket in the channel and what it heard (see #watch); kept after a
  // takeover until the next loss, to check the actions the dead holder left unacked.
  #watcher: ChannelWatcher | undefined;
  #watched: WatchRecord | undefined;
  readonly #clientWatchers = new Set<(client: CytubeClient) => void>();

  private constructor(
    bus: EventBus,
    options: CytubeConnectorOptions,
    mode: OutboxMode,
    persistence: string | undefined,
  ) {
    this.#bus = bus;
    this.#log = (options.logger ?? silentLogger).child({
      component: "connector-cytube",
      channel: options.channel,
    });
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
    this.#options = options;
    this.#healthComponent = options.healthComponent ?? "connector-cytube";
    this.#client = this.#newClient();
    this.#replay = new ReplayGate(this.#userName, (cursor) => this.#lease?.setData(cursor));
  }

  /** The CyTube client of the current tenure (a fresh one after every lease loss). */
  get client(): CytubeClient {
    return this.#client;
  }

  #newClient(): CytubeClient {
    const options = this.#options;
    return new CytubeClient({
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
    connector.#wireClient(connector.#client);
    connector.#serve();
    await bus.flush();
    connector.#healthIntervalMs = options.healthIntervalMs;
    if (options.lease === false) {
      connector.#takeActions();
      // Durable delivery: the action consumer exists before anyone is told we are up.
      await connector.#actions?.ready;
      connector.#reportHealth();
      connector.#join();
      return connector;
    }
    const lease = options.lease ?? {};
    try {
      connector.#lease = await KvLease.start<ChatCursor>(bus, {
        key: `${CYTUBE_PLATFORM}.${leaseKeyToken(options.channel)}`,
        holder: lease.holder ?? `${Deno.hostname()}:${Deno.pid}`,
        ...(lease.renewMs !== undefined ? { renewMs: lease.renewMs } : {}),
        ...(lease.expireMs !== undefined ? { expireMs: lease.expireMs } : {}),
        logger: connector.#log,
        onAcquired: (cursor) => connector.#onLeaseAcquired(cursor),
        onLost: (reason) => connector.#onLeaseLost(reason),
        onSuspended: (reason) => connector.#onLeaseSuspended(reason),
        onResumed: () => connector.#onLeaseResumed(),
      });
    } catch (error) {
      await connector.close();
      throw error;
    }
    // Reported as a standby until the lease is ours (the lease calls back when it is).
    if (connector.#lease.state !== "active") {
      connector.#watch();
      connector.#reportHealth();
    }
    return connector;
  }

  /** "active" while this process serves the channel; "standby" while another one does. */
  get role(): ConnectorRole {
    return this.#lease === undefined || this.#lease.state === "active" ? "active" : "standby";
  }

  /** Ok once in the channel, or standing by; degraded with the reason otherwise. */
  get health(): ConnectorHealth {
    if (this.role === "standby") {
      const holder = this.#lease?.otherHolder;
      return {
        status: "ok",
        detail: `standby for CyTube channel ${this.source.channel}` +
          (holder ? `, served by ${holder}` : "") +
          (this.#watcher?.inChannel ? ", watching it" : ", not watching it yet"),
      };
    }
    if (this.#fatal) return { status: "degraded", detail: this.#fatal };
    if (this.#lease?.suspended) {
      return {
        status: "degraded",
        detail: `lease renewals failing (KV unreachable): in CyTube channel ` +
          `${this.source.channel} but not acting, ${this.#outbox.stats.backlog} events held`,
      };
    }
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
      const offs: (() => void)[] = [];
      const timer = setTimeout(() => {
        for (const off of offs) off();
        reject(new Error(`CyTube channel "${this.source.channel}" not joined in ${timeoutMs} ms`));
      }, timeoutMs);
      const watch = (client: CytubeClient) => {
        offs.push(client.on("ready", (info) => {
          clearTimeout(timer);
          for (const off of offs) off();
          resolve(info);
        }));
      };
      watch(this.client);
      // A standby gets a new client when it takes the lease over.
      this.#clientWatchers.add(watch);
      offs.push(() => this.#clientWatchers.delete(watch));
    });
  }

  /**
   * Leaves the channel, stops serving, waits (briefly) for queued events to be stored, and
   * hands the lease (with the chat position) to a standby.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopHealth();
    // Actions under way finish (queued replies are sent) unless the channel is out of reach:
    // a chat held for a reconnect would keep the drain, and the lease, forever; closing the
    // client settles it.
    const drained = Promise.allSettled([
      ...this.#subscriptions.map((sub) => sub.drain()),
      this.#stopActions(),
    ]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([drained, new Promise((resolve) => timer = setTimeout(resolve, 3000))]);
    clearTimeout(timer);
    this.#stopWatching();
    await this.client.close();
    await drained;
    await this.#outbox.settled(2000);
    this.#outbox.close();
    await this.#lease?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Whether this process may act for the channel now: no lease, or a lease renewed recently
   * enough that no standby can have taken it (a paused or cut-off holder stops at once).
   */
  #acting(): boolean {
    return !this.#closed && (this.#lease === undefined || this.#lease.valid());
  }

  /**
   * Whether what happens in the channel may go to the outbox: while acting, and while the
   * lease is suspended (the outbox holds it then; published on resume, dropped on loss).
   */
  #recording(): boolean {
    if (this.#closed || this.#lease === undefined) return !this.#closed;
    return this.#lease.valid() || this.#lease.suspended;
  }

  #join(): void {
    this.#client.connect().catch(() => {
      // Fatal refusals arrive as `error` events and are logged there; close() rejects too.
    });
  }

  #reportHealth(): void {
    this.#stopHealth();
    if (this.#closed) return;
    const standby = this.role === "standby";
    this.#stopHealth = startHealthReporter(this.#bus, {
      component: this.#healthComponent + (standby ? STANDBY_SUFFIX : ""),
      ...(this.#healthIntervalMs !== undefined ? { intervalMs: this.#healthIntervalMs } : {}),
      ...(standby ? {} : { metrics: this.metrics.registry, stats: () => this.#stats() }),
      status: () => this.health,
    });
  }

  #onLeaseAcquired(cursor: unknown): void {
    if (this.#closed) return;
    // The previous holder's position: replayed lines after it are answered, none twice.
    const from = this.#replay.resume(cursor);
    // What was said while no bot was in the channel, as the watcher heard it: published now,
    // after the position taken over; the watcher goes on until the new session is in.
    const heard = this.#publishWatched();
    this.#log.info("serving CyTube channel (lease acquired)", { cursor: from, ...heard });
    this.#takeActions();
    this.#reportHealth();
    this.#join();
  }

  #onLeaseSuspended(reason: string): void {
    if (this.#closed) return;
    // Keep the channel and hold what happens in it: a JetStream leader election makes KV
    // unreachable for everyone for seconds, and leaving would lose the chat of that gap.
    this.#outbox.hold();
    this.#log.warn("lease suspended: staying in CyTube channel, holding events", { reason });
  }

  #onLeaseResumed(): void {
    if (this.#closed) return;
    const held = this.#outbox.stats.backlog;
    this.#outbox.release();
    this.#log.info("lease renewed again: publishing held events", { held });
  }

  #onLeaseLost(reason: string): void {
    if (this.#closed) return;
    // What was queued while cut off from NATS, or held while the lease was suspended, is the
    // successor's now (it continues from the position in the lease, which the suspended lease
    // did not move past what was held).
    const dropped = this.#outbox.discardQueued();
    this.#outbox.release();
    this.#log.warn("leaving CyTube channel: lease lost", { reason, droppedEvents: dropped });
    void this.#stopActions();
    const old = this.#client;
    this.#client = this.#newClient();
    this.#connectedSince = undefined;
    this.#wireClient(this.#client);
    void old.close();
    this.#watch();
    this.#reportHealth();
  }

  /**
   * Standby: joins the channel anonymously and records what it hears (_channel_watcher.ts,
   * _watch_record.ts). Nothing is published and nothing is said while standing by.
   */
  #watch(): void {
    if (this.#closed || this.#watcher !== undefined || this.role !== "standby") return;
    const watched = new WatchRecord(this.#userName);
    this.#watched = watched;
    const options = this.#options;
    this.#watcher = new ChannelWatcher({
      baseUrl: options.server,
      channel: options.channel,
      channelPassword: options.channelPassword,
      reconnect: options.reconnect,
      logger: this.#log,
      onLine: (chat, at) => {
        watched.add(chat, at);
        // Taking over and not in yet: the watcher is the channel's live feed until then.
        if (this.role === "active") this.#publishWatched();
      },
    });
    this.#watcher.start();
  }

  /** The new session is in the channel: it hears everything from now on. */
  #stopWatching(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** Publishes the chat the watcher heard after the chat position, oldest first. */
  #publishWatched(): { watched: number; published: number } {
    const lines = this.#watched?.takeChat() ?? [];
    let published = 0;
    for (const chat of lines) {
      if (!this.#recording() || !this.#replay.admitWatched(chat)) continue;
      published++;
      this.#emit(
        EVENT_TYPES.message,
        // Ranks as the watcher saw them: the new session's state may still be empty here.
        messagePayload(this.#watcher?.state ?? this.client.state, chat),
        chat.time,
        chatLineId(this.source.channel, chat),
      );
    }
    return { watched: lines.length, published };
  }

  #admitChat(chat: ChatMessage, replayed: boolean): boolean {
    return this.#recording() && this.#replay.admit(chat, replayed);
  }

  #emit(type: EventType, payload: unknown, time?: number, id?: string): void {
    if (!this.#recording()) return;
    if (this.#outbox.publish(type, this.source, payload, time, id)) {
      this.metrics.eventsOut.inc({ type });
    }
  }

  #wireClient(client: CytubeClient): void {
    for (const watch of this.#clientWatchers) watch(client);
    // Each socket gets the replay first: decided once per socket, before its first line.
    client.on("connected", () => this.#replay.socketConnected());
    bridgeClientEvents(client, {
      emit: (type, payload, time, id) => this.#emit(type, payload, time, id),
      admitChat: (chat, replayed) => this.#admitChat(chat, replayed),
      chatId: (chat) => chatLineId(this.source.channel, chat),
      publishRaw: (frame) => {
        if (!this.#acting()) return;
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
        this.#replay.joined();
        if (this.#watcher !== undefined) {
          this.#publishWatched();
          this.#stopWatching();
        }
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
    this.#subscriptions.push(
      this.#bus.subscribe(subjects.platformState(CYTUBE_PLATFORM, "snapshot"), (value, context) => {
        const query = ChannelQuerySchema.safeParse(value);
        if (!query.success || !context.reply || !this.#servesChannelOf(query.data)) return;
        this.#reply(context.reply, this.#snapshot());
      }),
    );
  }

  /**
   * Takes this channel's actions while it serves the channel: from the start without a lease,
   * else from each lease acquisition to its loss. A standby takes none: in durable delivery the
   * active and the standby would share the one consumer of the channel's actions, and every
   * action the standby pulled would wait for a redelivery.
   */
  #takeActions(): void {
    if (this.#actions !== undefined || this.#closed) return;
    this.#actions = takeActions(this.#bus, {
      platform: CYTUBE_PLATFORM,
      channel: this.source.channel,
      delivery: this.#delivery,
      onInvalid: (error, context) => {
        if (!this.#acting()) return;
        this.metrics.actions.inc({ action: "(invalid)", result: "invalid" });
        if (context.reply) {
          this.#reply(context.reply, refusal("invalid", `not JSON: ${error.message}`));
        }
      },
    }, async (value, context) => {
      // Every CyTube connector (each channel) hears these subjects in live delivery: only the
      // active one of the action's channel answers; the others stay silent.
      if (!this.#servesChannelOf(value)) {
        // Durable: taken in the moment the lease went; the throw hands it back to the stream
        // for the channel's next active connector instead of acking it unanswered.
        if (this.#delivery === "durable" && !this.#acting()) {
          throw new Error("this connector no longer serves the channel");
        }
        return;
      }
      const name = context.action;
      const decoded = decodeAction(name, value);
      // Handed out before: maybe to a holder that died between saying it and its ack. A chunk
      // the watcher saw the channel show as the bot's, after the action was stored, is not
      // said again (each seen line vouches for one chunk; what is left: _watch_record.ts).
      const watched = this.#watched;
      let shownChunks = 0;
      const shown = context.redelivered && watched !== undefined
        ? (msg: string) => {
          const seen = watched.claim(msg, (context.storedAt ?? 0) - CLOCK_MARGIN_MS);
          if (seen) {
            shownChunks++;
            this.metrics.actions.inc({ action: name, result: "already_shown" });
          }
          return seen;
        }
        : undefined;
      // The reply waits for the server's answer (its effect, its refusal, or a timeout),
      // so "done" is never said for what CyTube refused.
      const result = decoded.ok
        ? await performAction(
          this.client,
          this.source.channel,
          decoded.action,
          shown ? { shown } : {},
        ).catch(
          (error: unknown) => refusal("failed", `action "${name}" failed: ${String(error)}`),
        )
        : decoded.result;
      if (context.redelivered) {
        // A handful at a takeover: the actions the previous holder died holding.
        this.#log.info("redelivered action handled", {
          action: name,
          chunksAlreadyInChannel: shownChunks,
        });
      }
      const outcome = result.ok ? "ok" : result.error.code;
      this.metrics.actions.inc({ action: decoded.ok ? name : "(invalid)", result: outcome });
      if (!result.ok) {
        this.#log.warn("action refused", { action: name, ...result.error });
      }
      if (context.reply) this.#reply(context.reply, result);
    });
  }

  /** Stops taking actions (the lease is lost, or closing); those under way finish. */
  #stopActions(): Promise<void> {
    const actions = this.#actions;
    this.#actions = undefined;
    return actions ? actions.drain().catch(() => {}) : Promise.resolve();
  }

  /** Whether `value` (an action or query) names our channel and we are its active connector. */
  #servesChannelOf(value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    const channel = (value as { channel?: unknown }).channel;
    return typeof channel === "string" &&
      channel.toLowerCase() === this.source.channel.toLowerCase() && this.#acting();
  }

  #snapshot(): unknown {
    return channelSnapshot(this.client.state, {
      source: this.source,
      connected: this.client.status === "ready",
      ...(this.client.serverUrl ? { server: this.client.serverUrl } : {}),
      ...(this.#connectedSince !== undefined ? { connectedSince: this.#connectedSince } : {}),
      startedAt: this.startedAt,
      configuredName: this.#userName,
    });
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
