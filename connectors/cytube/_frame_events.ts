/**
 * Pure translations from parsed server frames to the client's public events.
 *
 * @module
 */

import type { ChannelState } from "./channel_state.ts";
import type { ChatMessage, CytubeClientEvents, PrivateMessage } from "./client_events.ts";
import { htmlToText } from "./html.ts";
import type { ServerFrame, ServerFrameMap } from "./protocol.ts";

/** One event to emit: name and payload, type-linked. */
export type ClientEventOut = {
  [K in keyof CytubeClientEvents]: { event: K; payload: CytubeClientEvents[K] };
}[keyof CytubeClientEvents];

/** A `chatMsg` as the public `chat` event: decoded text, action flag, server notice flag. */
export function toChatMessage(data: ServerFrameMap["chatMsg"]): ChatMessage {
  return {
    username: data.username,
    text: htmlToText(data.msg),
    html: data.msg,
    isAction: data.meta.action === true || data.meta.addClass === "action",
    time: data.time,
    meta: data.meta,
    isServer: data.username === "[server]",
  };
}

/** A `pm` as the public `pm` event. */
export function toPrivateMessage(data: ServerFrameMap["pm"]): PrivateMessage {
  return {
    username: data.username,
    to: data.to,
    text: htmlToText(data.msg),
    html: data.msg,
    time: data.time,
    meta: data.meta,
  };
}

/**
 * The event for a frame that changes channel state, read after `state.apply(frame)`; or
 * undefined for frames without a public event.
 */
export function stateEvent(frame: ServerFrame, state: ChannelState): ClientEventOut | undefined {
  switch (frame.event) {
    case "addUser": {
      const user = state.user(frame.data.name);
      return user ? { event: "userJoin", payload: user } : undefined;
    }
    case "userLeave":
      return { event: "userLeave", payload: { name: frame.data.name } };
    case "setUserRank":
      return { event: "userRank", payload: { name: frame.data.name, rank: frame.data.rank } };
    case "setAFK":
      return { event: "userAfk", payload: { name: frame.data.name, afk: frame.data.afk } };
    case "setLeader":
      return { event: "leader", payload: { name: state.leader } };
    case "changeMedia": {
      const now = state.nowPlaying;
      return now ? { event: "mediaChange", payload: now } : undefined;
    }
    case "mediaUpdate":
      return {
        event: "mediaUpdate",
        payload: { currentTime: frame.data.currentTime, paused: frame.data.paused },
      };
    case "playlist":
      return { event: "playlistChange", payload: { kind: "replace", items: frame.data } };
    case "queue":
      return {
        event: "playlistChange",
        payload: { kind: "queue", item: frame.data.item, after: frame.data.after },
      };
    case "delete":
      return { event: "playlistChange", payload: { kind: "delete", uid: frame.data.uid } };
    case "moveVideo":
      return {
        event: "playlistChange",
        payload: { kind: "move", from: frame.data.from, after: frame.data.after },
      };
    case "setTemp":
      return {
        event: "playlistChange",
        payload: { kind: "temp", uid: frame.data.uid, temp: frame.data.temp },
      };
    case "voteskip":
      return { event: "voteskip", payload: { count: frame.data.count, need: frame.data.need } };
    case "queueFail":
      return {
        event: "queueFail",
        payload: { msg: frame.data.msg, link: frame.data.link ?? null },
      };
    case "errorMsg":
      return {
        event: "serverError",
        payload: frame.data.code === undefined
          ? { msg: frame.data.msg }
          : { msg: frame.data.msg, code: frame.data.code },
      };
    case "noflood":
      return { event: "serverError", payload: { msg: frame.data.msg } };
    case "spamFiltered":
      return { event: "serverError", payload: { msg: `spam filter: ${frame.data.reason}` } };
    default:
      return undefined;
  }
}

/** How to react to a refused `login`. */
export type LoginRefusal =
  | { kind: "guest-delay"; delayMs: number }
  | { kind: "name-in-use" }
  | { kind: "fatal" };

/**
 * Classifies the server's login error. "Guest logins are restricted to one per IP address
 * per 60 seconds." counts from the last guest login of our IP, which we cannot see, so the
 * whole period (plus a little) is waited. A name "already in use" is usually our own previous
 * connection that the server has not timed out yet: worth a later retry.
 */
export function classifyLoginRefusal(error: string): LoginRefusal {
  if (/Guest logins are restricted/i.test(error)) {
    const seconds = Number(/per\s+([\d.]+)\s+seconds?/i.exec(error)?.[1] ?? "60");
    return { kind: "guest-delay", delayMs: (Number.isFinite(seconds) ? seconds : 60) * 1000 + 250 };
  }
  if (/already in use/i.test(error)) return { kind: "name-in-use" };
  return { kind: "fatal" };
}
