/**
 * Channel statistics over request/reply: what the stats service answers on
 * `rosey.stats.query.channel` and `rosey.stats.query.user`, and what the moderator shell asks.
 * Times are ms since the epoch.
 */
import { z } from "zod";
import { SourceSchema } from "./envelope.ts";

/** The query kinds, as subject tokens (`subjects.statsQuery(STATS_QUERIES.channel)`). */
export const STATS_QUERIES = { channel: "channel", user: "user" } as const;

/** A high-water mark: the largest count seen and when (absent until something was counted). */
export const PeakSchema = z.object({
  count: z.number().int().nonnegative(),
  at: z.number().optional(),
});
export type Peak = z.infer<typeof PeakSchema>;

export const ChannelStatsQuerySchema = z.object({ source: SourceSchema });
export type ChannelStatsQuery = z.infer<typeof ChannelStatsQuerySchema>;

export const ChannelStatsSchema = z.object({
  source: SourceSchema,
  /** Most users present in the chat at once (from joins and leaves). */
  peakChatUsers: PeakSchema,
  /** Most connected viewers at once, anonymous included (`channel.usercount`). */
  peakViewers: PeakSchema,
  uniqueUsers: z.number().int().nonnegative(),
  totalChatLines: z.number().int().nonnegative(),
  /** At most 10, most lines first. */
  topChatters: z.array(z.object({ name: z.string(), lines: z.number().int() })).max(10),
});
export type ChannelStats = z.infer<typeof ChannelStatsSchema>;

export const UserStatsQuerySchema = z.object({
  source: SourceSchema,
  name: z.string().min(1).max(100),
});
export type UserStatsQuery = z.infer<typeof UserStatsQuerySchema>;

export const UserStatsSchema = z.object({
  name: z.string(),
  joins: z.number().int().nonnegative(),
  leaves: z.number().int().nonnegative(),
  chatLines: z.number().int().nonnegative(),
  /** Time spent in the channel, the current session included. */
  timeConnectedMs: z.number().nonnegative(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  /** When the current session started, if the user is in the channel now. */
  sessionStart: z.number().optional(),
});
export type UserStats = z.infer<typeof UserStatsSchema>;

const StatsError = z.object({ code: z.string().max(64), message: z.string().max(500) });

export const ChannelStatsReplySchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), stats: ChannelStatsSchema }),
  z.object({ ok: z.literal(false), error: StatsError }),
]);
export type ChannelStatsReply = z.infer<typeof ChannelStatsReplySchema>;

/** `user: null` when the service has never seen that name in that channel. */
export const UserStatsReplySchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), user: UserStatsSchema.nullable() }),
  z.object({ ok: z.literal(false), error: StatsError }),
]);
export type UserStatsReply = z.infer<typeof UserStatsReplySchema>;
