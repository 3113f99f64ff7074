/**
 * From the CyTube client's events to the core's normalized payloads (`core/events/payloads.ts`):
 * pure functions, so the mapping is tested without a socket. Ranks come from the channel state
 * because CyTube's `chatMsg` does not carry the sender's rank.
 *
 * @module
 */

import type {
  Media as CoreMedia,
  MediaChangePayload,
  MessagePayload,
  PlaylistAddPayload,
  PlaylistItem as CorePlaylistItem,
  PlaylistMovePayload,
  PlaylistRemovePayload,
  PlaylistResetPayload,
} from "@quicksilver/core";
import { EVENT_TYPES, type EventType, RANKS } from "@quicksilver/core";
import type { ChannelState, NowPlaying } from "./channel_state.ts";
import type { ChatMessage, PlaylistChange, PrivateMessage } from "./client_events.ts";
import type { Media, PlaylistItem } from "./protocol.ts";

/** One normalized event to publish: its type and payload. */
export interface NormalizedEvent {
  type: EventType;
  payload: unknown;
}

/**
 * Where a media item can be opened, from its provider type and id (the table CyTube's web
 * client uses in `formatURL`); undefined for providers without a stable public URL.
 */
export function mediaUrl(type: string, id: string): string | undefined {
  switch (type) {
    case "yt":
      return `https://youtube.com/watch?v=${id}`;
    case "yp":
      return `https://youtube.com/playlist?list=${id}`;
    case "vi":
      return `https://vimeo.com/${id}`;
    case "dm":
      return `https://dailymotion.com/video/${id}`;
    case "tw":
      return `https://twitch.tv/${id}`;
    case "tc":
      return `https://clips.twitch.tv/${id}`;
    case "li":
      return `https://livestream.com/${id}`;
    case "im":
      return `https://imgur.com/a/${id}`;
    case "us":
      return `https://ustream.tv/channel/${id}`;
    case "gd":
      return `https://docs.google.com/file/d/${id}`;
    case "sb":
      return `https://streamable.com/${id}`;
    case "bc":
      return `https://www.bitchute.com/video/${id}/`;
    case "od":
      return `https://odysee.com/${id}`;
    case "nv":
      return `https://www.nicovideo.jp/watch/${id}`;
    // These providers' id is the URL itself.
    case "sc":
    case "fi":
    case "cm":
    case "hl":
    case "rt":
      return /^https?:\/\//.test(id) ? id : undefined;
    default:
      return undefined;
  }
}

/** A CyTube media item as the core's `Media`. */
export function toMedia(media: Media): CoreMedia {
  const url = mediaUrl(media.type, media.id);
  return {
    id: media.id,
    type: media.type,
    title: media.title.slice(0, 500),
    duration: Number.isFinite(media.seconds) && media.seconds > 0 ? media.seconds : 0,
    ...(url !== undefined ? { url } : {}),
  };
}

/** A CyTube playlist entry as the core's `PlaylistItem`. */
export function toPlaylistItem(item: PlaylistItem): CorePlaylistItem {
  return {
    uid: item.uid,
    media: toMedia(item.media),
    temp: item.temp,
    queuedBy: item.queueby.slice(0, 100),
  };
}

/** The rank the channel shows for `name`; a guest (0) when we have not seen them yet. */
export function rankOf(state: ChannelState, name: string): number {
  return state.user(name)?.rank ?? RANKS.guest;
}

/** A public chat line as a `message` payload. */
export function messagePayload(state: ChannelState, chat: ChatMessage): MessagePayload {
  return {
    user: { name: chat.username, rank: rankOf(state, chat.username) },
    text: chat.text,
    ...(chat.isAction ? { action: true } : {}),
  };
}

/** A private message as a `pm` payload (with `to`). */
export function pmPayload(state: ChannelState, pm: PrivateMessage): MessagePayload {
  return {
    user: { name: pm.username, rank: rankOf(state, pm.username) },
    text: pm.text,
    to: pm.to,
  };
}

/** What is now playing as a `media.change` payload. */
export function mediaChangePayload(state: ChannelState, now: NowPlaying): MediaChangePayload {
  const item = now.uid === null ? undefined : state.item(now.uid);
  return {
    media: toMedia(now.media),
    ...(now.uid !== null ? { uid: now.uid } : {}),
    ...(item !== undefined && item.queueby !== "" ? { queuedBy: item.queueby } : {}),
    paused: now.paused,
    currentTime: now.currentTime,
  };
}

// The server sends `after` as a uid, "prepend" or "append" (a numeric string when echoing a
// client's moveMedia); anything else is treated as "append", where the state puts it too.
function normalizeAfter(after: number | string): number | "prepend" | "append" {
  if (typeof after === "number") return after;
  if (after === "prepend" || after === "append") return after;
  const n = Number(after);
  return after.trim() !== "" && Number.isInteger(n) ? n : "append";
}

/** A playlist change as `playlist.*` events (a temp-flag change has no normalized event). */
export function playlistEvent(change: PlaylistChange): NormalizedEvent | undefined {
  switch (change.kind) {
    case "replace":
      return {
        type: EVENT_TYPES.playlistReset,
        payload: { items: change.items.map(toPlaylistItem) } satisfies PlaylistResetPayload,
      };
    case "queue":
      return {
        type: EVENT_TYPES.playlistAdd,
        payload: {
          item: toPlaylistItem(change.item),
          after: normalizeAfter(change.after),
        } satisfies PlaylistAddPayload,
      };
    case "delete":
      return {
        type: EVENT_TYPES.playlistRemove,
        payload: { uid: change.uid } satisfies PlaylistRemovePayload,
      };
    case "move":
      return {
        type: EVENT_TYPES.playlistMove,
        payload: {
          uid: change.from,
          after: normalizeAfter(change.after),
        } satisfies PlaylistMovePayload,
      };
    case "temp":
      return undefined;
  }
}
