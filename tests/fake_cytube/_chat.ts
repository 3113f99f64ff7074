/**
 * Chat and PMs in the fake channel, as `src/channel/chat.js` handles them: the length cap,
 * control characters, blank lines, the per-socket flood limiter shared by chat and PMs (a
 * dropped line gets `cooldown`), slash commands (`/me` and `/sp` are re-posted and so throttled
 * twice), HTML escaping and link wrapping, and the self-echo.
 *
 * @module
 */

import type { Conn, FakeChannel } from "./_channel.ts";
import type { ThrottleParams } from "./_rate_limiter.ts";
import { typecheck } from "./_typecheck.ts";
import { formatChatHtml } from "./_xss.ts";
import type { ChatAttempt, FakeCytubeOptions } from "./server.ts";

// `MIN_ANTIFLOOD` in src/channel/chat.js: a constant there, an option here (`minAntiflood`).
const MIN_ANTIFLOOD: ThrottleParams = { burst: 20, sustained: 10 };
const USER_NAME = /^[\w-]{1,20}$/;

type ChatOutcome = "accepted" | "flood" | "command" | "ignored";
type Command = (conn: Conn, msg: string, meta: Record<string, unknown>) => ChatOutcome;

function rest(msg: string): string {
  return msg.split(" ").slice(1).join(" ");
}

export class FakeChat {
  readonly #channel: FakeChannel;
  readonly #options: FakeCytubeOptions;
  readonly #commands: Record<string, Command>;

  constructor(channel: FakeChannel, options: FakeCytubeOptions) {
    this.#channel = channel;
    this.#options = options;
    this.#commands = {
      me: (conn, msg, meta) =>
        this.#process(conn, rest(msg), { ...meta, addClass: "action", action: true }),
      sp: (conn, msg, meta) => this.#process(conn, rest(msg), { ...meta, addClass: "spoiler" }),
      say: (conn, msg, meta) => this.#shout(conn, msg, meta),
      shout: (conn, msg, meta) => this.#shout(conn, msg, meta),
      rcv: (conn, msg, meta) => this.#shout(conn, msg, meta),
      clear: (conn) => {
        if (conn.rank < this.#channel.perm("chatclear")) return "ignored";
        this.#channel.buffer = [];
        this.#channel.broadcast("clearchat", { clearedBy: conn.name });
        return "command";
      },
      afk: (conn) => {
        this.#channel.setAfk(conn, !conn.afk);
        return "command";
      },
      kick: (conn, msg) => this.#kickCommand(conn, msg),
    };
  }

  #record(attempt: Omit<ChatAttempt, "at">): void {
    this.#channel.chatAttempts.push({ ...attempt, at: Date.now() });
  }

  onChat(conn: Conn, data: unknown): void {
    if (!typecheck(conn.socket, "chatMsg", data, { msg: "string", meta: "object,optional" })) {
      return;
    }
    const raw = (data as { msg: string }).msg;
    const meta = (data as { meta?: Record<string, unknown> }).meta;
    const record = (accepted: boolean, reason?: string) =>
      this.#record({
        kind: "chat",
        from: conn.name,
        msg: raw,
        accepted,
        ...(reason ? { reason } : {}),
      });
    if (!conn.inChannel) return record(false, "not-in-channel");
    if (conn.rank < this.#channel.perm("chat")) return record(false, "permission");
    let msg = raw.substring(0, this.#options.maxMessageLength ?? 320);
    // CyTube turns control characters into spaces unless the channel allows them.
    // deno-lint-ignore no-control-regex
    if (!this.#channel.opts.allow_ascii_control) msg = msg.replace(/[\x00-\x1f]+/g, " ");
    if (!msg.trim()) return record(false, "blank");
    if (!conn.loggedIn) return record(false, "not-logged-in");
    const outMeta: Record<string, unknown> = {};
    if (conn.rank >= 2 && meta?.modflair === conn.rank) outMeta.modflair = conn.rank;
    const outcome = this.#process(conn, msg, outMeta);
    record(
      outcome === "accepted" || outcome === "command",
      outcome === "flood" ? "flood" : undefined,
    );
  }

  limit(rank: number): ThrottleParams {
    if (this.#channel.opts.chat_antiflood === true && rank < 2) {
      const params = this.#channel.opts.chat_antiflood_params as ThrottleParams;
      return {
        burst: Math.min(params.burst, 20),
        sustained: Math.min(params.sustained, 10),
        ...(params.cooldown !== undefined ? { cooldown: params.cooldown } : {}),
      };
    }
    return this.#minimum;
  }

  /** The always-on limit: `MIN_ANTIFLOOD`, unless the options lift it (a load run). */
  get #minimum(): ThrottleParams {
    return this.#options.minAntiflood ?? MIN_ANTIFLOOD;
  }

  #process(conn: Conn, msg: string, meta: Record<string, unknown>): ChatOutcome {
    if (!msg.includes("/afk")) this.#channel.setAfk(conn, false);
    const limit = this.limit(conn.rank);
    if (conn.chatLimiter.throttle(limit)) {
      conn.socket.emit("cooldown", 1000 / limit.sustained);
      return "flood";
    }
    if (msg.startsWith(">")) meta.addClass = "greentext";
    if (msg.startsWith("/")) {
      const space = msg.indexOf(" ");
      const command = this.#commands[space < 0 ? msg.slice(1) : msg.slice(1, space)];
      if (command) return command(conn, msg, meta);
    }
    // src/channel/chat.js processChatMsg: a shadow-muted sender reaches mods only; a muted one
    // gets `noflood` and nobody sees the line.
    const lower = conn.name?.toLowerCase() ?? "";
    if (this.#channel.shadowMuted.has(lower)) {
      this.#channel.shadowChat(conn.name ?? "", msg, meta);
      return "accepted";
    }
    if (this.#channel.muted.has(lower)) {
      conn.socket.emit("noflood", { action: "chat", msg: "You have been muted on this channel." });
      return "ignored";
    }
    this.#channel.broadcastChat(conn.name ?? "", msg, meta);
    return "accepted";
  }

  #shout(conn: Conn, msg: string, meta: Record<string, unknown>): ChatOutcome {
    if (conn.rank < 1.5) return "ignored";
    return this.#process(conn, rest(msg), {
      ...meta,
      addClass: "shout",
      addClassToNameAndTimestamp: true,
      forceShowName: true,
    });
  }

  #kickCommand(conn: Conn, msg: string): ChatOutcome {
    if (conn.rank < this.#channel.perm("kick")) return "ignored";
    const [, name = "", ...reasonWords] = msg.split(" ");
    const reason = reasonWords.join(" ");
    const targetConn = this.#channel.findConn(name);
    const targetVirtual = this.#channel.virtualUsers.get(name.toLowerCase());
    const targetRank = targetConn?.rank ?? targetVirtual?.rank;
    if (targetRank === undefined) {
      conn.socket.emit("errorMsg", { msg: `No user named ${name}` });
      return "command";
    }
    if (targetRank >= conn.rank) {
      conn.socket.emit("errorMsg", { msg: `You do not have permission to kick ${name}` });
      return "command";
    }
    if (targetConn) this.#channel.kickConn(targetConn, reason);
    else this.#channel.removeVirtualUser(name);
    return "command";
  }

  onPm(conn: Conn, data: unknown): void {
    if (
      !typecheck(conn.socket, "pm", data, { msg: "string", to: "string", meta: "object,optional" })
    ) {
      return;
    }
    const { msg: raw, to: rawTo } = data as { msg: string; to: string };
    const record = (accepted: boolean, reason?: string, to?: string) =>
      this.#record({
        kind: "pm",
        from: conn.name,
        to: to ?? rawTo,
        msg: raw,
        accepted,
        ...(reason ? { reason } : {}),
      });
    const error = (msg: string, reason: string) => {
      conn.socket.emit("errorMsg", { msg });
      record(false, reason);
    };
    if (!conn.inChannel) return;
    if (!conn.loggedIn || conn.name === null) {
      return error("You must be signed in to send PMs", "not-logged-in");
    }
    const to = rawTo.toLowerCase();
    if (to === conn.name.toLowerCase()) return error("You can't PM yourself!", "self");
    if (!USER_NAME.test(to)) return error(`PM failed: ${to} isn't a valid username.`, "invalid");
    if (conn.chatLimiter.throttle(this.#minimum)) {
      conn.socket.emit("cooldown", 1000 / this.#minimum.sustained);
      return record(false, "flood");
    }
    const msg = raw.substring(0, this.#options.maxMessageLength ?? 320);
    const targetConn = this.#channel.findConn(to);
    const targetVirtual = this.#channel.virtualUsers.get(to);
    const targetName = targetConn?.name ?? targetVirtual?.name;
    if (targetName === undefined || targetName === null) {
      return error(`PM failed: ${to} isn't connected to this channel.`, "not-connected");
    }
    const meta: Record<string, unknown> = msg.startsWith(">") ? { addClass: "greentext" } : {};
    const line = {
      username: conn.name,
      msg: formatChatHtml(msg, this.#channel.opts.enable_link_regex !== false),
      meta,
      time: this.#channel.serverNow(),
      to: targetName,
    };
    targetConn?.socket.emit("pm", line);
    conn.socket.emit("pm", line);
    record(true, undefined, targetName);
  }
}
