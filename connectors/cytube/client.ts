/**
 * `CytubeClient`: one bot connection to one CyTube channel, without any bus. It discovers the
 * socket.io server, joins (with the channel password if needed), logs in, keeps the channel
 * state, emits typed, decoded events, paces what it sends, and reconnects with backoff.
 *
 * @module
 */

import { type Logger, silentLogger } from "../../core/log/mod.ts";
import type { BackoffOptions } from "./_backoff.ts";
import { Connection, type FramePayload } from "./_connection.ts";
import { TypedEmitter } from "./_emitter.ts";
import {
  classifyLoginRefusal,
  stateEvent,
  toChatMessage,
  toPrivateMessage,
} from "./_frame_events.ts";
import {
  type ActionOutcome,
  MessageOutcomes,
  type OutcomeMatcher,
  OutcomeWaiters,
  refused,
} from "./_outcomes.ts";
import { ChannelState } from "./channel_state.ts";
import { classifyKick } from "./kick_reasons.ts";
import type { CytubeClientEvents, IgnoredCounters, ReadyInfo } from "./client_events.ts";
import {
  ClosedError,
  type CytubeError,
  KickedError,
  LoginFailedError,
  MalformedFrameError,
  WrongChannelPasswordError,
} from "./errors.ts";
import {
  expectsEcho,
  limitFor,
  MIN_ANTIFLOOD,
  type OutboundMessage,
  throttleCost,
} from "./flood_policy.ts";
import { type PacingMargin, PacingQueue, type PacingStats } from "./pacing_queue.ts";
import type { RateLimit } from "./_rate_model.ts";
import {
  type ClientEvent,
  type ClientFrameMap,
  parseServerFrame,
  type ServerFrame,
  type ServerFrameMap,
} from "./protocol.ts";
import { validateChannelName } from "./socket_config.ts";
import {
  CYTUBE_MAX_MESSAGE_LENGTH,
  literalChat,
  splitMessage,
  type SplitOptions,
} from "./split.ts";

/** Where the client is in its life. */
export type ClientStatus =
  | "idle"
  | "connecting"
  | "joining"
  | "ready"
  | "waiting"
  | "kicked"
  | "failed"
  | "closed";

/** Options for {@linkcode CytubeClient}. */
export interface CytubeClientOptions {
  /** The CyTube site, e.g. "https://cytu.be". */
  baseUrl: string;
  /** Channel name, `/^[\w-]{1,30}$/`. */
  channel: string;
  channelPassword?: string;
  /** With a password: account login; without: guest login. */
  user: { name: string; password?: string };
  /** Reconnect timing; the default first delay is 10 s (CyTube's per-IP connect limit). */
  reconnect?: BackoffOptions;
  /** After a kick, reconnect after this long; by default the client stays down. */
  reconnectAfterKickMs?: number;
  /** Socket connect timeout (default 20 000 ms). */
  connectTimeoutMs?: number;
  /** Guest-login refusals ("Guest logins are restricted...") to wait out (default 5). */
  maxGuestLoginRetries?: number;
  /** How long an action waits for the server's answer (default 8000 ms). */
  actionTimeoutMs?: number;
  /** Longest chat/pm chunk (default 320, the server's cap). */
  messageLimit?: number;
  pacing?: {
    maxLength?: number;
    maxRetries?: number;
    confirmTimeoutMs?: number;
    margin?: Partial<PacingMargin>;
    /**
     * The server's always-on chat limit when it is not CyTube's stock `MIN_ANTIFLOOD` (20 burst,
     * 10/s, src/channel/chat.js): a self-hosted server built with another value.
     */
    serverMinimum?: RateLimit;
  };
  signal?: AbortSignal;
  logger?: Logger;
  fetch?: typeof fetch;
}

/** A `queue` request: add media to the playlist. */
export type QueueMediaRequest = ClientFrameMap["queue"];

// Progress of the current socket; replaced on every connection.
interface Session {
  // CyTube replays the chat backlog on join before the joiner's first `userlist`, in one
  // synchronous block (src/channel/channel.js acceptUser: modules' onUserPostJoin, where
  // src/channel/chat.js replays `this.buffer`, then `sendUserlist([user])`), and live chat
  // only after it. Deciding by order needs no clock, ours or the server's.
  userlistSeen: boolean;
  joinConfirmed: boolean;
  loggedIn: boolean;
  loginSettled: boolean;
  passwordRetried: boolean;
  passwordFailurePending: boolean;
  guestRetries: number;
  kicked: string | null;
  ready: boolean;
}

// Frames only sent once we are in the channel (i.e. past any password prompt).
const JOIN_FRAMES = new Set(["channelOpts", "setPermissions", "userlist", "playlist", "usercount"]);
const PM_ERROR = /^(PM failed|You can't PM yourself|You must be signed in to send PMs)/;

/**
 * A CyTube channel connection for a bot.
 *
 * @example
 * ```ts ignore
 * import { CytubeClient } from "./client.ts";
 * await using client = new CytubeClient({
 *   baseUrl: "https://cytu.be",
 *   channel: "my_channel",
 *   user: { name: "rosey" },
 * });
 * client.on("chat", (m) => {
 *   if (m.text === "!ping") client.chat("pong");
 * });
 * await client.connect();
 * ```
 */
export class CytubeClient {
  /** The channel as last seen; read it, do not change it. */
  readonly state: ChannelState = new ChannelState();
  readonly #options: CytubeClientOptions;
  readonly #logger: Logger;
  readonly #events: TypedEmitter<CytubeClientEvents>;
  readonly #connection: Connection;
  readonly #chatQueue: PacingQueue<OutboundMessage>;
  readonly #mediaQueue: PacingQueue<QueueMediaRequest>;
  readonly #counters: IgnoredCounters = {
    backlog: 0,
    shadow: 0,
    ownChat: 0,
    ownPm: 0,
    malformed: 0,
    unknown: 0,
  };
  #terminal: "kicked" | "failed" | "closed" | undefined;
  #session: Session | undefined;
  #loginRetryTimer: ReturnType<typeof setTimeout> | undefined;
  #waiters: { resolve: (info: ReadyInfo) => void; reject: (error: unknown) => void }[] = [];
  #assumeAntiflood = false;
  #warnedNotRegistered = false;
  readonly #frameOutcomes = new OutcomeWaiters();
  readonly #messageOutcomes = new MessageOutcomes<OutboundMessage>();
  readonly #onAbort = () => void this.close();

  constructor(options: CytubeClientOptions) {
    validateChannelName(options.channel);
    this.#options = options;
    this.#logger = (options.logger ?? silentLogger).child({
      component: "cytube",
      channel: options.channel,
    });
    this.#events = new TypedEmitter((event, error) =>
      this.#logger.error("event listener threw", { event: String(event), error })
    );
    this.#connection = new Connection({
      baseUrl: options.baseUrl,
      channel: options.channel,
      reconnect: options.reconnect,
      connectTimeoutMs: options.connectTimeoutMs,
      fetch: options.fetch,
      logger: this.#logger,
    }, {
      onOpen: (info) => this.#onOpen(info),
      onFrame: (event, args) => this.#onFrame(event, args),
      onClose: (info) => this.#onClose(info),
      onError: (error) => this.#emitError(error),
    });
    const { pacing = {} } = options;
    const common = {
      ...(pacing.maxLength !== undefined ? { maxLength: pacing.maxLength } : {}),
      ...(pacing.maxRetries !== undefined ? { maxRetries: pacing.maxRetries } : {}),
      ...(pacing.confirmTimeoutMs !== undefined
        ? { confirmTimeoutMs: pacing.confirmTimeoutMs }
        : {}),
      ...(pacing.margin !== undefined ? { margin: pacing.margin } : {}),
      // Nothing may go out before we are logged in: the server drops it silently.
      startPaused: true,
      logger: this.#logger,
    };
    this.#chatQueue = new PacingQueue<OutboundMessage>({
      ...common,
      send: (m) => {
        this.#messageOutcomes.sent(m);
        if (m.kind === "pm") this.#emit("pm", { to: m.to, msg: m.msg, meta: {} });
        else this.#emit("chatMsg", m.meta ? { msg: m.msg, meta: m.meta } : { msg: m.msg });
      },
      limitFor: (m) =>
        limitFor(m, {
          options: this.state.options,
          rank: this.state.self.rank,
          assumeAntiflood: this.#assumeAntiflood,
          ...(pacing.serverMinimum ? { minimum: pacing.serverMinimum } : {}),
        }),
      costOf: throttleCost,
      laneOf: (m) => m.lane ?? "",
      expectsConfirmation: (m) => expectsEcho(m, this.state.self.rank),
      onDrop: (message, reason) => {
        this.#messageOutcomes.settle(
          message,
          refused(`the message was not sent (${reason}); try again later`),
        );
        this.#events.emit("outboundDropped", { message, reason });
      },
    });
    // CyTube's queue limiter (`src/channel/playlist.js`): 3 burst 1/s, or 10 burst 2/s at rank 2+.
    this.#mediaQueue = new PacingQueue<QueueMediaRequest>({
      ...common,
      send: (request) => this.#emit("queue", request),
      limitFor: () =>
        this.state.self.rank >= 2 ? { burst: 10, sustained: 2 } : { burst: 3, sustained: 1 },
    });
    if (options.signal?.aborted) this.#terminal = "closed";
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  get status(): ClientStatus {
    if (this.#terminal !== undefined) return this.#terminal;
    if (this.#session?.ready) return "ready";
    const state = this.#connection.state;
    if (state === "open") return "joining";
    if (state === "connecting" || state === "waiting") return state;
    return "idle";
  }

  /** The socket.io server in use (after discovery). */
  get serverUrl(): string {
    return this.#connection.serverUrl;
  }

  /** What the client skipped on purpose (backlog, own echoes) or could not parse. */
  get counters(): Readonly<IgnoredCounters> {
    return { ...this.#counters };
  }

  /** Pacing counters of the chat/pm queue and of the media queue. */
  get outboundStats(): { chat: Readonly<PacingStats>; media: Readonly<PacingStats> } {
    return { chat: this.#chatQueue.stats, media: this.#mediaQueue.stats };
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof CytubeClientEvents>(
    event: K,
    listener: (payload: CytubeClientEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  off<K extends keyof CytubeClientEvents>(
    event: K,
    listener: (payload: CytubeClientEvents[K]) => void,
  ): void {
    this.#events.off(event, listener);
  }

  /**
   * Starts (or restarts after a kick or fatal error) and resolves once joined and logged in.
   * Transient failures are retried with backoff; the promise rejects only on a fatal error
   * (wrong channel password, refused login, kick) or on close.
   */
  connect(): Promise<ReadyInfo> {
    if (this.#terminal === "closed") return Promise.reject(new ClosedError("CytubeClient"));
    if (this.#session?.ready) return Promise.resolve(this.#readyInfo());
    const promise = new Promise<ReadyInfo>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    this.#terminal = undefined;
    this.#connection.start();
    return promise;
  }

  // -------------------------------------------------------------------------------------------
  // Outbound: chat and PMs are paced and held while disconnected; other actions need a session.

  /**
   * Queues public chat, split at the message limit. Returns the number of chunks queued.
   * `lane` (e.g. the plugin and user it answers) is the fair-queueing lane: lanes take turns.
   */
  chat(text: string, options: SplitOptions & { literal?: boolean; lane?: string } = {}): number {
    this.#assertOpen();
    const { literal, lane, ...split } = options;
    const chunks = splitMessage(text, { limit: this.#messageLimit - (literal ? 1 : 0), ...split });
    for (const chunk of chunks) {
      const msg = literal ? literalChat(chunk) : chunk;
      this.#chatQueue.enqueue({ kind: "chat", msg, ...(lane === undefined ? {} : { lane }) });
    }
    return chunks.length;
  }

  /** Queues a `/me` action; every chunk keeps the `/me` prefix. */
  me(text: string): number {
    this.#assertOpen();
    const chunks = splitMessage(text, { limit: this.#messageLimit - 4, packLines: false });
    for (const chunk of chunks) this.#chatQueue.enqueue({ kind: "chat", msg: `/me ${chunk}` });
    return chunks.length;
  }

  /** Queues a private message, split at the message limit (`options.limit`, e.g. 500). */
  pm(
    to: string,
    text: string,
    options: SplitOptions & { literal?: boolean; lane?: string } = {},
  ): number {
    this.#assertOpen();
    const { literal, lane, ...split } = options;
    const chunks = splitMessage(text, { limit: this.#messageLimit - (literal ? 1 : 0), ...split });
    for (const chunk of chunks) {
      const msg = literal ? literalChat(chunk) : chunk;
      this.#chatQueue.enqueue({ kind: "pm", to, msg, ...(lane === undefined ? {} : { lane }) });
    }
    return chunks.length;
  }

  /**
   * Like {@linkcode CytubeClient.chat}, and resolves with the server's answer: ok once every
   * chunk came back as our own `chatMsg`; refused on `noflood` (muted), `spamFiltered` or a
   * pacing drop; a timeout outcome after `timeoutMs` (default `actionTimeoutMs`).
   */
  chatOutcome(
    text: string,
    options: SplitOptions & {
      literal?: boolean;
      timeoutMs?: number;
      lane?: string;
      /**
       * Chunks (as they would be emitted) the channel already shows: not sent again, counted
       * as delivered. For an action a previous connector carried out before it died.
       */
      shown?: (msg: string) => boolean;
    } = {},
  ): Promise<ActionOutcome> {
    this.#assertOpen();
    const { literal, timeoutMs, lane, shown, ...split } = options;
    const chunks = splitMessage(text, { limit: this.#messageLimit - (literal ? 1 : 0), ...split });
    const messages = chunks
      .map((chunk) => literal ? literalChat(chunk) : chunk)
      .filter((msg) => !(shown?.(msg) ?? false));
    if (messages.length === 0) return Promise.resolve({ ok: true });
    return this.#sendAll(
      messages.map((msg) => ({
        kind: "chat",
        msg,
        ...(lane === undefined ? {} : { lane }),
      })),
      "the chat message",
      timeoutMs,
    );
  }

  /**
   * Like {@linkcode CytubeClient.pm}, and resolves with the server's answer: ok once every
   * chunk was echoed to us; refused with the server's `errorMsg` ("PM failed: x isn't
   * connected to this channel.", src/channel/chat.js handlePm).
   */
  pmOutcome(
    to: string,
    text: string,
    options: SplitOptions & { literal?: boolean; timeoutMs?: number; lane?: string } = {},
  ): Promise<ActionOutcome> {
    this.#assertOpen();
    const { literal, timeoutMs, lane, ...split } = options;
    const chunks = splitMessage(text, { limit: this.#messageLimit - (literal ? 1 : 0), ...split });
    return this.#sendAll(
      chunks.map((chunk) => ({
        kind: "pm",
        to,
        msg: literal ? literalChat(chunk) : chunk,
        ...(lane === undefined ? {} : { lane }),
      })),
      `the PM to ${to}`,
      timeoutMs,
    );
  }

  async #sendAll(
    messages: OutboundMessage[],
    what: string,
    timeoutMs = this.#actionTimeoutMs,
  ): Promise<ActionOutcome> {
    const waits = messages.map((message) => {
      const outcome = this.#messageOutcomes.wait(message, timeoutMs, what);
      if (!this.#chatQueue.enqueue(message)) {
        this.#messageOutcomes.settle(message, refused("the CyTube client is closed"));
      }
      return outcome;
    });
    const outcomes = await Promise.all(waits);
    return outcomes.find((outcome) => !outcome.ok) ?? { ok: true };
  }

  /**
   * Waits for the server's answer to what `send` emits: `match` reads each later frame
   * (after the client has applied it) and returns the outcome once one settles the action.
   * When `send` returns false (not in the channel) the outcome is `disconnected` at once.
   */
  performAndWait(
    what: string,
    match: OutcomeMatcher,
    send: () => boolean,
    timeoutMs = this.#actionTimeoutMs,
  ): Promise<ActionOutcome> {
    this.#assertOpen();
    const wait = this.#frameOutcomes.wait(match, timeoutMs, what);
    if (!send()) {
      wait.settle({
        ok: false,
        code: "disconnected",
        reason: `not in CyTube channel "${this.#options.channel}" right now; try again`,
      });
    }
    return wait.outcome;
  }

  /** Kicks a user with the `/kick` chat command (the server checks our rank). */
  kick(name: string, reason = ""): void {
    this.#assertOpen();
    const msg = `/kick ${name}${reason ? ` ${reason}` : ""}`.slice(0, this.#messageLimit);
    this.#chatQueue.enqueue({ kind: "chat", msg });
  }

  /** Queues media, paced by CyTube's queue limiter. */
  queueMedia(request: QueueMediaRequest): boolean {
    this.#assertOpen();
    return this.#mediaQueue.enqueue(request);
  }

  /** Deletes a playlist item. Returns false when not ready (nothing was sent). */
  deleteMedia(uid: number): boolean {
    return this.#action("delete", uid);
  }

  /** Moves an item after another uid, or to "prepend"/"append". */
  moveMedia(from: number, after: number | "prepend" | "append"): boolean {
    return this.#action("moveMedia", { from, after });
  }

  jumpTo(uid: number): boolean {
    return this.#action("jumpTo", uid);
  }

  playNext(): boolean {
    return this.#action("playNext");
  }

  setTemp(uid: number, temp: boolean): boolean {
    return this.#action("setTemp", { uid, temp });
  }

  clearPlaylist(): boolean {
    return this.#action("clearPlaylist");
  }

  shufflePlaylist(): boolean {
    return this.#action("shufflePlaylist");
  }

  voteskip(): boolean {
    return this.#action("voteskip");
  }

  /** Gives the leader to `name` ("" removes it). Without permission the server kicks us. */
  assignLeader(name: string): boolean {
    return this.#action("assignLeader", { name });
  }

  /** Sends a playback update; only the leader's updates are applied. */
  mediaUpdate(update: ClientFrameMap["mediaUpdate"]): boolean {
    return this.#action("mediaUpdate", update);
  }

  /** Pauses (or resumes) the current media; needs the leader. */
  setPaused(paused: boolean): boolean {
    const now = this.state.nowPlaying;
    if (now === null) return false;
    return this.mediaUpdate({
      id: now.media.id,
      currentTime: now.currentTime,
      paused,
      type: now.media.type,
    });
  }

  /** Stops everything: socket, timers, queues. Idempotent. */
  close(): Promise<void> {
    const first = this.#terminal !== "closed" || this.#session !== undefined;
    this.#terminal = "closed";
    this.#session = undefined;
    this.#connection.close();
    clearTimeout(this.#loginRetryTimer);
    this.#chatQueue.close();
    this.#mediaQueue.close();
    const closed = "the CyTube client was closed";
    this.#frameOutcomes.failAll(closed);
    this.#messageOutcomes.settleAll({ ok: false, code: "disconnected", reason: closed });
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#rejectWaiters(new ClosedError("CytubeClient"));
    if (first) this.#events.emit("closed", { reason: "closed" });
    this.#events.removeAll();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -------------------------------------------------------------------------------------------
  // Session lifecycle

  get #actionTimeoutMs(): number {
    return this.#options.actionTimeoutMs ?? 8000;
  }

  get #messageLimit(): number {
    return this.#options.messageLimit ?? CYTUBE_MAX_MESSAGE_LENGTH;
  }

  #assertOpen(): void {
    if (this.#terminal === "closed") throw new ClosedError("CytubeClient");
  }

  #emit<K extends ClientEvent>(event: K, ...payload: FramePayload<K>): void {
    this.#connection.emit(event, ...payload);
  }

  #action<K extends ClientEvent>(event: K, ...payload: FramePayload<K>): boolean {
    this.#assertOpen();
    if (this.#session?.ready !== true) {
      this.#logger.warn("action skipped: not connected", { event });
      return false;
    }
    return this.#connection.emit(event, ...payload);
  }

  #onOpen(info: { serverUrl: string; attempt: number }): void {
    this.#session = {
      userlistSeen: false,
      joinConfirmed: false,
      loggedIn: false,
      loginSettled: false,
      passwordRetried: false,
      passwordFailurePending: false,
      guestRetries: 0,
      kicked: null,
      ready: false,
    };
    this.state.reset();
    this.#assumeAntiflood = false;
    // A new socket has fresh limiters on the server.
    this.#chatQueue.resetLimiter();
    this.#mediaQueue.resetLimiter();
    this.#events.emit("connected", info);
    const { channel, channelPassword } = this.#options;
    this.#emit(
      "joinChannel",
      channelPassword === undefined ? { name: channel } : { name: channel, pw: channelPassword },
    );
    this.#sendLogin();
  }

  #sendLogin(): void {
    const { name, password } = this.#options.user;
    if (this.#session) this.#session.loginSettled = false;
    this.#emit("login", password ? { name, pw: password } : { name });
  }

  #onClose(info: { reason: string; willReconnect: boolean; delayMs: number | null }): void {
    const session = this.#session;
    this.#session = undefined;
    this.#chatQueue.pause();
    this.#mediaQueue.pause();
    this.#chatQueue.requeueInFlight();
    clearTimeout(this.#loginRetryTimer);
    // Chat and PMs are re-sent after the reconnect; a playlist or moderation action is not.
    this.#frameOutcomes.failAll("the CyTube connection dropped before the server answered");
    if (!info.willReconnect && session?.kicked != null && this.#terminal === undefined) {
      this.#terminal = "kicked";
      const kick = classifyKick(session.kicked);
      this.#rejectWaiters(
        new KickedError(this.#options.channel, session.kicked, { final: true, why: kick.why }),
      );
    }
    this.#events.emit("disconnected", info);
  }

  // A fatal error: stop, and tell whoever waits on connect().
  #fail(error: CytubeError): void {
    this.#terminal = "failed";
    this.#emitError(error);
    this.#rejectWaiters(error);
    this.#connection.stop(error.message);
  }

  // The one place a CyTube error is logged: the connector only turns it into health.
  #emitError(error: CytubeError): void {
    // Fatal: the client stops (#fail sets "failed" first) or a final kick; a refusal that is
    // retried (a guest name still in use) is only a warning.
    const fatal = this.#terminal === "failed" || (error instanceof KickedError && error.final);
    if (fatal) this.#logger.error(error.message, { code: error.code });
    else this.#logger.warn(error.message, { code: error.code });
    this.#events.emit("error", error);
  }

  #rejectWaiters(error: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  #readyInfo(): ReadyInfo {
    const self = this.state.self;
    return {
      channel: this.#options.channel,
      name: self.name ?? this.#options.user.name,
      rank: self.rank,
      guest: self.guest,
      serverUrl: this.#connection.serverUrl,
    };
  }

  #checkReady(session: Session): void {
    if (session.ready || !session.joinConfirmed || !session.loggedIn) return;
    session.ready = true;
    this.#connection.markHealthy();
    this.#chatQueue.resume();
    this.#mediaQueue.resume();
    const info = this.#readyInfo();
    this.#logger.info("ready", { name: info.name, rank: info.rank });
    this.#events.emit("ready", info);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve(info);
  }

  // -------------------------------------------------------------------------------------------
  // Inbound

  #onFrame(event: string, args: unknown[]): void {
    const session = this.#session;
    if (session === undefined) return;
    const parsed = parseServerFrame(event, args);
    if (parsed.kind === "unknown") {
      this.#counters.unknown++;
      return;
    }
    if (parsed.kind === "malformed") {
      const count = ++this.#counters.malformed;
      this.#logger.warn("malformed frame skipped", { event, issues: parsed.issues, count });
      const error = new MalformedFrameError(event, parsed.issues);
      this.#events.emit("malformed", { event, issues: parsed.issues, count, error });
      return;
    }
    this.state.apply(parsed.frame);
    this.#handle(session, parsed.frame);
    this.#frameOutcomes.check(parsed.frame);
    if (session === this.#session) this.#events.emit("frame", parsed.frame);
  }

  #isSelf(name: string): boolean {
    const self = this.state.self.name;
    return self !== null && self.toLowerCase() === name.toLowerCase();
  }

  #handle(session: Session, frame: ServerFrame): void {
    if (frame.event === "userlist") session.userlistSeen = true;
    if (JOIN_FRAMES.has(frame.event) && !session.joinConfirmed) {
      session.joinConfirmed = true;
      this.#checkReady(session);
    }
    switch (frame.event) {
      case "needPassword":
        return this.#onNeedPassword(session);
      case "channelNotRegistered":
        // Guests may join any name and get this (src/channel/channel.js acceptUser): most
        // often a misspelt channel, where the bot would sit alone in an empty room.
        if (!this.#warnedNotRegistered) {
          this.#warnedNotRegistered = true;
          this.#logger.warn(
            `CyTube channel "${this.#options.channel}" is not registered on this server: if ` +
              `that is a typo, fix connectors.cytube.channels in rosey.yaml (the bot joined an ` +
              `empty, unregistered channel)`,
            { code: "CHANNEL_NOT_REGISTERED" },
          );
        }
        return;
      case "cancelNeedPassword":
        session.passwordFailurePending = false;
        return;
      case "login":
        return this.#onLogin(session, frame.data);
      case "channelOpts":
        this.#assumeAntiflood = false;
        this.#chatQueue.refresh();
        return;
      case "rank":
      case "setUserRank":
        // Our rank decides the flood limits.
        this.#chatQueue.refresh();
        this.#mediaQueue.refresh();
        break;
      case "chatMsg":
        return this.#onChat(session, frame.data);
      case "pm":
        return this.#onPm(frame.data);
      case "cooldown":
        return this.#onCooldown(frame.data);
      case "noflood":
      case "spamFiltered": {
        // The server answered our chat line without echoing it.
        const reason = frame.event === "noflood"
          ? frame.data.msg
          : `the channel's spam filter held the message (${frame.data.reason})`;
        this.#messageOutcomes.settle(
          this.#chatQueue.confirm((m) => m.kind === "chat"),
          refused(reason),
        );
        break;
      }
      case "errorMsg":
        if (PM_ERROR.test(frame.data.msg)) {
          this.#messageOutcomes.settle(
            this.#chatQueue.confirm((m) => m.kind === "pm"),
            refused(frame.data.msg),
          );
        }
        break;
      case "kick": {
        const reason = frame.data.reason;
        const kick = classifyKick(reason);
        const final = kick.kind === "final" && this.#options.reconnectAfterKickMs === undefined;
        // A transient refusal (the channel could not be loaded, a restart) is retried with the
        // usual backoff; a final one is respected, unless the operator asked to come back.
        if (kick.kind === "final") {
          session.kicked = reason;
          this.#connection.holdAfterDisconnect(this.#options.reconnectAfterKickMs);
        }
        this.#events.emit("kicked", { reason, final });
        this.#emitError(new KickedError(this.#options.channel, reason, { final, why: kick.why }));
        return;
      }
      case "queueFail":
        // The server's queue limiter spoke: slow the media queue down.
        if (frame.data.msg === "You are adding videos too quickly") {
          this.#mediaQueue.serverCooldown(1000);
        }
        break;
      default:
        break;
    }
    const out = stateEvent(frame, this.state);
    if (out !== undefined) this.#events.emit(out.event, out.payload as never);
  }

  #onNeedPassword(session: Session): void {
    const password = this.#options.channelPassword;
    if (password !== undefined && !session.passwordRetried) {
      session.passwordRetried = true;
      this.#emit("channelPassword", password);
      return;
    }
    // A moderator login (rank >= 2) bypasses the password: wait for its result first.
    if (this.#options.user.password && !session.loginSettled) {
      session.passwordFailurePending = true;
      return;
    }
    this.#fail(new WrongChannelPasswordError(this.#options.channel, password !== undefined));
  }

  #onLogin(session: Session, data: ServerFrameMap["login"]): void {
    session.loginSettled = true;
    if (data.success) {
      session.loggedIn = true;
      if (session.passwordFailurePending && this.state.self.rank < 2) {
        const given = this.#options.channelPassword !== undefined;
        return this.#fail(new WrongChannelPasswordError(this.#options.channel, given));
      }
      return this.#checkReady(session);
    }
    const error = new LoginFailedError(
      this.#options.user.name,
      data.error,
      !this.#options.user.password,
    );
    const refusal = classifyLoginRefusal(data.error);
    if (refusal.kind === "guest-delay") {
      if (session.guestRetries >= (this.#options.maxGuestLoginRetries ?? 5)) {
        return this.#fail(error);
      }
      session.guestRetries++;
      session.loginSettled = false;
      this.#logger.info("guest login delayed by the server; retrying", {
        delayMs: refusal.delayMs,
      });
      clearTimeout(this.#loginRetryTimer);
      this.#loginRetryTimer = setTimeout(() => {
        this.#loginRetryTimer = undefined;
        if (session === this.#session) this.#sendLogin();
      }, refusal.delayMs);
      return;
    }
    if (refusal.kind === "name-in-use") {
      this.#emitError(error);
      this.#connection.restart("name in use");
      return;
    }
    if (session.passwordFailurePending) {
      const given = this.#options.channelPassword !== undefined;
      return this.#fail(new WrongChannelPasswordError(this.#options.channel, given));
    }
    this.#fail(error);
  }

  #onChat(session: Session, data: ServerFrameMap["chatMsg"]): void {
    if (!session.userlistSeen) {
      this.#counters.backlog++;
      // The connector decides (by its chat position) whether a replayed line is new to it.
      if (!this.#isSelf(data.username) && data.meta.shadow !== true) {
        this.#events.emit("backlogChat", toChatMessage(data));
      }
      return;
    }
    if (this.#isSelf(data.username)) {
      this.#counters.ownChat++;
      this.#messageOutcomes.settle(this.#chatQueue.confirm((m) => m.kind === "chat"), {
        ok: true,
      });
      this.#events.emit("ownChat", toChatMessage(data));
      return;
    }
    if (data.meta.shadow === true) {
      // Invisible to the channel: answering it in public would show what the mute hides.
      this.#counters.shadow++;
      this.#events.emit("shadowChat", toChatMessage(data));
      return;
    }
    this.#events.emit("chat", toChatMessage(data));
  }

  #onPm(data: ServerFrameMap["pm"]): void {
    if (this.#isSelf(data.username)) {
      this.#counters.ownPm++;
      this.#messageOutcomes.settle(this.#chatQueue.confirm((m) => m.kind === "pm"), {
        ok: true,
      });
      this.#events.emit("ownPm", toPrivateMessage(data));
      return;
    }
    this.#events.emit("pm", toPrivateMessage(data));
  }

  #onCooldown(cooldownMs: number): void {
    this.#chatQueue.serverCooldown(cooldownMs);
    // The value is 1000 / sustained of the limit the server applied. Slower than
    // MIN_ANTIFLOOD means the channel's antiflood is on even if channelOpts did not say so.
    if (cooldownMs > 1000 / MIN_ANTIFLOOD.sustained + 1 && !this.#assumeAntiflood) {
      this.#assumeAntiflood = true;
      this.#logger.warn("server throttled chat harder than expected; assuming chat_antiflood", {
        cooldownMs,
      });
      this.#chatQueue.refresh();
    }
  }
}
