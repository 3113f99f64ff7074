// deno-lint-ignore-file no-control-regex -- IRC framing (CR, LF, NUL) and CTCP (\x01) are control characters
/**
 * `IrcConnector`: IRC networks bound to NATS, as one platform (`irc`, or `twitch` for the
 * Twitch profile). Like the CyTube connector it publishes every line raw
 * (`rosey.platform.<p>.raw.<command>`), normalized envelopes on `rosey.events.*` through
 * JetStream, carries out `rosey.platform.<p>.action.<name>` and answers
 * `rosey.platform.<p>.state.snapshot`.
 *
 * A room is `<network>/<#channel>` in `source.channel` (`libera/#rosey`), so several networks
 * and channels share one platform and each reply goes back where its command came from. A
 * private message is filed under the channel the sender shares with the bot where they rank
 * highest, so the moderator shell sees a channel operator as one; the answer goes back by PM
 * on the same network.
 *
 * @module
 */
import {
  type ActionResult,
  type ActionSubscription,
  type BusSubscription,
  ChannelQuerySchema,
  type ChannelSnapshot,
  type Delivery,
  type EventBus,
  type Logger,
  RANKS,
  silentLogger,
  type Source,
  startHealthReporter,
  subjects,
  takeActions,
} from "@quicksilver/core";
// The no-loss event outbox every connector uses (core/bus/event_outbox.ts).
import { EventOutbox, eventsStreamMode, type OutboxMode } from "@quicksilver/core";
import { decodeIrcAction, type IrcAction, isIrcToken, refusal } from "./actions.ts";
import type { IrcNetworkConfig } from "./config_schema.ts";
import { IrcNetwork } from "./irc_network.ts";
import type { IrcEvent } from "./network_state.ts";

import { IRC_PLATFORM, TWITCH_PLATFORM } from "./platform.ts";
export { IRC_PLATFORM, TWITCH_PLATFORM };

/** How long a user's last message id is used as the thread parent of an answer (Twitch). */
const REPLY_PARENT_MS = 5 * 60_000;

export interface IrcConnectorOptions {
  /** `irc` or `twitch`; each network's profile must match. */
  platform: typeof IRC_PLATFORM | typeof TWITCH_PLATFORM;
  networks: IrcNetworkConfig[];
  logger?: Logger;
  /** Health and metrics period. Default 5000 ms. */
  healthIntervalMs?: number;
  /** How often a taken nick is tried again. Default 30 s. */
  regainNickMs?: number;
  /** Normalized events: JetStream (default) or core publishes. */
  events?: { durable?: boolean };
  /**
   * `nats.delivery`: how actions reach this connector (`takeActions`, one consumer for the
   * platform: this connector serves every channel of every network). Default `live`.
   */
  delivery?: Delivery;
}

/** Health as the connector sees itself. */
export interface IrcConnectorHealth {
  status: "ok" | "degraded";
  detail?: string;
}

/**
 * IRC networks on the bus.
 *
 * @example
 * ```ts ignore
 * const bus = await EventBus.connect({ servers, name: connectorRole("irc").name, creds });
 * await using irc = await IrcConnector.start(bus, {
 *   platform: "irc",
 *   networks: [{ name: "local", host: "127.0.0.1", port: 6667, nick: "rosey",
 *     channels: ["#rosey"], profile: "irc", tlsVerify: true }],
 * });
 * await irc.ready();
 * ```
 */
export class IrcConnector {
  readonly platform: string;
  readonly networks = new Map<string, IrcNetwork>();
  readonly startedAt = Date.now();
  readonly #bus: EventBus;
  readonly #delivery: Delivery;
  readonly #log: Logger;
  readonly #outbox: EventOutbox;
  readonly #persistence: string | undefined;
  readonly #subscriptions: BusSubscription[] = [];
  #actions: ActionSubscription | undefined;
  readonly #counts = { eventsOut: 0, rawIn: 0, actions: 0, refused: 0 };
  #stopHealth: () => void = () => {};
  #closed = false;

  private constructor(
    bus: EventBus,
    options: IrcConnectorOptions,
    mode: OutboxMode,
    persistence: string | undefined,
  ) {
    this.#bus = bus;
    this.platform = options.platform;
    this.#delivery = options.delivery ?? "live";
    this.#log = (options.logger ?? silentLogger).child({
      component: `connector-${options.platform}`,
    });
    this.#persistence = persistence;
    this.#outbox = new EventOutbox(bus, { mode, logger: this.#log });
    for (const config of options.networks) {
      const network: IrcNetwork = new IrcNetwork(config, {
        logger: this.#log,
        ...(options.regainNickMs !== undefined ? { regainNickMs: options.regainNickMs } : {}),
        callbacks: {
          event: (event) => this.#emit(network, event),
          raw: (line, text) => this.#raw(line.command, text),
          backlog: (line) =>
            this.#log.debug("backlog line not answered", { channel: line.params[0] ?? "" }),
        },
      });
      this.networks.set(config.name.toLowerCase(), network);
    }
  }

  /**
   * Binds the networks to the bus and starts connecting. Resolves once the action and state
   * subscriptions are live; joining goes on in the background ({@linkcode IrcConnector.ready}).
   */
  static async start(bus: EventBus, options: IrcConnectorOptions): Promise<IrcConnector> {
    const wrong = options.networks.find((network) =>
      (network.profile === "twitch") !== (options.platform === TWITCH_PLATFORM)
    );
    if (wrong) {
      throw new TypeError(
        `network "${wrong.name}" has profile ${wrong.profile}; it belongs to the ` +
          `${wrong.profile === "twitch" ? TWITCH_PLATFORM : IRC_PLATFORM} connector`,
      );
    }
    const log = options.logger ?? silentLogger;
    const [mode, persistence] = options.events?.durable === false
      ? ["core" as const, "events are published without persistence (events.durable: false)"]
      : await eventsStreamMode(bus, log);
    const connector = new IrcConnector(bus, options, mode, persistence);
    connector.#serve();
    await bus.flush();
    // Durable delivery: the action consumer exists before anyone is told we are up.
    await connector.#actions?.ready;
    connector.#stopHealth = startHealthReporter(bus, {
      component: `connector-${options.platform}`,
      ...(options.healthIntervalMs !== undefined ? { intervalMs: options.healthIntervalMs } : {}),
      stats: () => connector.#stats(),
      status: () => connector.health,
    });
    for (const network of connector.networks.values()) network.start();
    return connector;
  }

  /** Ok when every network is registered with its channels joined. */
  get health(): IrcConnectorHealth {
    const down = [...this.networks.values()].filter((n) => n.status !== "registered");
    if (down.length) {
      return {
        status: "degraded",
        detail: `not connected to ${
          down.map((n) => `${n.config.name} (${n.status}${n.problem ? `: ${n.problem}` : ""})`)
            .join(", ")
        }`,
      };
    }
    if (this.#persistence) return { status: "degraded", detail: this.#persistence };
    return { status: "ok" };
  }

  /** Resolves when every network has joined its channels. */
  async ready(timeoutMs = 10_000): Promise<void> {
    await Promise.all([...this.networks.values()].map((network) => network.ready(timeoutMs)));
  }

  /** The `source` of a channel of a network. */
  sourceOf(network: string, channel: string): Source {
    return { platform: this.platform, channel: `${network}/${channel}` };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopHealth();
    await Promise.allSettled(this.#subscriptions.map((sub) => sub.drain()));
    await Promise.allSettled([...this.networks.values()].map((network) => network.close()));
    await this.#outbox.settled(2000);
    this.#outbox.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #emit(network: IrcNetwork, event: IrcEvent) {
    const source = this.sourceOf(network.config.name, event.channel);
    if (this.#outbox.publish(event.type, source, event.payload, event.time)) {
      this.#counts.eventsOut++;
    }
  }

  #raw(command: string, line: string) {
    this.#counts.rawIn++;
    try {
      const event = /^[A-Za-z0-9]+$/.test(command) ? command.toLowerCase() : "other";
      this.#bus.publish(subjects.platformRaw(this.platform, event), { line, time: Date.now() });
    } catch {
      // closed bus: nothing to tell
    }
  }

  /**
   * Finds the network and IRC channel of a room: `net/#chan`, or a bare `#chan` when exactly
   * one network has it.
   */
  resolve(room: string): { network: IrcNetwork; channel: string } | ActionResult {
    const slash = room.indexOf("/");
    if (slash > 0) {
      const network = this.networks.get(room.slice(0, slash).toLowerCase());
      const channel = room.slice(slash + 1);
      if (!network) {
        return refusal(
          "unknown_channel",
          `no ${this.platform} network "${room.slice(0, slash)}"; rooms are written ` +
            `<network>/<#channel>, networks here: ${[...this.networks.keys()].join(", ")}`,
        );
      }
      return { network, channel };
    }
    const holders = [...this.networks.values()].filter((network) =>
      network.config.channels.some((c) => network.state.key(c) === network.state.key(room))
    );
    if (holders.length === 1) return { network: holders[0]!, channel: room };
    return refusal(
      "unknown_channel",
      holders.length
        ? `"${room}" is on several networks; write <network>/${room}`
        : `"${room}" is not a channel this connector serves; write <network>/<#channel>`,
    );
  }

  #serve() {
    const bus = this.#bus;
    this.#subscriptions.push(
      this.#actions = takeActions(bus, {
        platform: this.platform,
        delivery: this.#delivery,
        onInvalid: (error, context) => {
          if (context.reply) {
            this.#reply(context.reply, refusal("invalid", `not JSON: ${error.message}`));
          }
        },
      }, async (value, context) => {
        const name = context.action;
        const decoded = decodeIrcAction(name, value);
        this.#counts.actions++;
        const result = decoded.ok ? await this.#perform(decoded.action) : decoded.result;
        if (!result.ok) {
          this.#counts.refused++;
          this.#log.warn("action refused", { action: name, ...result.error });
        }
        if (context.reply) this.#reply(context.reply, result);
      }),
      bus.serve(
        subjects.platformState(this.platform, "snapshot"),
        (query) => this.#snapshot(query.channel),
        { schema: ChannelQuerySchema },
      ),
    );
  }

  #perform(action: IrcAction): Promise<ActionResult> | ActionResult {
    const where = this.resolve(action.value.channel);
    if ("ok" in where) return where;
    const { network, channel } = where;
    if (network.status !== "registered") {
      return refusal(
        "not_connected",
        `not connected to ${network.config.name} (${network.status})`,
      );
    }
    const twitch = network.config.profile === "twitch";
    const lane = `${action.value.origin ?? ""}|${
      "replyTo" in action.value ? action.value.replyTo ?? "" : ""
    }`;
    switch (action.name) {
      case "chat":
      case "me": {
        const v = action.value;
        const parent = twitch && v.replyTo !== undefined
          ? this.#replyParent(network, channel, v.replyTo)
          : undefined;
        return this.#send(network, {
          target: channel,
          text: v.text,
          lane,
          ...(action.name === "me" ? { action: true } : {}),
          ...(parent !== undefined ? { replyParent: parent } : {}),
        });
      }
      case "pm": {
        if (twitch) {
          return refusal(
            "unsupported",
            "Twitch has no private messages over IRC (whispers are API-only)",
          );
        }
        if (!isIrcToken(action.value.to)) {
          return refusal("invalid", `"${action.value.to}" is not a nick`);
        }
        return this.#send(network, { target: action.value.to, text: action.value.text, lane });
      }
      case "kick":
      case "ban": {
        if (twitch) {
          return refusal("unsupported", `Twitch ${action.name}s are API-only, not IRC commands`);
        }
        const user = action.value.user;
        if (!isIrcToken(user)) return refusal("invalid", `"${user}" is not a nick`);
        const need = action.name === "kick" ? RANKS.leader : RANKS.moderator;
        if (network.state.selfRank(channel) < need) {
          return refusal(
            "not_permitted",
            `the bot needs ${
              action.name === "kick" ? "halfop or op" : "op"
            } in ${channel} to ${action.name}`,
          );
        }
        const reason = (action.value.reason ?? "").replace(/[\x00-\x1f]/g, "").slice(0, 250);
        if (action.name === "ban") network.command(lane, `MODE ${channel} +b ${user}!*@*`);
        return new Promise((resolve) =>
          network.command(lane, `KICK ${channel} ${user} :${reason || action.name}`, {
            sent: () => resolve({ ok: true }),
          })
        );
      }
      case "topic": {
        if (twitch) return refusal("unsupported", "Twitch has no channel topic");
        if (network.state.selfRank(channel) < RANKS.moderator) {
          return refusal("not_permitted", `the bot needs op in ${channel} to set the topic`);
        }
        const topic = action.value.topic.replace(/[\x00-\x1f]/g, "").slice(0, 300);
        return new Promise((resolve) =>
          network.command(lane, `TOPIC ${channel} :${topic}`, { sent: () => resolve({ ok: true }) })
        );
      }
    }
  }

  #send(
    network: IrcNetwork,
    message: Parameters<IrcNetwork["send"]>[0],
  ): Promise<ActionResult> {
    return new Promise((resolve) =>
      network.send(message, {
        sent: () => resolve({ ok: true }),
        dropped: (why) => resolve(refusal("failed", `not sent: ${why}`)),
      })
    );
  }

  #replyParent(network: IrcNetwork, channel: string, user: string): string | undefined {
    const last = network.state.channel(channel)?.lastMessageId.get(network.state.key(user));
    return last && Date.now() - last.at < REPLY_PARENT_MS ? last.id : undefined;
  }

  #snapshot(room: string): ChannelSnapshot | ActionResult {
    const where = this.resolve(room);
    if ("ok" in where) return where;
    const { network, channel } = where;
    const info = network.state.channel(channel);
    const users = [...(info?.members.values() ?? [])].map((member) => ({
      name: member.nick,
      rank: network.state.rankIn(channel, member.nick),
      afk: false,
      muted: false,
    }));
    return {
      source: this.sourceOf(network.config.name, channel),
      connected: network.status === "registered" && info !== undefined,
      server: `${network.tls ? "ircs" : "irc"}://${network.host}:${network.port}`,
      ...(network.connectedSince !== undefined ? { connectedSince: network.connectedSince } : {}),
      startedAt: this.startedAt,
      self: { name: network.state.nick, rank: network.state.selfRank(channel), afk: false },
      users,
      userCount: users.length,
      playlist: [],
    };
  }

  #reply(subject: string, value: unknown) {
    try {
      this.#bus.publish(subject, value);
    } catch (error) {
      this.#log.warn("action reply not sent", { error: String(error) });
    }
  }

  #stats(): Record<string, number> {
    const networks = [...this.networks.values()];
    return {
      networks: networks.length,
      connected: networks.filter((n) => n.status === "registered").length,
      channels: networks.reduce((sum, n) => sum + n.state.channels.size, 0),
      queued: networks.reduce((sum, n) => sum + n.queued, 0),
      reconnects: networks.reduce((sum, n) => sum + n.reconnects, 0),
      backlogSkipped: networks.reduce((sum, n) => sum + n.backlogSkipped, 0),
      eventsOut: this.#counts.eventsOut,
      linesIn: this.#counts.rawIn,
      actions: this.#counts.actions,
      actionsRefused: this.#counts.refused,
    };
  }
}
