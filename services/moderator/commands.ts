/**
 * The moderator shell's commands, Rosey's `common/shell.py` on the bus: each reads the channel
 * snapshot it is given and asks for actions through {@linkcode CommandContext}, so nothing here
 * talks to NATS or to a platform. A command returns its reply text, or throws a
 * {@linkcode ModeratorCommandError} whose message the caller sends as `Error: …`.
 */
import type {
  ChannelSnapshot,
  ChannelStatsReply,
  PlatformAction,
  PlatformActionName,
  PlaylistItem,
  UserStatsReply,
} from "@quicksilver/core";
import { ModeratorCommandError } from "./errors.ts";
import { formatDateTime, formatDuration } from "./format.ts";
import { COMMAND_NAMES, type CommandName, HELP_TEXT } from "./help.ts";
import { parseMediaLink } from "./media_link.ts";

/** An action payload without the channel, which the context fills in. */
export type ActionRequest<N extends PlatformActionName> = Omit<PlatformAction<N>, "channel">;

/** What a command may use. */
export interface CommandContext {
  snapshot: ChannelSnapshot;
  /** Carries out an action on the platform; throws a ModeratorCommandError when refused. */
  act<N extends PlatformActionName>(name: N, payload: ActionRequest<N>): Promise<void>;
  /** Channel stats, or `undefined` when the stats service did not answer in time. */
  channelStats(): Promise<ChannelStatsReply | undefined>;
  userStats(name: string): Promise<UserStatsReply | undefined>;
  now(): number;
}

export function isCommandName(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word);
}

/** Runs one command; `args` is everything after the command word, trimmed. */
export function runCommand(
  command: CommandName,
  args: string,
  ctx: CommandContext,
): Promise<string> {
  return COMMANDS[command](args, ctx);
}

type Command = (args: string, ctx: CommandContext) => Promise<string>;
const yesNo = (value: boolean) => (value ? "Yes" : "No");

const COMMANDS: Record<CommandName, Command> = {
  help: () => Promise.resolve(HELP_TEXT),

  info: (_args, { snapshot: s }) => {
    const lines = [`Bot: ${s.self.name}`, `Rank: ${s.self.rank}`, `AFK: ${yesNo(s.self.afk)}`];
    lines.push(`Channel: ${s.source.channel}`);
    const chatUsers = s.users.length;
    lines.push(
      s.userCount && s.userCount !== chatUsers
        ? `Users: ${chatUsers} in chat, ${s.userCount} connected`
        : `Users: ${chatUsers}`,
    );
    lines.push(`Playlist: ${s.playlist.length} items`);
    const total = s.playlist.reduce((sum, item) => sum + item.media.duration, 0);
    if (total > 0) lines.push(`Duration: ${formatDuration(total)}`);
    if (s.current) lines.push(`Now playing: ${s.current.media.title}`);
    return Promise.resolve(lines.join("\n"));
  },

  status: (_args, { snapshot: s, now }) => {
    const lines = [`Uptime: ${formatDuration((now() - s.startedAt) / 1000)}`];
    lines.push(`Connected: ${yesNo(s.connected)}`);
    if (s.connected) {
      if (s.server) lines.push(`Server: ${s.server}`);
      if (s.connectedSince !== undefined) {
        lines.push(`Conn time: ${formatDuration((now() - s.connectedSince) / 1000)}`);
      }
    }
    lines.push(`Channel: ${s.source.channel}`);
    if (s.leader) lines.push(`Leader: ${s.leader}`);
    if (s.current) lines.push(`Playback: ${s.current.paused ? "Paused" : "Playing"}`);
    return Promise.resolve(lines.join("\n"));
  },

  stats: async (_args, ctx) => {
    const reply = await ctx.channelStats();
    if (!reply) return "Stats unavailable (stats service timeout - is it running?)";
    if (!reply.ok) throw new ModeratorCommandError(`stats: ${reply.error.message}`);
    const { stats } = reply;
    const peak = (label: string, p: { count: number; at?: number | undefined }) =>
      p.at !== undefined
        ? `${label}: ${p.count} (${formatDateTime(p.at)})`
        : `${label}: ${p.count}`;
    const lines = [
      "=== Channel Statistics ===",
      peak("Peak chat users", stats.peakChatUsers),
      peak("Peak connected viewers", stats.peakViewers),
      `Total unique users: ${stats.uniqueUsers}`,
    ];
    if (stats.topChatters.length > 0) {
      lines.push("", "=== Top Chatters ===");
      stats.topChatters.slice(0, 10).forEach((chatter, i) => {
        lines.push(`${i + 1}. ${chatter.name}: ${chatter.lines} messages`);
      });
    }
    return lines.join("\n");
  },

  users: (_args, { snapshot: s }) => {
    if (s.users.length === 0) return Promise.resolve("No users information available");
    const sorted = [...s.users].sort((a, b) => b.rank - a.rank);
    const lines = sorted.map((user) => {
      const flags = [
        ...(user.afk ? ["AFK"] : []),
        ...(user.muted ? ["MUTED"] : []),
        ...(sameName(s.leader, user.name) ? ["LEADER"] : []),
      ];
      const flagText = flags.length > 0 ? ` [${flags.join(", ")}]` : "";
      return `  [${user.rank}] ${user.name}${flagText}`;
    });
    return Promise.resolve(`Users in channel (${lines.length}):\n${lines.join("\n")}`);
  },

  user: async (name, ctx) => {
    if (!name) return "Usage: user <username>";
    const user = ctx.snapshot.users.find((u) => sameName(u.name, name));
    if (!user) throw new ModeratorCommandError(`User '${name}' not found in the channel`);
    const lines = [
      `User: ${user.name}`,
      `Rank: ${user.rank}`,
      `AFK: ${yesNo(user.afk)}`,
      `Muted: ${yesNo(user.muted)}`,
    ];
    if (user.ip) lines.push(`IP: ${user.ip}`);
    if (user.aliases && user.aliases.length > 0) lines.push(`Aliases: ${user.aliases.join(", ")}`);
    if (sameName(ctx.snapshot.leader, user.name)) lines.push("Status: LEADER");
    const reply = await ctx.userStats(user.name);
    lines.push("", "--- Database Statistics ---");
    if (!reply) lines.push("Database stats unavailable (timeout)");
    else if (!reply.ok) lines.push(`Database stats unavailable (${reply.error.message})`);
    else if (!reply.user) lines.push("No database history for this user");
    else {
      const stats = reply.user;
      const seconds = Math.floor(stats.timeConnectedMs / 1000);
      lines.push(
        `Chat messages: ${stats.chatLines}`,
        `Time connected: ${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`,
        `First seen: ${formatDateTime(stats.firstSeen)}`,
        `Last seen: ${formatDateTime(stats.lastSeen)}`,
      );
      if (stats.sessionStart !== undefined) lines.push("Status: Currently connected");
    }
    return lines.join("\n");
  },

  afk: async (args, ctx) => {
    if (!args) return `Current AFK status: ${ctx.snapshot.self.afk ? "On" : "Off"}`;
    const word = args.toLowerCase();
    if (["on", "yes", "true", "1"].includes(word)) {
      await ctx.act("afk", { afk: true });
      return "AFK status: On";
    }
    if (["off", "no", "false", "0"].includes(word)) {
      await ctx.act("afk", { afk: false });
      return "AFK status: Off";
    }
    return "Usage: afk [on|off]";
  },

  say: async (message, ctx) => {
    if (!message) return "Usage: say <message>";
    await ctx.act("chat", { text: message });
    return `Sent: ${message}`;
  },

  pm: async (args, ctx) => {
    const [to, message] = splitFirst(args);
    if (!to || !message) return "Usage: pm <user> <message>";
    await ctx.act("pm", { to, text: message });
    return `PM sent to ${to}: ${message}`;
  },

  // Rosey's `clear` clears the chat (CyTube's `/clear`, rank >= 2), not the playlist.
  clear: async (_args, ctx) => {
    await ctx.act("clearChat", {});
    return "Chat cleared";
  },

  playlist: (args, { snapshot: s }) => {
    let limit = 10;
    if (args) {
      if (!/^\d+$/.test(args)) return Promise.resolve("Usage: playlist [number]");
      limit = Number(args);
    }
    const queue = s.playlist;
    const items = queue.slice(0, limit).map((item, i) => {
      const marker = item.uid === s.current?.uid ? "► " : "  ";
      return `${marker}${i + 1}. ${item.media.title} (${formatDuration(item.media.duration)})`;
    });
    let text = `Playlist (${queue.length} items):\n${items.join("\n")}`;
    if (queue.length > limit) text += `\n  ... and ${queue.length - limit} more`;
    return Promise.resolve(text);
  },

  current: (_args, { snapshot: s }) => {
    const current = s.current;
    if (!current) return Promise.resolve("Nothing is currently playing");
    const item = s.playlist.find((i) => i.uid === current.uid);
    const media = current.media;
    return Promise.resolve([
      `Title: ${media.title}`,
      `Duration: ${formatDuration(media.duration)}`,
      `Queued by: ${item?.queuedBy ?? ""}`,
      `URL: ${media.url ?? `${media.type}:${media.id}`}`,
      `Temporary: ${yesNo(item?.temp ?? false)}`,
      `Status: ${current.paused ? "Paused" : "Playing"}`,
      `Position: ${Math.floor(current.currentTime)}s`,
    ].join("\n"));
  },

  add: async (args, ctx) => {
    const [url, tempArg] = args.split(/\s+/).filter(Boolean);
    if (!url) return "Usage: add <url> [temp]  (temp: yes/no, default=yes)";
    const temp = !["no", "false", "0", "perm"].includes((tempArg ?? "").toLowerCase());
    const media = parseMediaLink(url);
    await ctx.act("queue", { media, position: "end", temp });
    return `Added: ${url} (${temp ? "temporary" : "permanent"})`;
  },

  remove: async (args, ctx) => {
    if (!args) return "Usage: remove <position>";
    const item = itemAt(ctx.snapshot.playlist, args, "Position");
    await ctx.act("delete", { uid: item.uid });
    return `Removed: ${item.media.title}`;
  },

  move: async (args, ctx) => {
    const [fromArg, toArg] = args.split(/\s+/).filter(Boolean);
    if (!fromArg || !toArg) return "Usage: move <from_pos> <to_pos>";
    const queue = ctx.snapshot.playlist;
    const from = itemAt(queue, fromArg, "From position");
    const toPos = positionIn(queue, toArg, "To position");
    // CyTube moves an item after another one: the target position maps to the item now at
    // pos-1, or to the top (Rosey's mapping).
    const after = toPos > 1 ? queue[toPos - 2]!.uid : "prepend" as const;
    await ctx.act("move", { uid: from.uid, after });
    return `Moved ${from.media.title} from position ${fromArg} to ${toPos}`;
  },

  jump: async (args, ctx) => {
    if (!args) return "Usage: jump <position>";
    const item = itemAt(ctx.snapshot.playlist, args, "Position");
    await ctx.act("jump", { uid: item.uid });
    return `Jumped to: ${item.media.title}`;
  },

  next: async (_args, ctx) => {
    const { current, playlist } = ctx.snapshot;
    if (!current) return "Nothing is currently playing";
    const index = playlist.findIndex((item) => item.uid === current.uid);
    if (index < 0) throw new ModeratorCommandError("the current item is not in the playlist");
    const next = playlist[index + 1];
    if (!next) return "Already at last item";
    await ctx.act("jump", { uid: next.uid });
    return `Skipped to: ${next.media.title}`;
  },

  pause: async (_args, ctx) => {
    await ctx.act("pause", {});
    return "Paused";
  },

  kick: async (args, ctx) => {
    const [name, reason] = splitFirst(args);
    if (!name) return "Usage: kick <user> [reason]";
    const { users, self } = ctx.snapshot;
    const target = users.find((u) => sameName(u.name, name));
    if (!target) throw new ModeratorCommandError(`User '${name}' not found in the channel`);
    if (target.rank >= self.rank) {
      throw new ModeratorCommandError(
        `cannot kick ${target.name}: their rank (${target.rank}) is not below the bot's ` +
          `(${self.rank})`,
      );
    }
    await ctx.act("kick", { user: target.name, ...(reason ? { reason } : {}) });
    return `Kicked ${target.name}${reason ? `: ${reason}` : ""}`;
  },

  voteskip: (_args, { snapshot: s }) => {
    const vote = s.voteskip ?? { count: 0, need: 0 };
    return Promise.resolve(`Voteskip: ${vote.count}/${vote.need}`);
  },
};

function sameName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** `"bob hello there"` -> `["bob", "hello there"]`. */
function splitFirst(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return match ? [match[1]!, match[2]!.trim()] : ["", ""];
}

function positionIn(queue: readonly PlaylistItem[], arg: string, label: string): number {
  if (!/^-?\d+$/.test(arg.trim())) {
    throw new ModeratorCommandError(`Invalid position number "${arg}"; positions start at 1`);
  }
  const pos = Number(arg.trim());
  if (queue.length === 0) throw new ModeratorCommandError("the playlist is empty");
  if (pos < 1 || pos > queue.length) {
    throw new ModeratorCommandError(`${label} must be between 1 and ${queue.length}`);
  }
  return pos;
}

function itemAt(queue: readonly PlaylistItem[], arg: string, label: string): PlaylistItem {
  return queue[positionIn(queue, arg, label) - 1]!;
}
