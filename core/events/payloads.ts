/**
 * Normalized payloads: what every connector produces, whatever the platform. Ranks follow
 * the scale of the richest platform we serve (-1 anonymous, 0 guest, 1 registered,
 * 1.5 leader, 2 moderator, 3 admin, 4 owner, 5 founder, 255 site admin); other connectors map
 * their roles onto it.
 */
import { z } from "./_zod.ts";

/** A string of `min`..`max` characters (the length checks every text field here has). */
const str = (max: number, min = 0) =>
  z.string().check(...(min > 0 ? [z.minLength(min)] : []), z.maxLength(max));

export const UserSchema = z.object({
  name: str(100, 1),
  rank: z.number().check(z.gte(-1), z.lte(1000)),
  /** Platform user id where the platform has one distinct from the name. */
  id: z.optional(str(128)),
});
export type User = z.infer<typeof UserSchema>;

/** A chat line in a channel (`rosey.events.message`) or a private message (`rosey.events.pm`). */
export const MessagePayloadSchema = z.object({
  user: UserSchema,
  /** Plain text: entities decoded and markup stripped by the connector. */
  text: str(10_000),
  /** `/me` style action. */
  action: z.optional(z.boolean()),
  /** Set on private messages: who it was sent to (the bot's own name). */
  to: z.optional(str(100)),
});
export type MessagePayload = z.infer<typeof MessagePayloadSchema>;

export const UserJoinPayloadSchema = z.object({ user: UserSchema });
export type UserJoinPayload = z.infer<typeof UserJoinPayloadSchema>;

export const UserLeavePayloadSchema = z.object({
  user: z.object({ name: z.string().check(z.minLength(1)) }),
});
export type UserLeavePayload = z.infer<typeof UserLeavePayloadSchema>;

/** `user.rename`: the same person, known as `from` until now and as `to` from now on. */
export const UserRenamePayloadSchema = z.object({ from: str(100, 1), to: str(100, 1) });
export type UserRenamePayload = z.infer<typeof UserRenamePayloadSchema>;

export const UserUpdatePayloadSchema = z.object({
  user: z.object({ name: z.string().check(z.minLength(1)) }),
  rank: z.optional(z.number()),
  afk: z.optional(z.boolean()),
  muted: z.optional(z.boolean()),
});
export type UserUpdatePayload = z.infer<typeof UserUpdatePayloadSchema>;

export const MediaSchema = z.object({
  /** Platform media id (e.g. the provider's id, a YouTube video id). */
  id: str(500),
  /** Provider type (e.g. `yt`, `vi`, `fi`, ...). */
  type: str(20),
  title: str(500),
  /** Seconds; 0 for live or unknown. */
  duration: z.number().check(z.nonnegative()),
  url: z.optional(str(2000)),
});
export type Media = z.infer<typeof MediaSchema>;

export const PlaylistItemSchema = z.object({
  uid: z.int(),
  media: MediaSchema,
  temp: z.boolean(),
  queuedBy: str(100),
});
export type PlaylistItem = z.infer<typeof PlaylistItemSchema>;

export const MediaChangePayloadSchema = z.object({
  media: MediaSchema,
  uid: z.optional(z.int()),
  queuedBy: z.optional(z.string()),
  paused: z.optional(z.boolean()),
  currentTime: z.optional(z.number()),
});
export type MediaChangePayload = z.infer<typeof MediaChangePayloadSchema>;

/** Where a playlist item goes: after the item with that uid, or at either end. */
const PlaylistAfter = z.union([z.int(), z.literal("prepend"), z.literal("append")]);

export const PlaylistAddPayloadSchema = z.object({
  item: PlaylistItemSchema,
  after: PlaylistAfter,
});
export const PlaylistRemovePayloadSchema = z.object({ uid: z.int() });
export const PlaylistMovePayloadSchema = z.object({ uid: z.int(), after: PlaylistAfter });
export const PlaylistResetPayloadSchema = z.object({ items: z.array(PlaylistItemSchema) });
export type PlaylistAddPayload = z.infer<typeof PlaylistAddPayloadSchema>;
export type PlaylistRemovePayload = z.infer<typeof PlaylistRemovePayloadSchema>;
export type PlaylistMovePayload = z.infer<typeof PlaylistMovePayloadSchema>;
export type PlaylistResetPayload = z.infer<typeof PlaylistResetPayloadSchema>;

/** The bot joined (or left) a channel: its own name and rank there. */
export const ChannelJoinedPayloadSchema = z.object({ self: UserSchema });
export const ChannelLeftPayloadSchema = z.object({ reason: str(500) });
export const ChannelUserCountPayloadSchema = z.object({ count: z.int().check(z.nonnegative()) });
export type ChannelUserCountPayload = z.infer<typeof ChannelUserCountPayloadSchema>;

/** Who is in the channel (the bot excluded), as of joining it. */
export const ChannelPresencePayloadSchema = z.object({
  users: z.array(UserSchema).check(z.maxLength(10_000)),
});
export type ChannelPresencePayload = z.infer<typeof ChannelPresencePayloadSchema>;
