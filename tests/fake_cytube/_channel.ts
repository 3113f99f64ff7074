/**
 * One fake CyTube channel: join (with optional password), guest and account login, chat and
 * PM with the real sanitising, length cap and flood limiter, kick, and playlist actions.
 * Behaviour follows NOTES-CYTUBE.md and calzoneman/sync (`src/user.js`, `src/channel/*.js`).
 *
 * @module
 */

import type { Server, Socket } from "socket.io";
import { type FakeItem, FakePlaylist, type Frame, makeMedia } from "./_playlist.ts";
import { FakeChat } from "./_chat.ts";
import { ServerRateLimiter } from "./_rate_limiter.ts";
import { isObject, typecheck } from "./_typecheck.ts";
import { DEFAULT_CHANNEL_OPTS, DEFAULT_PERMISSIONS } from "./_defaults.ts";
import { formatChatHtml } from "./_xss.ts";
import type { ChatAttempt, FakeCytubeOptions, ReceivedFrame } from "./server.ts";

const ROOM = "channel";
const USER_NAME = /^[\w-]{1,20}$/;
const CHANNEL_NAME = /^[\w-]{1,30}$/;

/** A socket connected to the fake. */
export interface Conn {
  socket: Socket;
  ip: string;
  name: string | null;
  rank: number;
  guest: boolean;
  loggedIn: boolean;
  inChannel: boolean;
  awaitingPassword: boolean;
  afk: boolean;
  chatLimiter: ServerRateLimiter;
  queueLimiter: ServerRateLimiter;
  voted: boolean;
}

/** A user simulated by the test, with no socket. */
export interface VirtualUser {
  name: string;
  rank: number;
  afk: boolean;
}

export class FakeChannel {
  readonly name: string;
  readonly conns = new Set<Conn>();
  readonly virtualUsers = new Map<string, VirtualUser>();
  readonly playlist = new FakePlaylist();
  readonly received: ReceivedFrame[] = [];
  readonly chatAttempts: ChatAttempt[] = [];
  readonly permissions: Record<string, number>;
  opts: Record<string, unknown>;
  buffer: Record<string, unknown>[] = [];
  leader: string | null = null;
  connectionCount = 0;
  /** Echoes held back per lower-cased sender name (`FakeCytube.holdEchoes`). */
  readonly echoesHeld = new Map<string, { conn: Conn; line: Record<string, unknown> }[]>();
  /** Lower-cased names muted with `/mute` (src/channel/chat.js). */
  readonly muted = new Set<string>();
  /** Media ids whose lookup fails, with the server's message. */
  readonly refusedMedia = new Map<string, string>();
  /** Lower-cased names shadow-muted with `/smute` (src/channel/chat.js SHADOW_TAG). */
  readonly shadowMuted = new Set<string>();
  /** While true, joins fail as when the server's database is down. */
  databaseDown: boolean;
  readonly #io: Server;
  readonly #options: FakeCytubeOptions;
  readonly #onChange: () => void;
  readonly #lastGuestLogin = new Map<string, number>();
  readonly #accounts = new Map<string, { name: string; password: string; rank: number }>();
  readonly #chat: FakeChat;
  #usercountSentAt = -Infinity;
  #usercountTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(io: Server, options: FakeCytubeOptions, onChange: () => void) {
    this.#io = io;
    this.#options = options;
    this.#onChange = onChange;
    this.name = (options.channel ?? "fake_channel").toLowerCase();
    this.databaseDown = options.databaseDown ?? false;
    this.permissions = { ...DEFAULT_PERMISSIONS, ...options.permissions };
    this.opts = {
      ...DEFAULT_CHANNEL_OPTS,
      pagetitle: this.name,
      chat_antiflood: options.chatAntiflood ?? false,
      ...(options.chatAntifloodParams
        ? { chat_antiflood_params: options.chatAntifloodParams }
        : {}),
      ...(options.channelPassword !== undefined ? { password: options.channelPassword } : {}),
      ...options.channelOpts,
    };
    for (const [name, account] of Object.entries(options.accounts ?? {})) {
      this.#accounts.set(name.toLowerCase(), { name, ...account });
    }
    for (const user of options.users ?? []) {
      this.virtualUsers.set(user.name.toLowerCase(), {
        name: user.name,
        rank: user.rank ?? 0,
        afk: false,
      });
    }
    for (const spec of options.playlist ?? []) {
      const result = this.playlist.add(makeMedia(spec), {
        pos: "end",
        temp: spec.temp ?? false,
        queueby: spec.queueby ?? "",
      });
      if ("fail" in result) throw new Error(`fake CyTube playlist option: ${result.fail}`);
    }
    const now = this.serverNow();
    for (const line of options.backlog ?? []) {
      this.buffer.push({
        username: line.username,
        msg: formatChatHtml(line.msg, true),
        meta: line.meta ?? {},
        time: now - (line.ageMs ?? 60_000),
      });
    }
    this.#chat = new FakeChat(this, options);
  }

  /**
   * The server's clock: `time` of chat and PMs is the server's `Date.now()` (src/channel/
   * chat.js formatMessage), so a server whose clock is off stamps messages off by as much.
   */
  serverNow(): number {
    return Date.now() + (this.#options.clockOffsetMs ?? 0);
  }

  perm(name: string): number {
    return this.permissions[name] ?? 0;
  }

  // -------------------------------------------------------------------------------------------
  // Membership

  /** Logged-in members (sockets and virtual users) as `CyUser`s. */
  members(): { name: string; rank: number; afk: boolean }[] {
    const list: { name: string; rank: number; afk: boolean }[] = [];
    for (const conn of this.conns) {
      if (conn.inChannel && conn.loggedIn && conn.name !== null) {
        list.push({ name: conn.name, rank: conn.rank, afk: conn.afk });
      }
    }
    for (const user of this.virtualUsers.values()) list.push(user);
    return list;
  }

  static cyUser(member: { name: string; rank: number; afk: boolean }): Record<string, unknown> {
    return {
      name: member.name,
      rank: member.rank,
      profile: { image: "", text: "" },
      meta: { afk: member.afk, muted: false },
    };
  }

  usercount(): number {
    let count = this.virtualUsers.size;
    for (const conn of this.conns) if (conn.inChannel) count++;
    return count;
  }

  /**
   * src/channel/channel.js: `broadcastUsercount = throttle(..., USERCOUNT_THROTTLE)` (lodash,
   * 10 000 ms, leading and trailing): the first change goes out at once, later ones within
   * the window are sent once at its end, so the count lags joins by up to 10 s.
   */
  broadcastUsercount(): void {
    const wait = this.#options.usercountThrottleMs ?? 10_000;
    const now = Date.now();
    if (this.#usercountTimer !== undefined) return;
    if (now - this.#usercountSentAt >= wait) {
      this.#usercountSentAt = now;
      this.broadcast("usercount", this.usercount());
      return;
    }
    this.#usercountTimer = setTimeout(() => {
      this.#usercountTimer = undefined;
      this.#usercountSentAt = Date.now();
      this.broadcast("usercount", this.usercount());
      this.#onChange();
    }, wait - (now - this.#usercountSentAt));
  }

  /** Stops the usercount timer. */
  close(): void {
    clearTimeout(this.#usercountTimer);
    this.#usercountTimer = undefined;
  }

  findConn(name: string): Conn | undefined {
    const lower = name.toLowerCase();
    for (const conn of this.conns) {
      if (conn.inChannel && conn.name?.toLowerCase() === lower) return conn;
    }
    return undefined;
  }

  nameInUse(name: string): boolean {
    return this.findConn(name) !== undefined || this.virtualUsers.has(name.toLowerCase());
  }

  broadcast(event: string, payload?: unknown): void {
    if (payload === undefined) this.#io.to(ROOM).emit(event);
    else this.#io.to(ROOM).emit(event, payload);
  }

  broadcastFrames(frames: readonly Frame[]): void {
    for (const [event, payload] of frames) this.broadcast(event, payload);
  }

  kickConn(conn: Conn, reason: string): void {
    conn.socket.emit("kick", { reason });
    conn.socket.disconnect(true);
  }

  // -------------------------------------------------------------------------------------------
  // Socket wiring

  attach(socket: Socket): void {
    const conn: Conn = {
      socket,
      ip: socket.handshake.address,
      name: null,
      rank: -1,
      guest: false,
      loggedIn: false,
      inChannel: false,
      awaitingPassword: false,
      afk: false,
      chatLimiter: new ServerRateLimiter(),
      queueLimiter: new ServerRateLimiter(),
      voted: false,
    };
    this.conns.add(conn);
    this.connectionCount++;
    socket.onAny((event: string, ...args: unknown[]) => {
      this.received.push({ event, args, from: conn.name, socketId: socket.id, at: Date.now() });
    });
    const on = (event: string, handler: (data: unknown) => void) => {
      socket.on(event, (data: unknown) => {
        try {
          handler(data);
        } finally {
          this.#onChange();
        }
      });
    };
    socket.once("joinChannel", (data: unknown) => {
      try {
        this.#onJoin(conn, data);
      } finally {
        this.#onChange();
      }
    });
    on("channelPassword", (data) => this.#onChannelPassword(conn, data));
    on("login", (data) => this.#onLogin(conn, data));
    on("chatMsg", (data) => this.#chat.onChat(conn, data));
    on("pm", (data) => this.#chat.onPm(conn, data));
    on("queue", (data) => this.#onQueue(conn, data));
    on("delete", (data) => {
      if (typeof data === "number" && conn.rank >= this.perm("playlistdelete")) {
        this.broadcastFrames(this.playlist.delete(data));
      }
    });
    on("moveMedia", (data) => {
      if (!typecheck(conn.socket, "moveMedia", data, { from: "number", after: "string,number" })) {
        return;
      }
      const { from, after } = data as { from: number; after: number | string };
      if (conn.rank >= this.perm("playlistmove")) {
        this.broadcastFrames(this.playlist.move(from, after));
      }
    });
    on("jumpTo", (data) => {
      if ((typeof data === "number") && conn.rank >= this.perm("playlistjump")) {
        this.broadcastFrames(this.playlist.jumpTo(data));
      }
    });
    on("playNext", () => {
      if (conn.rank >= this.perm("playlistjump")) this.broadcastFrames(this.playlist.playNext());
    });
    on("setTemp", (data) => {
      if (!typecheck(conn.socket, "setTemp", data, { uid: "number", temp: "boolean" })) return;
      const { uid, temp } = data as { uid: number; temp: boolean };
      if (conn.rank >= this.perm("settemp")) this.broadcastFrames(this.playlist.setTemp(uid, temp));
    });
    on("clearPlaylist", () => {
      if (conn.rank >= this.perm("playlistclear")) this.broadcastFrames(this.playlist.clear());
    });
    on("shufflePlaylist", () => {
      if (conn.rank >= this.perm("playlistshuffle")) this.broadcastFrames(this.playlist.shuffle());
    });
    on("voteskip", () => this.#onVoteskip(conn));
    on("assignLeader", (data) => this.#onAssignLeader(conn, data));
    on("mediaUpdate", (data) => this.#onMediaUpdate(conn, data));
    socket.on("disconnect", () => {
      try {
        this.#onDisconnect(conn);
      } finally {
        this.#onChange();
      }
    });
    // No auth cookie: the server greets every socket as anonymous.
    socket.emit("rank", -1);
  }

  #onDisconnect(conn: Conn): void {
    this.conns.delete(conn);
    if (!conn.inChannel) return;
    if (conn.loggedIn && conn.name !== null) {
      this.broadcast("userLeave", { name: conn.name });
      if (this.leader === conn.name) {
        this.leader = null;
        this.broadcast("setLeader", "");
      }
    }
    this.broadcastUsercount();
  }

  // -------------------------------------------------------------------------------------------
  // Join and login

  #onJoin(conn: Conn, data: unknown): void {
    if (!isObject(data) || typeof data.name !== "string") return;
    if (!CHANNEL_NAME.test(data.name)) {
      conn.socket.emit("errorMsg", {
        msg: "Invalid channel name.  Channel names may consist of 1-30 characters in the set " +
          "a-z, A-Z, 0-9, -, and _",
      });
      this.kickConn(conn, "Invalid channel name");
      return;
    }
    if (data.name.toLowerCase() !== this.name) {
      this.kickConn(conn, `the fake CyTube server only serves channel "${this.name}"`);
      return;
    }
    if (this.databaseDown) {
      // src/channel/channel.js: db.channels.load failed -> emit("loadFail", "Failed to load
      // channel data from the database.  Please try again later."); src/user.js
      // handleJoinChannel kicks with `Channel could not be loaded: ${reason}`.
      this.kickConn(
        conn,
        "Channel could not be loaded: Failed to load channel data from the database.  " +
          "Please try again later.",
      );
      return;
    }
    const password = this.#options.channelPassword;
    if (password !== undefined && data.pw !== password) {
      if (conn.loggedIn && conn.rank >= 2) {
        conn.socket.emit("cancelNeedPassword");
        this.#accept(conn);
        return;
      }
      conn.awaitingPassword = true;
      conn.socket.emit("needPassword", typeof data.pw !== "undefined");
      return;
    }
    this.#accept(conn);
  }

  #onChannelPassword(conn: Conn, data: unknown): void {
    if (!conn.awaitingPassword) return;
    if (data !== this.#options.channelPassword) {
      conn.socket.emit("needPassword", true);
      return;
    }
    conn.awaitingPassword = false;
    conn.socket.emit("cancelNeedPassword");
    this.#accept(conn);
  }

  // A socket that never logs in is accepted too (src/user.js handleJoinChannel needs no login;
  // src/channel/channel.js acceptUser joins it to the channel's room at once): it gets every
  // frame below and every broadcast, chat included; it counts in `usercount` (`users.length`)
  // but is not in the `userlist` (sendUserlist skips `getName() === ""`) and gets no `addUser`
  // (sendUserJoin waits for U_LOGGED_IN); its chat is ignored (src/channel/chat.js
  // handleChatMsg returns when not U_LOGGED_IN). A standby connector watches the channel so.
  #accept(conn: Conn): void {
    conn.inChannel = true;
    void conn.socket.join(ROOM);
    const s = conn.socket;
    s.emit("setPermissions", this.permissions);
    s.emit("channelOpts", this.advertisedOpts());
    s.emit("setPlaylistLocked", false);
    s.emit("setMotd", "");
    // The chat buffer (the last 15 lines, as broadcast, with their original `time`) goes to
    // every joining socket: src/channel/chat.js onUserPostJoin / sendMessage.
    for (const line of this.buffer) s.emit("chatMsg", line);
    for (const [event, payload] of this.playlist.joinFrames()) s.emit(event, payload);
    s.emit(
      "userlist",
      this.members().filter((m) => m.name !== conn.name).map((m) => FakeChannel.cyUser(m)),
    );
    if (this.leader !== null) s.emit("setLeader", this.leader);
    this.broadcastUsercount();
    if (!(this.#options.registered ?? false)) s.emit("channelNotRegistered");
    if (conn.loggedIn) this.#announce(conn);
  }

  /** `channelOpts` as sent; `hideAntiflood` lies about chat_antiflood to test recovery. */
  advertisedOpts(): Record<string, unknown> {
    return this.#options.hideAntiflood ? { ...this.opts, chat_antiflood: false } : this.opts;
  }

  #announce(conn: Conn): void {
    if (conn.name === null) return;
    this.broadcast(
      "addUser",
      FakeChannel.cyUser({ name: conn.name, rank: conn.rank, afk: conn.afk }),
    );
  }

  #onLogin(conn: Conn, data: unknown): void {
    if (!isObject(data)) {
      conn.socket.emit("errorMsg", { msg: "Invalid login frame" });
      return;
    }
    if (typeof data.name !== "string") return;
    const pw = typeof data.pw === "string" ? data.pw : "";
    if (conn.loggedIn) return;
    const fail = (error: string) => conn.socket.emit("login", { success: false, error });
    if (pw) {
      const account = this.#accounts.get(data.name.toLowerCase());
      if (account === undefined || account.password !== pw) {
        return void fail("Invalid username/password combination");
      }
      const old = this.findConn(account.name);
      if (old !== undefined && old !== conn) this.kickConn(old, "Duplicate login");
      return this.#finishLogin(conn, account.name, account.rank, false);
    }
    const delaySeconds = this.#options.guestLoginDelaySeconds ?? 60;
    const last = this.#lastGuestLogin.get(conn.ip);
    if (last !== undefined && (Date.now() - last) / 1000 < delaySeconds) {
      return void fail(
        `Guest logins are restricted to one per IP address per ${delaySeconds} seconds.`,
      );
    }
    if (!USER_NAME.test(data.name)) {
      return void fail(
        "Invalid username.  Usernames must be 1-20 characters long and consist only of " +
          "characters a-z, A-Z, 0-9, -, or _.",
      );
    }
    if (this.#accounts.has(data.name.toLowerCase())) {
      return void fail("That username is registered.");
    }
    if (conn.inChannel && this.nameInUse(data.name)) {
      return void fail("That name is already in use on this channel.");
    }
    this.#lastGuestLogin.set(conn.ip, Date.now());
    this.#finishLogin(conn, data.name, 0, true);
  }

  #finishLogin(conn: Conn, name: string, rank: number, guest: boolean): void {
    conn.name = name;
    conn.rank = rank;
    conn.guest = guest;
    conn.loggedIn = true;
    conn.socket.emit("rank", rank);
    conn.socket.emit(
      "login",
      guest ? { success: true, name, guest: true } : { success: true, name },
    );
    if (conn.awaitingPassword && rank >= 2) {
      conn.awaitingPassword = false;
      conn.socket.emit("cancelNeedPassword");
      this.#accept(conn);
    } else if (conn.inChannel) {
      this.#announce(conn);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Chat (the handlers live in _chat.ts)

  /**
   * Chat of a shadow-muted user, as src/channel/chat.js processChatMsg sends it: to the other
   * shadow-muted users and to anonymous sockets as usual, then with `meta.shadow = true` to
   * the moderators (effective rank >= 2, src/channel/channel.js moderators()); never buffered.
   */
  shadowChat(username: string, msg: string, meta: Record<string, unknown>): void {
    const line = {
      username,
      msg: formatChatHtml(msg, this.opts.enable_link_regex !== false),
      meta,
      time: this.serverNow(),
    };
    const shadowLine = { ...line, meta: { ...meta, shadow: true } };
    for (const conn of this.conns) {
      if (!conn.inChannel) continue;
      if (conn.name !== null && this.shadowMuted.has(conn.name.toLowerCase())) {
        conn.socket.emit("chatMsg", line);
      } else if (!conn.loggedIn) conn.socket.emit("chatMsg", line);
      else if (conn.rank >= 2) conn.socket.emit("chatMsg", shadowLine);
    }
  }

  /**
   * Chat as src/channel/chat.js sendMessage sends it: `broadcastAll` to the channel's socket.io
   * room, which every socket that joined is in, logged in or not (src/channel/channel.js
   * acceptUser: `user.socket.join(this.name)` before any login), the sender included (its
   * echo), then into the 15-line buffer.
   */
  broadcastChat(username: string, msg: string, meta: Record<string, unknown>): void {
    const line = {
      username,
      msg: formatChatHtml(msg, this.opts.enable_link_regex !== false),
      meta,
      time: this.serverNow(),
    };
    const held = this.echoesHeld.get(username.toLowerCase());
    if (held === undefined) this.broadcast("chatMsg", line);
    else {
      // A test holds the sender's echo (FakeCytube.holdEchoes): everyone else gets it now.
      const senders = [...this.conns].filter((c) =>
        c.inChannel && c.loggedIn && c.name?.toLowerCase() === username.toLowerCase()
      );
      this.#io.to(ROOM).except(senders.map((c) => c.socket.id)).emit("chatMsg", line);
      for (const conn of senders) held.push({ conn, line });
    }
    this.buffer.push(line);
    if (this.buffer.length > 15) this.buffer.shift();
  }

  setAfk(conn: Conn, afk: boolean): void {
    if (conn.afk === afk || !conn.inChannel || conn.name === null) return;
    conn.afk = afk;
    this.broadcast("setAFK", { name: conn.name, afk });
  }

  // -------------------------------------------------------------------------------------------
  // Playlist and playback

  #onQueue(conn: Conn, data: unknown): void {
    const spec = {
      id: "string,boolean",
      type: "string",
      pos: "string",
      title: "string,boolean,optional",
      duration: "number,optional",
      temp: "boolean,optional",
    };
    if (!typecheck(conn.socket, "queue", data, spec)) return;
    const d = data as {
      id: string | boolean;
      type: string;
      pos: string;
      title?: unknown;
      temp?: boolean;
    };
    if (typeof d.id === "boolean" || (d.pos !== "next" && d.pos !== "end")) return;
    if (conn.rank < this.perm("playlistadd")) return;
    if (d.pos === "next" && conn.rank < this.perm("playlistnext")) return;
    const fail = (msg: string) => conn.socket.emit("queueFail", { msg, link: null, id: d.id });
    const limit = conn.rank >= 2 ? { burst: 10, sustained: 2 } : { burst: 3, sustained: 1 };
    if (conn.queueLimiter.throttle(limit)) return void fail("You are adding videos too quickly");
    const refusal = this.refusedMedia.get(d.id);
    // src/channel/playlist.js handleQueue: a failed media lookup (src/get-info.js, e.g. a raw
    // file answering 404: "Expected HTTP 200 OK, not 404 Not Found") ends in qfail(msg).
    if (refusal !== undefined) return void fail(refusal);
    const title = typeof d.title === "string" && (d.type === "cu" || d.type === "fi")
      ? d.title
      : undefined;
    const result = this.playlist.add(
      makeMedia({ id: d.id, type: d.type, ...(title ? { title } : {}) }),
      { pos: d.pos, temp: d.temp ?? false, queueby: conn.name ?? "" },
    );
    if ("fail" in result) return void fail(result.fail);
    this.broadcastFrames(result.frames);
  }

  #onVoteskip(conn: Conn): void {
    if (!conn.inChannel || conn.rank < this.perm("voteskip") || conn.voted) return;
    conn.voted = true;
    let count = 0;
    for (const other of this.conns) if (other.voted) count++;
    const eligible = this.usercount();
    const need = Math.max(1, Math.ceil(eligible * Number(this.opts.voteskip_ratio ?? 0.5)));
    for (const other of this.conns) {
      if (other.inChannel && other.rank >= this.perm("viewvoteskip")) {
        other.socket.emit("voteskip", { count, need });
      }
    }
  }

  #onAssignLeader(conn: Conn, data: unknown): void {
    if (!typecheck(conn.socket, "assignLeader", data, { name: "string" })) return;
    if (conn.rank < this.perm("leaderctl")) {
      return this.kickConn(conn, "Attempted assignLeader without sufficient permission");
    }
    const name = (data as { name: string }).name;
    this.leader = name === "" ? null : name;
    this.broadcast("setLeader", name);
  }

  #onMediaUpdate(conn: Conn, data: unknown): void {
    const spec = {
      id: "string",
      currentTime: "number",
      paused: "boolean,optional",
      type: "string,optional",
    };
    if (!typecheck(conn.socket, "mediaUpdate", data, spec)) return;
    const d = data as { id: string; currentTime: number; paused?: boolean };
    const current: FakeItem | undefined = this.playlist.current;
    if (this.leader === null || conn.name !== this.leader || current?.media.id !== d.id) return;
    this.playlist.currentTime = d.currentTime;
    this.playlist.paused = Boolean(d.paused);
    this.broadcast("mediaUpdate", { currentTime: d.currentTime, paused: Boolean(d.paused) });
  }

  // -------------------------------------------------------------------------------------------
  // Test control

  addVirtualUser(name: string, rank: number): void {
    const user = { name, rank, afk: false };
    this.virtualUsers.set(name.toLowerCase(), user);
    this.broadcast("addUser", FakeChannel.cyUser(user));
    this.broadcastUsercount();
  }

  removeVirtualUser(name: string): void {
    const user = this.virtualUsers.get(name.toLowerCase());
    if (user === undefined) return;
    this.virtualUsers.delete(name.toLowerCase());
    this.broadcast("userLeave", { name: user.name });
    this.broadcastUsercount();
  }
}
