/**
 * The CyTube socket.io protocol as zod schemas, parsed once at the edge (STYLE.md rule 4).
 *
 * Server frames are parsed leniently (loose objects: the real server adds fields for mods and
 * in newer versions) but wrong types are rejected, so the rest of the connector can trust
 * what it holds. Shapes follow NOTES-CYTUBE.md, which follows calzoneman/sync 3.86.
 *
 * @module
 */

import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Shared shapes

/** A user's profile (avatar URL and text); empty strings when unset. */
export const ProfileSchema = z.looseObject({
  image: z.string().default(""),
  text: z.string().default(""),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** Per-user flags; mods and site admins also get `ip` and `aliases`. */
export const UserMetaSchema = z.looseObject({
  afk: z.boolean().default(false),
  muted: z.boolean().default(false),
  smuted: z.boolean().optional(),
  aliases: z.array(z.string()).optional(),
  ip: z.string().optional(),
});
export type UserMeta = z.infer<typeof UserMetaSchema>;

/** A user in the channel's user list. */
export const CyUserSchema = z.looseObject({
  name: z.string(),
  rank: z.number(),
  profile: ProfileSchema.default({ image: "", text: "" }),
  meta: UserMetaSchema.default({ afk: false, muted: false }),
});
export type CyUser = z.infer<typeof CyUserSchema>;

/** A media item (`src/media.js` pack). `type` is the two-letter source code ("yt", "vi", ...). */
export const MediaSchema = z.looseObject({
  id: z.string(),
  title: z.string(),
  seconds: z.number(),
  duration: z.string().default(""),
  type: z.string(),
  meta: z.looseObject({}).default({}),
});
export type Media = z.infer<typeof MediaSchema>;

/** A playlist entry: the media plus its playlist identity. */
export const PlaylistItemSchema = z.looseObject({
  media: MediaSchema,
  uid: z.number(),
  temp: z.boolean().default(false),
  queueby: z.string().default(""),
});
export type PlaylistItem = z.infer<typeof PlaylistItemSchema>;

/** Chat styling hints; `action` marks `/me`. */
export const ChatMetaSchema = z.looseObject({
  modflair: z.number().optional(),
  addClass: z.string().optional(),
  action: z.boolean().optional(),
  forceShowName: z.boolean().optional(),
  addClassToNameAndTimestamp: z.boolean().optional(),
  shadow: z.boolean().optional(),
});
export type ChatMeta = z.infer<typeof ChatMetaSchema>;

/** `chat_antiflood_params`: burst, per-second rate, and idle seconds before the count resets. */
export const AntifloodParamsSchema = z.looseObject({
  burst: z.number(),
  sustained: z.number(),
  cooldown: z.number().optional(),
});
export type AntifloodParams = z.infer<typeof AntifloodParamsSchema>;

/** Channel options (`src/channel/opts.js`); only the fields we use are typed. */
export const ChannelOptsSchema = z.looseObject({
  chat_antiflood: z.boolean().optional(),
  chat_antiflood_params: AntifloodParamsSchema.optional(),
  allow_voteskip: z.boolean().optional(),
  voteskip_ratio: z.number().optional(),
  afk_timeout: z.number().optional(),
  pagetitle: z.string().optional(),
  maxlength: z.number().optional(),
  enable_link_regex: z.boolean().optional(),
  password: z.union([z.string(), z.literal(false)]).optional(),
  allow_ascii_control: z.boolean().optional(),
  new_user_chat_delay: z.number().optional(),
  new_user_chat_link_delay: z.number().optional(),
});
export type ChannelOpts = z.infer<typeof ChannelOptsSchema>;

const ChatMsgSchema = z.looseObject({
  username: z.string(),
  msg: z.string(),
  meta: ChatMetaSchema.default({}),
  time: z.number(),
});

const noPayload = z.unknown().transform(() => undefined);

// ---------------------------------------------------------------------------------------------
// Server -> client

/** Schemas of every server frame the connector understands, keyed by socket.io event name. */
export const SERVER_FRAME_SCHEMAS = {
  chatMsg: ChatMsgSchema,
  pm: ChatMsgSchema.extend({ to: z.string() }),
  login: z.discriminatedUnion("success", [
    z.looseObject({ success: z.literal(true), name: z.string(), guest: z.boolean().optional() }),
    z.looseObject({ success: z.literal(false), error: z.string().default("login refused") }),
  ]),
  rank: z.number(),
  // `typeof data.pw !== "undefined"` on the server: true means "you sent a wrong password".
  needPassword: z.boolean().default(false),
  cancelNeedPassword: noPayload,
  channelNotRegistered: noPayload,
  userlist: z.array(CyUserSchema),
  addUser: CyUserSchema,
  userLeave: z.looseObject({ name: z.string() }),
  usercount: z.number(),
  setUserRank: z.looseObject({ name: z.string(), rank: z.number() }),
  setAFK: z.looseObject({ name: z.string(), afk: z.boolean() }),
  setUserMeta: z.looseObject({ name: z.string(), meta: UserMetaSchema }),
  setUserProfile: z.looseObject({ name: z.string(), profile: ProfileSchema }),
  setLeader: z.string(),
  playlist: z.array(PlaylistItemSchema),
  queue: z.looseObject({
    item: PlaylistItemSchema,
    after: z.union([z.number(), z.string()]),
  }),
  delete: z.looseObject({ uid: z.number() }),
  moveVideo: z.looseObject({ from: z.number(), after: z.union([z.number(), z.string()]) }),
  setCurrent: z.number(),
  changeMedia: MediaSchema.extend({
    currentTime: z.number().default(0),
    paused: z.boolean().default(false),
  }),
  mediaUpdate: z.looseObject({ currentTime: z.number(), paused: z.boolean().default(false) }),
  setTemp: z.looseObject({ uid: z.number(), temp: z.boolean() }),
  setPlaylistMeta: z.looseObject({
    count: z.number(),
    rawTime: z.number(),
    time: z.string().default(""),
  }),
  setPlaylistLocked: z.boolean(),
  queueFail: z.looseObject({
    msg: z.string(),
    link: z.string().nullable().optional(),
    id: z.union([z.string(), z.boolean()]).nullable().optional(),
  }),
  queueWarn: z.looseObject({ msg: z.string(), link: z.string().nullable().optional() }),
  voteskip: z.looseObject({ count: z.number(), need: z.number() }),
  channelOpts: ChannelOptsSchema,
  setPermissions: z.record(z.string(), z.number()),
  errorMsg: z.looseObject({
    msg: z.string(),
    code: z.string().optional(),
    alert: z.boolean().optional(),
  }),
  // `user.kick()` without an argument serialises as `{}`.
  kick: z.looseObject({ reason: z.string().default("") }),
  cooldown: z.number(),
  noflood: z.looseObject({ action: z.string(), msg: z.string() }),
  clearchat: z.looseObject({ clearedBy: z.string().optional() }).optional(),
  spamFiltered: z.looseObject({ reason: z.string() }),
} as const;

/** Name of a server frame the connector understands. */
export type ServerEvent = keyof typeof SERVER_FRAME_SCHEMAS;

/** Payload type of each server frame, after parsing. */
export type ServerFrameMap = { [K in ServerEvent]: z.output<(typeof SERVER_FRAME_SCHEMAS)[K]> };

/** A parsed server frame: `{event, data}`, discriminated on `event`. */
export type ServerFrame = {
  [K in ServerEvent]: { event: K; data: ServerFrameMap[K] };
}[ServerEvent];

export type ChatMsgFrame = ServerFrameMap["chatMsg"];
export type PmFrame = ServerFrameMap["pm"];
export type ChangeMediaFrame = ServerFrameMap["changeMedia"];

/** Result of {@linkcode parseServerFrame}. */
export type ParsedFrame =
  | { kind: "frame"; frame: ServerFrame }
  | { kind: "unknown"; event: string }
  | { kind: "malformed"; event: string; issues: string };

function isServerEvent(event: string): event is ServerEvent {
  return Object.hasOwn(SERVER_FRAME_SCHEMAS, event);
}

/**
 * Parses one socket.io event (name and arguments) into a typed frame. Never throws: an
 * unknown event or a payload of the wrong shape is reported in the result.
 *
 * @example
 * ```ts
 * import { parseServerFrame } from "./protocol.ts";
 * const parsed = parseServerFrame("usercount", [3]);
 * if (parsed.kind === "frame" && parsed.frame.event === "usercount") parsed.frame.data; // 3
 * ```
 */
export function parseServerFrame(event: string, args: readonly unknown[]): ParsedFrame {
  if (!isServerEvent(event)) return { kind: "unknown", event };
  const schema: z.ZodType = SERVER_FRAME_SCHEMAS[event];
  const result = schema.safeParse(args[0]);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`)
      .join("; ");
    return { kind: "malformed", event, issues };
  }
  return { kind: "frame", frame: { event, data: result.data } as ServerFrame };
}

// ---------------------------------------------------------------------------------------------
// Client -> server

/** Schemas of the frames a bot emits; the fake server validates what it receives with them. */
export const CLIENT_FRAME_SCHEMAS = {
  joinChannel: z.object({ name: z.string(), pw: z.string().optional() }),
  channelPassword: z.string(),
  login: z.object({ name: z.string(), pw: z.string().optional() }),
  chatMsg: z.object({
    msg: z.string(),
    meta: z.looseObject({ modflair: z.number().optional() }).optional(),
  }),
  pm: z.object({ to: z.string(), msg: z.string(), meta: z.looseObject({}).optional() }),
  queue: z.object({
    id: z.union([z.string(), z.literal(false)]),
    type: z.string(),
    pos: z.enum(["next", "end"]),
    title: z.string().optional(),
    duration: z.number().optional(),
    temp: z.boolean().optional(),
  }),
  delete: z.number(),
  moveMedia: z.object({
    from: z.number(),
    after: z.union([z.number(), z.literal("prepend"), z.literal("append")]),
  }),
  jumpTo: z.union([z.number(), z.string()]),
  playNext: z.undefined(),
  setTemp: z.object({ uid: z.number(), temp: z.boolean() }),
  clearPlaylist: z.undefined(),
  shufflePlaylist: z.undefined(),
  voteskip: z.undefined(),
  mediaUpdate: z.object({
    id: z.string(),
    currentTime: z.number(),
    paused: z.boolean().optional(),
    type: z.string().optional(),
  }),
  assignLeader: z.object({ name: z.string() }),
} as const;

/** Name of a frame a bot emits. */
export type ClientEvent = keyof typeof CLIENT_FRAME_SCHEMAS;

/** Payload type of each client frame. */
export type ClientFrameMap = { [K in ClientEvent]: z.input<(typeof CLIENT_FRAME_SCHEMAS)[K]> };
