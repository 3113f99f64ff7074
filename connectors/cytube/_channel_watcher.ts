/**
 * A standby connector's eyes in the channel: one socket that joins the channel WITHOUT logging
 * in, and only listens. CyTube lets a socket join a channel anonymously (src/user.js
 * handleJoinChannel needs no login; src/channel/channel.js acceptUser puts the socket in the
 * channel's socket.io room at once), so it gets every chat line the channel's `broadcastAll`
 * sends (src/channel/chat.js sendMessage), the bot's own lines included, plus the join replay of
 * the last 15 lines. It is counted in `usercount` but is not in the userlist and announces no
 * one (sendUserJoin waits for a login), and it cannot speak (chat.js handleChatMsg ignores a
 * socket that is not logged in); it never sends anything but `joinChannel` (and the channel
 * password when asked).
 *
 * What it hears goes to `onLine` with the local time it arrived; it keeps nothing itself.
 *
 * @module
 */

import type { Logger } from "../../core/log/mod.ts";
import type { BackoffOptions } from "./_backoff.ts";
import { Connection } from "./_connection.ts";
import { toChatMessage } from "./_frame_events.ts";
import { ChannelState } from "./channel_state.ts";
import type { ChatMessage } from "./client_events.ts";
import { parseServerFrame } from "./protocol.ts";

/** Options of {@linkcode ChannelWatcher}. */
export interface ChannelWatcherOptions {
  baseUrl: string;
  channel: string;
  channelPassword?: string | undefined;
  reconnect?: BackoffOptions | undefined;
  logger: Logger;
  /** Every chat line the channel shows, in the order the server sent them. */
  onLine: (chat: ChatMessage, receivedAt: number) => void;
  /** Local clock (ms since the epoch); injectable for tests. */
  now?: () => number;
}

export class ChannelWatcher {
  readonly #options: ChannelWatcherOptions;
  readonly #connection: Connection;
  readonly #now: () => number;
  #inChannel = false;
  #closed = false;
  #passwordSent = false;
  /** The channel as this socket sees it (users and their ranks, for the lines it heard). */
  readonly state: ChannelState = new ChannelState();

  constructor(options: ChannelWatcherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const log = options.logger;
    this.#connection = new Connection({
      baseUrl: options.baseUrl,
      channel: options.channel,
      reconnect: options.reconnect,
      logger: log,
    }, {
      onOpen: () => {
        this.#passwordSent = false;
        this.state.reset();
        const { channel, channelPassword } = this.#options;
        this.#connection.emit(
          "joinChannel",
          channelPassword === undefined
            ? { name: channel }
            : { name: channel, pw: channelPassword },
        );
      },
      onFrame: (event, args) => this.#onFrame(event, args),
      onClose: ({ reason, willReconnect }) => {
        if (this.#inChannel) log.info("standby stopped watching the channel", { reason });
        this.#inChannel = false;
        if (!willReconnect && !this.#closed) {
          log.warn("standby cannot watch the channel", { reason });
        }
      },
      onError: (error) => log.debug("standby watch: connection problem", { error: error.message }),
    });
  }

  /** Whether the socket is in the channel now. */
  get inChannel(): boolean {
    return this.#inChannel;
  }

  /** Connects and joins; reconnects with the usual backoff until closed. */
  start(): void {
    if (!this.#closed) this.#connection.start();
  }

  /** Leaves the channel for good. */
  close(): void {
    this.#closed = true;
    this.#inChannel = false;
    this.#connection.close();
  }

  #onFrame(event: string, args: unknown[]): void {
    if (this.#closed) return;
    if (event === "needPassword") {
      // src/channel/accesscontrol.js: a wrong or missing password is asked for again.
      // Once per socket: a wrong password would be refused forever.
      const pw = this.#options.channelPassword;
      if (pw !== undefined && !this.#passwordSent) {
        this.#passwordSent = true;
        this.#connection.emit("channelPassword", pw);
      }
      return;
    }
    if (event === "userlist" || event === "usercount") {
      if (!this.#inChannel) this.#options.logger.info("standby watching the channel");
      this.#inChannel = true;
      this.#connection.markHealthy();
    }
    const parsed = parseServerFrame(event, args);
    if (parsed.kind !== "frame") return;
    // The userlist and rank changes reach an anonymous socket too (channel.js sendUserlist,
    // broadcastAll of addUser/setUserRank/userLeave): the ranks of the gap's lines come from here.
    this.state.apply(parsed.frame);
    if (parsed.frame.event !== "chatMsg") return;
    this.#options.onLine(toChatMessage(parsed.frame.data), this.#now());
  }
}
