/**
 * Channel statistics as a pure state and a reducer over normalized events, so the numbers are
 * tested without a bus and the service only persists what this computes. Per channel
 * (`platform/channel`): joins, leaves, session time, chat lines, first/last seen per user,
 * who is online now, and the peaks of chat users and connected viewers with when they
 * happened. Rosey's `rosey.db` kept the same (NOTES-CYTUBE.md, D).
 */
import {
  ChannelPresencePayloadSchema,
  type ChannelStats,
  ChannelUserCountPayloadSchema,
  type Envelope,
  EVENT_TYPES,
  MessagePayloadSchema,
  type Source,
  UserJoinPayloadSchema,
  UserLeavePayloadSchema,
  type UserStats,
} from "@quicksilver/core";
import { z } from "zod";

const PeakStateSchema = z.object({
  count: z.number().int().nonnegative(),
  at: z.number().optional(),
});

const UserRecordSchema = z.object({
  name: z.string(),
  joins: z.number().int().nonnegative(),
  leaves: z.number().int().nonnegative(),
  chatLines: z.number().int().nonnegative(),
  /** Closed sessions only; the open one is `online[name]`. */
  sessionMs: z.number().nonnegative(),
  firstSeen: z.number(),
  lastSeen: z.number(),
});
export type UserRecord = z.infer<typeof UserRecordSchema>;

const ChannelStateSchema = z.object({
  source: z.object({ platform: z.string(), channel: z.string() }),
  peakChatUsers: PeakStateSchema,
  peakViewers: PeakStateSchema,
  /** By lower-cased name. */
  users: z.record(z.string(), UserRecordSchema),
  /** Users in the channel now: lower-cased name -> session start. */
  online: z.record(z.string(), z.number()),
});
export type ChannelStatsState = z.infer<typeof ChannelStateSchema>;

export const StatsStateSchema = z.object({
  version: z.literal(1),
  /** The last stream sequence applied: a redelivery at or below it is skipped. */
  lastSeq: z.number().int().nonnegative(),
  channels: z.record(z.string(), ChannelStateSchema),
});
export type StatsState = z.infer<typeof StatsStateSchema>;

export function emptyStatsState(): StatsState {
  return { version: 1, lastSeq: 0, channels: {} };
}

function channelKey(source: Source): string {
  return `${source.platform}/${source.channel}`;
}

function channelOf(state: StatsState, source: Source): ChannelStatsState {
  const key = channelKey(source);
  return state.channels[key] ??= {
    source: { platform: source.platform, channel: source.channel },
    peakChatUsers: { count: 0 },
    peakViewers: { count: 0 },
    users: {},
    online: {},
  };
}

function userOf(channel: ChannelStatsState, name: string, time: number): UserRecord {
  return channel.users[name.toLowerCase()] ??= {
    name,
    joins: 0,
    leaves: 0,
    chatLines: 0,
    sessionMs: 0,
    firstSeen: time,
    lastSeen: time,
  };
}

function closeSession(channel: ChannelStatsState, key: string, time: number) {
  const since = channel.online[key];
  if (since === undefined) return;
  const user = channel.users[key];
  if (user) {
    user.sessionMs += Math.max(0, time - since);
    user.lastSeen = Math.max(user.lastSeen, time);
  }
  delete channel.online[key];
}

/**
 * Applies one event to the state (in place). Returns whether the state changed. Events of
 * other types, and payloads that do not decode, change nothing.
 */
export function applyEvent(state: StatsState, envelope: Envelope): boolean {
  const { source, time } = envelope;
  switch (envelope.type) {
    case EVENT_TYPES.userJoin: {
      const parsed = UserJoinPayloadSchema.safeParse(envelope.payload);
      if (!parsed.success) return false;
      const channel = channelOf(state, source);
      const user = userOf(channel, parsed.data.user.name, time);
      user.name = parsed.data.user.name;
      user.joins++;
      user.lastSeen = Math.max(user.lastSeen, time);
      const key = user.name.toLowerCase();
      channel.online[key] ??= time;
      const present = Object.keys(channel.online).length;
      if (present > channel.peakChatUsers.count) {
        channel.peakChatUsers = { count: present, at: time };
      }
      return true;
    }
    case EVENT_TYPES.userLeave: {
      const parsed = UserLeavePayloadSchema.safeParse(envelope.payload);
      if (!parsed.success) return false;
      const channel = channelOf(state, source);
      const user = userOf(channel, parsed.data.user.name, time);
      user.leaves++;
      user.lastSeen = Math.max(user.lastSeen, time);
      closeSession(channel, user.name.toLowerCase(), time);
      return true;
    }
    case EVENT_TYPES.message: {
      const parsed = MessagePayloadSchema.safeParse(envelope.payload);
      if (!parsed.success) return false;
      const channel = channelOf(state, source);
      const user = userOf(channel, parsed.data.user.name, time);
      user.chatLines++;
      user.lastSeen = Math.max(user.lastSeen, time);
      return true;
    }
    case EVENT_TYPES.channelUserCount: {
      const parsed = ChannelUserCountPayloadSchema.safeParse(envelope.payload);
      if (!parsed.success) return false;
      const channel = channelOf(state, source);
      if (parsed.data.count > channel.peakViewers.count) {
        channel.peakViewers = { count: parsed.data.count, at: time };
      }
      return true;
    }
    case EVENT_TYPES.channelPresence: {
      // Who was already there when the bot (re)joined: open their sessions from now, close
      // the sessions of anyone no longer present.
      const parsed = ChannelPresencePayloadSchema.safeParse(envelope.payload);
      if (!parsed.success) return false;
      const channel = channelOf(state, source);
      const present = new Set<string>();
      for (const { name } of parsed.data.users) {
        const user = userOf(channel, name, time);
        user.lastSeen = Math.max(user.lastSeen, time);
        const key = name.toLowerCase();
        present.add(key);
        channel.online[key] ??= time;
      }
      for (const key of Object.keys(channel.online)) {
        if (!present.has(key)) closeSession(channel, key, time);
      }
      if (present.size > channel.peakChatUsers.count) {
        channel.peakChatUsers = { count: present.size, at: time };
      }
      return true;
    }
    case EVENT_TYPES.channelLeft: {
      // The bot lost its connection: leaves in between will never be seen, so every open
      // session ends now; on rejoining, `channel.presence` says who is there again.
      const channel = state.channels[channelKey(source)];
      if (!channel) return false;
      for (const key of Object.keys(channel.online)) closeSession(channel, key, time);
      return true;
    }
    default:
      return false;
  }
}

/** The channel's summary, as the `channel` stats query answers it. */
export function channelSummary(state: StatsState, source: Source): ChannelStats {
  const channel = state.channels[channelKey(source)];
  if (!channel) {
    return {
      source,
      peakChatUsers: { count: 0 },
      peakViewers: { count: 0 },
      uniqueUsers: 0,
      totalChatLines: 0,
      topChatters: [],
    };
  }
  const users = Object.values(channel.users);
  const topChatters = users
    .filter((user) => user.chatLines > 0)
    .sort((a, b) => b.chatLines - a.chatLines || a.name.localeCompare(b.name))
    .slice(0, 10)
    .map((user) => ({ name: user.name, lines: user.chatLines }));
  return {
    source,
    peakChatUsers: { ...channel.peakChatUsers },
    peakViewers: { ...channel.peakViewers },
    uniqueUsers: users.length,
    totalChatLines: users.reduce((sum, user) => sum + user.chatLines, 0),
    topChatters,
  };
}

/** One user's numbers at `now` (the open session counted so far), or null if never seen. */
export function userSummary(
  state: StatsState,
  source: Source,
  name: string,
  now: number,
): UserStats | null {
  const channel = state.channels[channelKey(source)];
  const key = name.toLowerCase();
  const user = channel?.users[key];
  if (!channel || !user) return null;
  const since = channel.online[key];
  return {
    name: user.name,
    joins: user.joins,
    leaves: user.leaves,
    chatLines: user.chatLines,
    timeConnectedMs: user.sessionMs + (since !== undefined ? Math.max(0, now - since) : 0),
    firstSeen: user.firstSeen,
    lastSeen: since !== undefined ? Math.max(user.lastSeen, now) : user.lastSeen,
    ...(since !== undefined ? { sessionStart: since } : {}),
  };
}
