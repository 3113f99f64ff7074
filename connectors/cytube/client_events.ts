/**
 * The events a {@linkcode CytubeClient} emits, already parsed and decoded: what a connector
 * binding (e.g. to NATS) publishes.
 *
 * @module
 */

import type { ChannelUser, NowPlaying } from "./channel_state.ts";
import type { CytubeError, MalformedFrameError } from "./errors.ts";
import type { OutboundMessage } from "./flood_policy.ts";
import type { PacingDropReason } from "./pacing_queue.ts";
import type { ChatMeta, PlaylistItem, ServerFrame } from "./protocol.ts";

/** A public chat line from someone else, entity-decoded and stripped of HTML. */
export interface ChatMessage {
  username: string;
  /** What the user typed: tags stripped, entities decoded; without the `/me` prefix. */
  text: string;
  /** The HTML the server sent, for renderers. */
  html: string;
  /** `/me` action. */
  isAction: boolean;
  /** Server time of the message, ms since the epoch. */
  time: number;
  meta: ChatMeta;
  /** A server notice (`username` is "[server]"), not a user. */
  isServer: boolean;
}

/** A private message to us from someone else. */
export interface PrivateMessage {
  username: string;
  to: string;
  text: string;
  html: string;
  time: number;
  meta: ChatMeta;
}

/** Joined and logged in: chat and actions now reach the channel. */
export interface ReadyInfo {
  channel: string;
  name: string;
  rank: number;
  guest: boolean;
  serverUrl: string;
}

/** A change to the playlist, as the server announced it. */
export type PlaylistChange =
  | { kind: "replace"; items: readonly PlaylistItem[] }
  | { kind: "queue"; item: PlaylistItem; after: number | string }
  | { kind: "delete"; uid: number }
  | { kind: "move"; from: number; after: number | string }
  | { kind: "temp"; uid: number; temp: boolean };

/** Everything {@linkcode CytubeClient} emits, by event name. */
export interface CytubeClientEvents {
  /** The socket connected (before join and login). */
  connected: { serverUrl: string; attempt: number };
  /** Joined and logged in; emitted again after every reconnect. */
  ready: ReadyInfo;
  /**
   * The socket closed, or a connection attempt failed; `delayMs` is when the next attempt
   * starts, or null when the client stays down (kick, fatal error).
   */
  disconnected: { reason: string; willReconnect: boolean; delayMs: number | null };
  chat: ChatMessage;
  /**
   * A line of the chat buffer the server replays on join (src/channel/chat.js), before the
   * joiner's `userlist`; never our own or shadow-muted lines. Not `chat`: whether it is new
   * depends on where the connector was (its chat position), which the client does not know.
   */
  backlogChat: ChatMessage;
  /** Chat of a shadow-muted user, seen only because the bot is a moderator; not for plugins. */
  shadowChat: ChatMessage;
  pm: PrivateMessage;
  /** Our own chat line as the server delivered it to the channel (its echo to us). */
  ownChat: ChatMessage;
  /** Our own PM as the server delivered it (its echo to us). */
  ownPm: PrivateMessage;
  userJoin: ChannelUser;
  userLeave: { name: string };
  userRank: { name: string; rank: number };
  userAfk: { name: string; afk: boolean };
  leader: { name: string | null };
  mediaChange: NowPlaying;
  mediaUpdate: { currentTime: number; paused: boolean };
  playlistChange: PlaylistChange;
  voteskip: { count: number; need: number };
  queueFail: { msg: string; link: string | null };
  /** `errorMsg`, `noflood` or `spamFiltered` from the server (e.g. "PM failed: ..."). */
  serverError: { msg: string; code?: string };
  /**
   * The server kicked us; followed by `error` (KickedError) and `disconnected`. `final`: the
   * client stays out (a moderator's kick, a ban); otherwise it rejoins after the backoff.
   */
  kicked: { reason: string; final: boolean };
  /** Something went wrong; see the error class. */
  error: CytubeError;
  /** A server frame failed its schema and was skipped. `count` is the running total. */
  malformed: { event: string; issues: string; count: number; error: MalformedFrameError };
  /** An outgoing message was given up on (overflow, retries exhausted, closed). */
  outboundDropped: { message: OutboundMessage; reason: PacingDropReason };
  /** Every parsed server frame, after the channel state was updated. */
  frame: ServerFrame;
  /** The client stopped for good (close, or a fatal error). */
  closed: { reason: string };
}

/** What the client skipped on purpose, and why. */
export interface IgnoredCounters {
  /** Chat replayed on join (before the join's first `userlist`). */
  backlog: number;
  /**
   * Chat of shadow-muted users (`meta.shadow`): CyTube shows it only to moderators and the
   * muted user, so for the channel it was never said (src/channel/chat.js processChatMsg).
   */
  shadow: number;
  /** Our own chat echoed back. */
  ownChat: number;
  /** Our own PMs echoed back. */
  ownPm: number;
  /** Frames failing their schema. */
  malformed: number;
  /** Events the connector does not handle. */
  unknown: number;
}
