/**
 * One IRC network connection: irc-framework does the socket (TCP or TLS), CAP negotiation,
 * SASL PLAIN, registration and keep-alive pings; this class adds what a bot needs on top:
 * its own line state ({@linkcode IrcNetworkState}), joining the configured channels after
 * every registration, another nick when the configured one is taken (and taking it back when
 * it is free), reconnecting with backoff forever, and pacing everything it sends
 * ({@linkcode PacingQueue}) in lines that fit the 512-byte limit.
 *
 * @module
 */
import IRC from "irc-framework";
import { type Logger, RANKS, silentLogger } from "@quicksilver/core";
import type { IrcNetworkConfig, IrcPacing } from "./config_schema.ts";
import { type IrcLine, parseIrcLine } from "./irc_line.ts";
import { type IrcEvent, IrcNetworkState } from "./network_state.ts";
import {
  DEFAULT_IRC_PACING,
  PacingQueue,
  TWITCH_MODERATOR_PACING,
  TWITCH_USER_PACING,
} from "./pacing.ts";
import { privmsgLines } from "./outgoing.ts";

/** Twitch chat's IRC server. */
export const TWITCH_HOST = "irc.chat.twitch.tv";
/** The capabilities Twitch's chat needs for tags, badges, USERSTATE and JOIN/PART. */
export const TWITCH_CAPS = ["twitch.tv/tags", "twitch.tv/commands", "twitch.tv/membership"];
/** IRCv3 capabilities requested where offered (irc-framework adds server-time, tags...). */
export const IRC_CAPS = ["message-tags", "server-time", "multi-prefix"];
export const CTCP_VERSION = "Quicksilver IRC connector (irc-framework)";
/** Nicks tried during one registration before the connection is given up. */
export const MAX_NICK_ATTEMPTS = 8;
/** CTCP answers sent per 30 s at most: a CTCP flood cannot spend the bot's send budget. */
export const CTCP_ANSWERS_PER_30S = 5;

export type NetworkStatus = "connecting" | "registered" | "disconnected" | "closed";

export interface IrcNetworkCallbacks {
  event(event: IrcEvent): void;
  raw(line: IrcLine, text: string): void;
  /** A channel line older than our join was seen and not answered. */
  backlog?(line: IrcLine): void;
  status?(status: NetworkStatus, detail?: string): void;
}

/** One message to send: split, paced in its lane, thread-tagged on Twitch. */
export interface OutgoingText {
  target: string;
  text: string;
  action?: boolean;
  /** The lane: `origin` and `replyTo` of the action. */
  lane: string;
  /** Twitch: the message this answers (`reply-parent-msg-id`). */
  replyParent?: string;
}

export class IrcNetwork {
  readonly config: IrcNetworkConfig;
  readonly state: IrcNetworkState;
  readonly client: IRC.Client;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  status: NetworkStatus = "connecting";
  /** Why the network is not (or was not) registered: the last socket error or refusal. */
  problem: string | undefined;
  connectedSince: number | undefined;
  reconnects = 0;
  backlogSkipped = 0;
  readonly #log: Logger;
  readonly #callbacks: IrcNetworkCallbacks;
  readonly #queue: PacingQueue;
  readonly #pacing: IrcPacing;
  readonly #reconnect: { initialDelayMs: number; maxDelayMs: number };
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #regainTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #registeredBefore = false;
  #regainPending = false;
  #nickAttempts = 0;
  #ctcpSent: number[] = [];
  #readyWaiters: (() => void)[] = [];

  constructor(
    config: IrcNetworkConfig,
    options: { callbacks: IrcNetworkCallbacks; logger?: Logger; regainNickMs?: number },
  ) {
    this.config = config;
    const twitch = config.profile === "twitch";
    this.host = config.host ?? TWITCH_HOST;
    this.tls = config.tls ?? twitch;
    this.port = config.port ?? (this.tls ? 6697 : 6667);
    this.#log = (options.logger ?? silentLogger).child({ network: config.name });
    this.#callbacks = options.callbacks;
    this.#reconnect = config.reconnect ?? { initialDelayMs: 2000, maxDelayMs: 120_000 };
    this.#pacing = config.pacing ?? (twitch ? TWITCH_USER_PACING : DEFAULT_IRC_PACING);
    this.state = new IrcNetworkState({
      profile: config.profile,
      nick: config.nick,
      version: CTCP_VERSION,
    });
    this.#queue = new PacingQueue({
      pacing: this.#pacing,
      write: (line) => this.client.raw(line),
    });
    this.client = new IRC.Client({ auto_reconnect: false });
    this.client.requestCap(twitch ? TWITCH_CAPS : IRC_CAPS);
    this.#wire(options.regainNickMs ?? 30_000);
  }

  /** Starts connecting (and reconnecting until closed). */
  start(): void {
    this.#connect();
  }

  /** Resolves when registered and the configured channels are joined (or `timeoutMs`). */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.#allJoined()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#readyWaiters = this.#readyWaiters.filter((w) => w !== done);
        reject(new Error(`IRC network "${this.config.name}" not joined in ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#readyWaiters.push(done);
    });
  }

  /** Sends text to a channel or nick: split under 512 bytes, paced, in its lane. */
  send(message: OutgoingText, done?: { sent?: () => void; dropped?: (why: string) => void }) {
    const lines = privmsgLines({
      ...message,
      mask: this.state.mask ??
        `${this.state.nick}!${"x".repeat(this.state.userLen)}@${"x".repeat(this.state.hostLen)}`,
      twitch: this.config.profile === "twitch",
    });
    if (!lines.length) {
      done?.sent?.();
      return;
    }
    this.#queue.push(
      message.lane,
      lines.map((line, index) => ({
        line,
        ...(index === lines.length - 1 && done?.sent ? { sent: done.sent } : {}),
        // Any line dropped (queue full, closed) settles the action; a promise settles once.
        ...(done?.dropped ? { dropped: done.dropped } : {}),
      })),
    );
  }

  /** Sends one raw command through the pacing queue (KICK, MODE, TOPIC). */
  command(lane: string, line: string, done?: { sent?: () => void; cost?: number }) {
    this.#queue.push(lane, [{
      line,
      ...(done?.sent ? { sent: done.sent } : {}),
      ...(done?.cost ? { cost: done.cost } : {}),
    }]);
  }

  /** Lines waiting to be sent. */
  get queued(): number {
    return this.#queue.size;
  }

  async close(reason = "shutting down"): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#regainTimer);
    this.#queue.close();
    if (this.client.connection?.connected) {
      const closed = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.client.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.client.quit(reason);
      await closed;
    }
    this.client.connection?.end?.();
    this.client.removeAllListeners();
    this.#setStatus("closed");
  }

  #connect() {
    if (this.#closed) return;
    this.#setStatus("connecting");
    this.client.connect({
      host: this.host,
      port: this.port,
      tls: this.tls,
      rejectUnauthorized: this.config.tlsVerify,
      nick: this.state.nick === this.config.nick ? this.config.nick : this.state.nick,
      username: this.config.nick.slice(0, 10),
      gecos: "Quicksilver bot",
      // Our own CTCP answers (network_state.ts) replace irc-framework's VERSION reply.
      version: "",
      auto_reconnect: false,
      ...(this.config.password !== undefined ? { password: this.config.password } : {}),
      ...(this.config.sasl
        ? { account: { account: this.config.sasl.user, password: this.config.sasl.password } }
        : {}),
      // SASL refused: do not register anonymously under a nick someone owns.
      sasl_disconnect_on_fail: this.config.sasl !== undefined,
    });
  }

  #wire(regainNickMs: number) {
    const client = this.client;
    client.on("raw", (event: { line: string; from_server: boolean }) => {
      if (!event.from_server) return;
      const text = event.line.replace(/\r?\n$/, "");
      const line = parseIrcLine(text);
      if (!line) return;
      this.#callbacks.raw(line, text);
      this.#onLine(line);
    });
    client.on("registered", () => {
      this.#attempt = 0;
      this.#nickAttempts = 0;
      this.problem = undefined;
      if (this.#registeredBefore) this.reconnects++;
      this.#registeredBefore = true;
      this.connectedSince = Date.now();
      this.#setStatus("registered");
      this.#queue.resume();
      for (const channel of this.config.channels) this.command("join", `JOIN ${channel}`);
      this.#log.info("registered on IRC", { nick: this.state.nick, host: this.host });
    });
    client.on("close", () => this.#onClose());
    // A socket error (refused, TLS certificate...) arrives with the socket's close.
    client.on("socket close", (error: unknown) => {
      if (!error) return;
      this.problem = error instanceof Error ? error.message : String(error);
      this.#log.warn("IRC connection failed", { error: this.problem });
    });
    client.on("sasl failed", (event: { reason?: string; message?: string }) => {
      this.problem = `SASL login refused: ${event.message ?? event.reason ?? ""}`.trim();
      this.#log.error("SASL login refused", { reason: event.reason ?? event.message ?? "" });
    });
    // Take the configured nick back: at once when its holder is seen leaving or renaming, and
    // now and then in case they left unseen (a NICK costs 4 lines of pacing budget).
    this.#regainTimer = setInterval(() => this.#regainNick(), regainNickMs);
  }

  #onLine(line: IrcLine) {
    const outcome = this.state.handle(line);
    for (const event of outcome.events) this.#callbacks.event(event);
    for (const reply of outcome.replies) {
      const now = Date.now();
      this.#ctcpSent = this.#ctcpSent.filter((at) => at > now - 30_000);
      if (this.#ctcpSent.length >= CTCP_ANSWERS_PER_30S) continue;
      this.#ctcpSent.push(now);
      this.command("ctcp", reply);
    }
    if (outcome.backlog) {
      this.backlogSkipped++;
      this.#callbacks.backlog?.(line);
    }
    if (outcome.nickRefused !== undefined && !this.state.registered) {
      this.#nextNick(outcome.nickRefused, line.command);
    }
    if (outcome.selfBadges) {
      const mod = outcome.selfBadges.rank >= RANKS.leader;
      if (!this.config.pacing) {
        this.#queue.setPacing(mod ? TWITCH_MODERATOR_PACING : TWITCH_USER_PACING);
      }
    }
    if (line.command === "366" || line.command === "JOIN") this.#checkReady();
    // Twitch asks clients to reconnect before a server restart (dev.twitch.tv/docs/irc/commands).
    if (line.command === "RECONNECT") this.client.connection?.end?.();
    const freed = (line.command === "QUIT" || line.command === "NICK") &&
      this.state.key(line.nick) === this.state.key(this.config.nick) &&
      !this.state.isSelf(this.config.nick);
    if (freed) this.#regainNick();
    if (line.command === "NICK" && this.state.isSelf(line.params[0] ?? "")) {
      this.#log.info("nick is now", { nick: this.state.nick });
    }
  }

  #regainNick() {
    if (this.state.registered && !this.state.isSelf(this.config.nick) && !this.#regainPending) {
      this.#regainPending = true;
      this.command("nick", `NICK ${this.config.nick}`, {
        cost: 4,
        sent: () => (this.#regainPending = false),
      });
    }
  }

  /**
   * 433 (in use) or 432 (erroneous, e.g. longer than the server's NICKLEN, 9 on ngIRCd) during
   * registration: `rosey_`, `rosey__`, then up to 9 characters with digits; after
   * `MAX_NICK_ATTEMPTS` the connection is given up (and retried with backoff) with the reason
   * in health, instead of trying nicks forever.
   */
  #nextNick(refused: string, code: string) {
    const base = this.config.nick;
    this.#nickAttempts++;
    if (this.#nickAttempts > MAX_NICK_ATTEMPTS) {
      this.problem = `the server refused nick "${base}" and ${MAX_NICK_ATTEMPTS} others ` +
        `(${code === "432" ? "erroneous nickname" : "nickname in use"}); set another nick`;
      this.#log.error("no nick accepted; giving up this connection", { nick: base });
      this.client.quit("no nick accepted");
      return;
    }
    const next = this.#nickAttempts <= 2 && code === "433"
      ? `${base}${"_".repeat(this.#nickAttempts)}`
      : `${base.slice(0, 5)}${Math.floor(1000 + Math.random() * 9000)}`;
    this.state.nick = next;
    this.client.user.nick = next;
    this.#log.warn("nick refused; trying another", { refused, code, next });
    this.client.raw("NICK", next);
  }

  #allJoined(): boolean {
    return this.status === "registered" &&
      this.config.channels.every((name) => this.state.channel(name)?.synced === true);
  }

  #checkReady() {
    if (!this.#allJoined()) return;
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const wake of waiters) wake();
  }

  #onClose() {
    const channels = [...this.state.channels.values()];
    this.state.reset();
    this.state.nick = this.config.nick;
    this.#queue.pause();
    this.connectedSince = undefined;
    for (const channel of channels) {
      this.#callbacks.event({
        type: "channel.left",
        channel: channel.name,
        payload: { reason: "disconnected from the server" },
        time: Date.now(),
      });
    }
    if (this.#closed) return;
    const base = Math.min(
      this.#reconnect.maxDelayMs,
      this.#reconnect.initialDelayMs * 2 ** Math.min(this.#attempt, 20),
    );
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.#attempt++;
    this.#setStatus("disconnected", `reconnecting in ${delay} ms`);
    this.#log.warn("disconnected from IRC; reconnecting", { delayMs: delay });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #setStatus(status: NetworkStatus, detail?: string) {
    this.status = status;
    this.#callbacks.status?.(status, detail);
  }
}
