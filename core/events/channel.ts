/**
 * Channel state and platform actions: the contract between platform connectors and the core
 * services that act on a channel (commands, moderation, logs, stats). Platform-neutral on
 * purpose: a media-sharing platform fills all of it, a chat-only platform
 * leaves the playlist empty and refuses media actions with `unsupported`.
 *
 * - State: request `rosey.platform.<p>.state.snapshot` with {@linkcode ChannelQuery}, reply
 *   {@linkcode ChannelSnapshot}. Only authorised services hold that publish right.
 * - Actions: publish (or request, to learn the outcome) `rosey.platform.<p>.action.<name>`
 *   with the payload schema in {@linkcode PLATFORM_ACTIONS}; a request gets an
 *   {@linkcode ActionResult}.
 */
import { z } from "zod";
import { ChatActionSchema, PrivateMessageActionSchema } from "./commands.ts";
import { SourceSchema } from "./envelope.ts";
import { MediaSchema, PlaylistItemSchema } from "./payloads.ts";

export const ChannelUserSchema = z.object({
  name: z.string(),
  rank: z.number(),
  afk: z.boolean().default(false),
  muted: z.boolean().default(false),
  /** What the platform tells a moderator: a media-sharing platform sends ip and aliases to rank >= 2. */
  ip: z.string().optional(),
  aliases: z.array(z.string()).optional(),
});
export type ChannelUser = z.infer<typeof ChannelUserSchema>;

export const ChannelQuerySchema = z.object({ channel: z.string().min(1).max(200) });
export type ChannelQuery = z.infer<typeof ChannelQuerySchema>;

export const ChannelSnapshotSchema = z.object({
  source: SourceSchema,
  connected: z.boolean(),
  /** Server address the connector is attached to (for `status`). */
  server: z.string().optional(),
  /** When the current connection was made (ms epoch). */
  connectedSince: z.number().optional(),
  /** When the connector process started (ms epoch), for uptime. */
  startedAt: z.number(),
  self: z.object({ name: z.string(), rank: z.number(), afk: z.boolean().default(false) }),
  users: z.array(ChannelUserSchema),
  /** Connected viewers, including anonymous ones (the platform's user count). */
  userCount: z.number().int().nonnegative(),
  leader: z.string().optional(),
  playlist: z.array(PlaylistItemSchema),
  current: z.object({
    uid: z.number().int().optional(),
    media: MediaSchema,
    paused: z.boolean(),
    currentTime: z.number(),
  }).optional(),
  voteskip: z.object({ count: z.number(), need: z.number() }).optional(),
});
export type ChannelSnapshot = z.infer<typeof ChannelSnapshotSchema>;

const ChannelTarget = z.object({
  channel: z.string().min(1).max(200),
  origin: z.string().max(100).optional(),
});
const PlaylistPosition = z.union([z.number().int(), z.literal("prepend")]);

/** Every action a connector may carry out, by action name (the last subject token). */
export const PLATFORM_ACTIONS = {
  chat: ChatActionSchema,
  pm: PrivateMessageActionSchema,
  queue: ChannelTarget.extend({
    /** Provider type and id, as parsed from a media link (`yt`, `dQw4w9WgXcQ`). */
    media: z.object({ type: z.string().min(1).max(20), id: z.string().min(1).max(500) }),
    position: z.enum(["next", "end"]).default("end"),
    temp: z.boolean().default(true),
  }),
  delete: ChannelTarget.extend({ uid: z.number().int() }),
  move: ChannelTarget.extend({ uid: z.number().int(), after: PlaylistPosition }),
  jump: ChannelTarget.extend({ uid: z.number().int() }),
  next: ChannelTarget,
  pause: ChannelTarget,
  kick: ChannelTarget.extend({
    user: z.string().min(1).max(100),
    reason: z.string().max(300).optional(),
  }),
  /** Empty the playlist. */
  clearPlaylist: ChannelTarget,
  /** Clear the chat for everyone (moderators only). */
  clearChat: ChannelTarget,
  afk: ChannelTarget.extend({ afk: z.boolean() }),
  voteskip: ChannelTarget,
} as const;
export type PlatformActionName = keyof typeof PLATFORM_ACTIONS;
export type PlatformAction<N extends PlatformActionName> = z.infer<typeof PLATFORM_ACTIONS[N]>;

export const ActionResultSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true) }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      /** `not_connected`, `not_permitted`, `invalid`, `unsupported`, `failed`, `timeout`. */
      code: z.string().max(64),
      message: z.string().max(500),
    }),
  }),
]);
export type ActionResult = z.infer<typeof ActionResultSchema>;

/** Audit record published on `rosey.audit.<service>` for each moderator command. */
export const AuditRecordSchema = z.object({
  service: z.string().max(64),
  actor: z.string().max(100),
  source: SourceSchema,
  command: z.string().max(64),
  args: z.string().max(2000),
  result: z.enum(["pending", "success", "error"]),
  detail: z.string().max(1000).optional(),
  time: z.number(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;
