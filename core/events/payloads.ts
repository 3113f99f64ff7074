/**
 * Normalized payloads: what every connector produces, whatever the platform. Ranks follow
 * the scale of the richest platform we serve (-1 anonymous, 0 guest, 1 registered,
 * 1.5 leader, 2 moderator, 3 admin, 4 owner, 5 founder, 255 site admin); other connectors map
 * their roles onto it.
 */
import { z } from "zod";

export const UserSchema = z.object({
  name: z.string().min(1).max(100),
  rank: z.number().min(-1).max(1000),
  /** Platform user id where the platform has one distinct from the name. */
  id: z.string().max(128).optional(),
});
export type User = z.infer<typeof UserSchema>;

/** A chat line in a channel (`rosey.events.message`) or a private message (`rosey.events.pm`). */
export const MessagePayloadSchema = z.object({
  user: UserSchema,
  /** Plain text: entities decoded and markup stripped by the connector. */
  text: z.string().max(10_000),
  /** `/me` style action. */
  action: z.boolean().optional(),
  /** Set on private messages: who it was sent to (the bot's own name). */
  to: z.string().max(100).optional(),
});
export type MessagePayload = z.infer<typeof MessagePayloadSchema>;

export const UserJoinPayloadSchema = z.object({ user: UserSchema });
export type UserJoinPayload = z.infer<typeof UserJoinPayloadSchema>;

export const UserLeavePayloadSchema = z.object({ user: z.object({ name: z.string().min(1) }) });
export type UserLeavePayload = z.infer<typeof UserLeavePayloadSchema>;

export const UserUpdatePayloadSchema = z.object({
  user: z.object({ name: z.string().min(1) }),
  rank: z.number().optional(),
  afk: z.boolean().optional(),
  muted: z.boolean().optional(),
});
export type UserUpdatePayload = z.infer<typeof UserUpdatePayloadSchema>;

export const MediaSchema = z.object({
  /** Platform media id (e.g. the provider's id, a YouTube video id). */
  id: z.string().max(500),
  /** Provider type (e.g. `yt`, `vi`, `fi`, ...). */
  type: z.string().max(20),
  title: z.string().max(500),
  /** Seconds; 0 for live or unknown. */
  duration: z.number().nonnegative(),
  url: z.string().max(2000).optional(),
});
export type Media = z.infer<typeof MediaSchema>;

export const PlaylistItemSchema = z.object({
  uid: z.number().int(),
  media: MediaSchema,
  temp: z.boolean(),
  queuedBy: z.string().max(100),
});
export type PlaylistItem = z.infer<typeof PlaylistItemSchema>;

export const MediaChangePayloadSchema = z.object({
  media: MediaSchema,
  uid: z.number().int().optional(),
  queuedBy: z.string().optional(),
  paused: z.boolean().optional(),
  currentTime: z.number().optional(),
});
export type MediaChangePayload = z.infer<typeof MediaChangePayloadSchema>;

export const PlaylistAddPayloadSchema = z.object({
  item: PlaylistItemSchema,
  after: z.union([z.number().int(), z.literal("prepend"), z.literal("append")]),
});
export const PlaylistRemovePayloadSchema = z.object({ uid: z.number().int() });
export const PlaylistMovePayloadSchema = z.object({
  uid: z.number().int(),
  after: z.union([z.number().int(), z.literal("prepend"), z.literal("append")]),
});
export const PlaylistResetPayloadSchema = z.object({ items: z.array(PlaylistItemSchema) });
export type PlaylistAddPayload = z.infer<typeof PlaylistAddPayloadSchema>;
export type PlaylistRemovePayload = z.infer<typeof PlaylistRemovePayloadSchema>;
export type PlaylistMovePayload = z.infer<typeof PlaylistMovePayloadSchema>;
export type PlaylistResetPayload = z.infer<typeof PlaylistResetPayloadSchema>;

/** The bot joined (or left) a channel: its own name and rank there. */
export const ChannelJoinedPayloadSchema = z.object({ self: UserSchema });
export const ChannelLeftPayloadSchema = z.object({ reason: z.string().max(500) });
export const ChannelUserCountPayloadSchema = z.object({ count: z.number().int().nonnegative() });
export type ChannelUserCountPayload = z.infer<typeof ChannelUserCountPayloadSchema>;

/** Who is in the channel (the bot excluded), as of joining it. */
export const ChannelPresencePayloadSchema = z.object({ users: z.array(UserSchema).max(10_000) });
export type ChannelPresencePayload = z.infer<typeof ChannelPresencePayloadSchema>;
