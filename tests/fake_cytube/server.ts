/**
 * A fake CyTube server for tests: a real socket.io v4 server on `node:http` (127.0.0.1, a
 * free port) that speaks the subset of the protocol in NOTES-CYTUBE.md, plus a control API to
 * play the other users and to inspect what the bot sent. Tests run against it the way
 * nats.js tests run against a real nats-server: no mocks of the socket layer.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Server } from "socket.io";
import { FakeChannel } from "./_channel.ts";
import { makeMedia } from "./_playlist.ts";
import type { ThrottleParams } from "./_rate_limiter.ts";
import { formatChatHtml } from "./_xss.ts";
import { Waiters } from "./wait.ts";

/** How the fake behaves; every field has a default matching a stock CyTube 3.86. */
export interface FakeCytubeOptions {
  /** Channel served (default "fake_channel"); joining another name gets a kick. */
  channel?: string;
  /** Channel password; unset means none. */
  channelPassword?: string;
  /** Registered accounts, by name. */
  accounts?: Record<string, { password: string; rank: number }>;
  /** One guest login per IP per this many seconds (default 60, as CyTube). */
  guestLoginDelaySeconds?: number;
  /** `max-chat-message-length` (default 320). */
  maxMessageLength?: number;
  /** `chat_antiflood` channel option (default false). */
  chatAntiflood?: boolean;
  /** `chat_antiflood_params` (default 4 burst, 1/s, 4 s cooldown). */
  chatAntifloodParams?: ThrottleParams;
  /**
   * Replaces CyTube's always-on chat limit `MIN_ANTIFLOOD` (20 burst, 10/s; a constant in
   * src/channel/chat.js that a self-hosted server can change). Load runs (`deno task chaos`)
   * lift it, with the connector's `chatLimit`, to drive more than 10 replies a second.
   */
  minAntiflood?: ThrottleParams;
  /** Enforce antiflood but advertise `chat_antiflood: false`, to test recovery from drops. */
  hideAntiflood?: boolean;
  /** Extra channel options merged over the defaults. */
  channelOpts?: Record<string, unknown>;
  /** Permission overrides. */
  permissions?: Record<string, number>;
  /** The server's clock minus the test's, in ms (default 0); stamps every `time`. */
  clockOffsetMs?: number;
  /** Chat replayed to every joining socket, `ageMs` old (default 60 s). */
  backlog?: { username: string; msg: string; ageMs?: number; meta?: Record<string, unknown> }[];
  /** Users already in the channel (no socket). */
  users?: { name: string; rank?: number }[];
  /** Initial playlist; the first item is playing. */
  playlist?: {
    id: string;
    type?: string;
    title?: string;
    seconds?: number;
    temp?: boolean;
    queueby?: string;
  }[];
  /** `usercount` broadcasts at most this often (default 10 000 ms, USERCOUNT_THROTTLE). */
  usercountThrottleMs?: number;
  /** The server's database is down: every join is kicked with "Please try again later." */
  databaseDown?: boolean;
  /** Registered channel (default false: joiners get `channelNotRegistered`). */
  registered?: boolean;
  /**
   * Replaces the `/socketconfig/<channel>.json` reply; gets the server's own URL and the
   * channel asked for. A partitioned CyTube answers each channel with the server of its
   * partition (src/io/cluster/partitiondecider.js), which is how one site serves a channel
   * from another fake server.
   */
  socketConfig?: (url: string, channel: string) => unknown;
}

/** A frame the bot sent to the fake. */
export interface ReceivedFrame {
  event: string;
  args: unknown[];
  /** Logged-in name of the sender at the time, or null. */
  from: string | null;
  socketId: string;
  at: number;
}

/** What became of one chat line or PM the bot sent. */
export interface ChatAttempt {
  kind: "chat" | "pm";
  from: string | null;
  to?: string;
  /** As sent, before the server's cut and escaping. */
  msg: string;
  accepted: boolean;
  /** Why it was not delivered: "flood", "blank", "not-logged-in", ... */
  reason?: string;
  at: number;
}

/** A running fake server and its control API. */
export class FakeCytube {
  /** Base URL, e.g. "http://127.0.0.1:40123"; pass it as the client's `baseUrl`. */
  readonly url: string;
  /** Requests made to `/socketconfig/...`. */
  discoveryRequests = 0;
  readonly #channel: FakeChannel;
  readonly #io: Server;
  readonly #http: ReturnType<typeof createServer>;
  readonly #waiters: Waiters;
  #closed = false;

  /** @internal Use {@linkcode startFakeCytube}. */
  constructor(
    url: string,
    io: Server,
    http: ReturnType<typeof createServer>,
    channel: FakeChannel,
    waiters: Waiters,
  ) {
    this.url = url;
    this.#io = io;
    this.#http = http;
    this.#channel = channel;
    this.#waiters = waiters;
  }

  /** The channel name served. */
  get channel(): string {
    return this.#channel.name;
  }

  /** Every frame bots sent, in arrival order. */
  get received(): readonly ReceivedFrame[] {
    return this.#channel.received;
  }

  /** Every chat line and PM bots sent, with whether the server delivered it. */
  get chatAttempts(): readonly ChatAttempt[] {
    return this.#channel.chatAttempts;
  }

  /** Chat lines (or PMs) the server accepted, optionally from one user, as sent. */
  accepted(kind: "chat" | "pm" = "chat", from?: string): string[] {
    return this.chatAttempts
      .filter((a) => a.kind === kind && a.accepted && (from === undefined || a.from === from))
      .map((a) => a.msg);
  }

  /** Chat lines and PMs the server dropped. */
  get dropped(): readonly ChatAttempt[] {
    return this.chatAttempts.filter((a) => !a.accepted);
  }

  /**
   * Sockets ever connected, connected now, and those in the channel without a login
   * (`anonymous`: a standby connector watching, src/channel/channel.js acceptUser).
   */
  get connections(): { total: number; open: number; anonymous: number } {
    let anonymous = 0;
    for (const conn of this.#channel.conns) if (conn.inChannel && !conn.loggedIn) anonymous++;
    return { total: this.#channel.connectionCount, open: this.#channel.conns.size, anonymous };
  }

  /**
   * Holds back the echo of `name`'s own chat lines (everyone else gets them at once), as a slow
   * link to that one socket would, until the returned function is called: then the held echoes
   * go to the sockets still connected. Makes "said in the channel, not yet confirmed to the
   * sender" a state a test can stop in.
   */
  holdEchoes(name: string): () => void {
    const key = name.toLowerCase();
    this.#channel.echoesHeld.set(key, []);
    return () => {
      const held = this.#channel.echoesHeld.get(key) ?? [];
      this.#channel.echoesHeld.delete(key);
      for (const { conn, line } of held) {
        if (conn.socket.connected) conn.socket.emit("chatMsg", line);
      }
      this.#waiters.notify();
    };
  }

  /** Logged-in users in the channel (bots and simulated users). */
  get users(): { name: string; rank: number; afk: boolean }[] {
    return this.#channel.members();
  }

  /** The playlist as the server holds it. */
  get playlist(): { uid: number; id: string; title: string; temp: boolean }[] {
    return this.#channel.playlist.items.map((item) => ({
      uid: item.uid,
      id: item.media.id,
      title: item.media.title,
      temp: item.temp,
    }));
  }

  get currentUid(): number | null {
    return this.#channel.playlist.currentUid;
  }

  get leader(): string | null {
    return this.#channel.leader;
  }

  /** Simulates a user joining (no socket): broadcasts `addUser` and `usercount`. */
  addUser(name: string, rank = 0): void {
    this.#channel.addVirtualUser(name, rank);
    this.#waiters.notify();
  }

  /** Simulates a user leaving. */
  removeUser(name: string): void {
    this.#channel.removeVirtualUser(name);
    this.#waiters.notify();
  }

  /** A chat line from another user, escaped like real chat; "/me x" becomes an action. */
  say(user: string, msg: string): void {
    if (this.#channel.shadowMuted.has(user.toLowerCase())) {
      this.#channel.shadowChat(user, msg, msg.startsWith(">") ? { addClass: "greentext" } : {});
    } else if (msg.startsWith("/me ")) {
      this.#channel.broadcastChat(user, msg.slice(4), { addClass: "action", action: true });
    } else {
      this.#channel.broadcastChat(user, msg, msg.startsWith(">") ? { addClass: "greentext" } : {});
    }
    this.#waiters.notify();
  }

  /** Mutes a user, as a moderator's `/mute name` does: their chat gets `noflood`. */
  mute(name: string): void {
    this.#channel.muted.add(name.toLowerCase());
  }

  /** Shadow-mutes a user, as a moderator's `/smute name` does: their chat reaches mods only. */
  shadowMute(name: string): void {
    this.#channel.shadowMuted.add(name.toLowerCase());
  }

  /** Sends a raw `chatMsg` (e.g. a `[server]` notice or an old `time`). */
  sendChat(
    line: { username: string; msg: string; meta?: Record<string, unknown>; time?: number },
  ): void {
    this.#io.to("channel").emit("chatMsg", {
      username: line.username,
      msg: line.msg,
      meta: line.meta ?? {},
      time: line.time ?? this.#channel.serverNow(),
    });
  }

  /** A PM from a simulated user to a connected bot. */
  pm(from: string, to: string, msg: string): void {
    const target = this.#channel.findConn(to);
    if (target === undefined) throw new Error(`fake CyTube: no connected user "${to}" to PM`);
    target.socket.emit("pm", {
      username: from,
      msg: formatChatHtml(msg, this.#channel.opts.enable_link_regex !== false),
      meta: {},
      time: this.#channel.serverNow(),
      to: target.name,
    });
  }

  /** Plays a media item now: queued after the current one (if new) and jumped to. */
  changeMedia(media: { id: string; type?: string; title?: string; seconds?: number }): void {
    const playlist = this.#channel.playlist;
    let item = playlist.items.find((i) => i.media.id === media.id);
    if (item === undefined) {
      const result = playlist.add(makeMedia(media), { pos: "next", temp: false, queueby: "" });
      if ("fail" in result) throw new Error(`fake CyTube changeMedia: ${result.fail}`);
      this.#channel.broadcastFrames(result.frames);
      item = playlist.items.find((i) => i.media.id === media.id);
    }
    if (item !== undefined && playlist.currentUid !== item.uid) {
      this.#channel.broadcastFrames(playlist.jumpTo(item.uid));
    }
    this.#waiters.notify();
  }

  /** Changes a user's rank (`setUserRank`; a bot also gets `rank`). */
  setRank(name: string, rank: number): void {
    const conn = this.#channel.findConn(name);
    if (conn) {
      conn.rank = rank;
      conn.socket.emit("rank", rank);
    }
    const user = this.#channel.virtualUsers.get(name.toLowerCase());
    if (user) user.rank = rank;
    this.#channel.broadcast("setUserRank", { name, rank });
  }

  /** Changes channel options and broadcasts `channelOpts`. */
  setChannelOpts(opts: Record<string, unknown>): void {
    this.#channel.opts = { ...this.#channel.opts, ...opts };
    this.#channel.broadcast("channelOpts", this.#channel.advertisedOpts());
  }

  /** Kicks a connected user (`kick {reason}`, then disconnect) or removes a simulated one. */
  kick(name: string, reason: string): void {
    const conn = this.#channel.findConn(name);
    if (conn) this.#channel.kickConn(conn, reason);
    else this.#channel.removeVirtualUser(name);
  }

  /** Makes queueing media `id` fail with `msg`, as a failed media lookup does. */
  refuseMedia(id: string, msg: string): void {
    this.#channel.refusedMedia.set(id, msg);
  }

  /** Takes the database down (joins are kicked, to be retried) or brings it back. */
  setDatabaseDown(down: boolean): void {
    this.#channel.databaseDown = down;
  }

  /** Emits any frame to every connected socket, e.g. a malformed one. */
  emitRaw(event: string, ...args: unknown[]): void {
    this.#io.emit(event, ...args);
  }

  /** Drops every socket at the transport level, as a network failure would. */
  dropAllSockets(): void {
    for (const conn of this.#channel.conns) conn.socket.conn.close();
  }

  /**
   * Resolves once `predicate()` holds, re-checking after every frame a bot sends and every
   * control call; rejects after `timeoutMs`.
   */
  waitFor(predicate: () => boolean, timeoutMs = 5000, what?: string): Promise<void> {
    return this.#waiters.waitFor(predicate, timeoutMs, what);
  }

  /** Stops the server; pending waits fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.rejectAll("server closed");
    this.#channel.close();
    this.#io.disconnectSockets(true);
    // socket.io's close ends with the HTTP server's, which waits for every connection: a
    // client's kept-alive fetch connection (the socketconfig request) would hold it open.
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#io.close(() => resolve()));
    if (this.#http.listening) {
      await new Promise<void>((resolve) => this.#http.close(() => resolve()));
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts a fake CyTube server on 127.0.0.1 and a free port.
 *
 * @example
 * ```ts ignore
 * import { startFakeCytube } from "./server.ts";
 * await using fake = await startFakeCytube({ channel: "test" });
 * fake.say("alice", "hi");
 * ```
 */
export async function startFakeCytube(options: FakeCytubeOptions = {}): Promise<FakeCytube> {
  const waiters = new Waiters("fake CyTube");
  // The HTTP handler needs the instance, which needs the listening server: fill in later.
  const self: { fake?: FakeCytube; baseUrl: string } = { baseUrl: "" };
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/socketconfig\/([^/]+)\.json$/.exec(request.url ?? "");
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (!match) return reply(404, { error: "Not found" });
    if (self.fake) self.fake.discoveryRequests++;
    const name = decodeURIComponent(match[1] ?? "");
    if (!/^[\w-]{1,30}$/.test(name)) {
      return reply(404, { error: `Channel "${name}" does not exist.` });
    }
    const url = self.baseUrl;
    reply(200, options.socketConfig?.(url, name) ?? { servers: [{ url, secure: false }] });
    waiters.notify();
  });
  const io = new Server(http, {
    // As `src/io/ioserver.js`.
    pingTimeout: 120_000,
    perMessageDeflate: false,
    maxHttpBufferSize: 1 << 20,
  });
  const channel = new FakeChannel(io, options, () => waiters.notify());
  io.on("connection", (socket) => {
    channel.attach(socket);
    waiters.notify();
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", () => resolve());
  });
  const address = http.address();
  if (address === null || typeof address === "string") throw new Error("fake CyTube: no port");
  self.baseUrl = `http://127.0.0.1:${address.port}`;
  self.fake = new FakeCytube(self.baseUrl, io, http, channel, waiters);
  return self.fake;
}
