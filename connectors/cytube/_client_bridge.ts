/**
 * Listens to a {@linkcode CytubeClient} and turns what it reports into raw frames and
 * normalized events for the connector to publish. Own echoes never get here (the client drops
 * them) and the bot's own `addUser` is skipped below; lines of the join replay are published
 * only when the connector's chat position says they are new (`admitChat`).
 *
 * @module
 */

import { EVENT_TYPES, type EventType } from "@quicksilver/core";
import type { ConnectorMetrics } from "./_metrics.ts";
import type { CytubeClient } from "./client.ts";
import type { ChatMessage, ReadyInfo } from "./client_events.ts";
import { type CytubeError, KickedError } from "./errors.ts";
import { mediaChangePayload, messagePayload, playlistEvent, pmPayload } from "./normalize.ts";
import type { ServerFrame } from "./protocol.ts";

/** Where the bridge sends what it sees. */
export interface BridgeSink {
  emit(type: EventType, payload: unknown, time?: number, id?: string): void;
  publishRaw(frame: ServerFrame): void;
  metrics: ConnectorMetrics;
  /**
   * Whether to publish this chat line: live (`replayed` false) or from the join replay. The
   * connector keeps its chat position here (nothing is answered twice across a rejoin or a
   * failover, and replayed lines it missed are answered once).
   */
  admitChat(chat: ChatMessage, replayed: boolean): boolean;
  /** The event id of a chat line, the same live and replayed (`chatLineId`). */
  chatId(chat: ChatMessage): string;
  onReady(info: ReadyInfo): void;
  /** Returns whether we were in the channel (then a `channel.left` event is due). */
  onDisconnected(reason: string): boolean;
  /** `fatal`: kicked, wrong channel password or refused login; the client stays down. */
  onError(error: CytubeError, fatal: boolean): void;
}

/** Subscribes `sink` to every client event the connector publishes. */
export function bridgeClientEvents(client: CytubeClient, sink: BridgeSink): void {
  const state = client.state;
  const isSelf = (name: string) => state.self.name?.toLowerCase() === name.toLowerCase();
  let lastCount = 0;
  client.on("frame", (frame) => {
    sink.metrics.framesIn.inc({ event: frame.event });
    sink.publishRaw(frame);
    if (frame.event === "setUserMeta") {
      const { name, meta } = frame.data;
      sink.emit(EVENT_TYPES.userUpdate, { user: { name }, afk: meta.afk, muted: meta.muted });
    } else if (frame.event === "userlist") {
      const users = frame.data.filter((u) => !isSelf(u.name))
        .map((u) => ({ name: u.name, rank: u.rank }));
      sink.emit(EVENT_TYPES.channelPresence, { users });
    } else if (frame.event === "usercount") {
      lastCount = Math.max(0, Math.trunc(frame.data), state.users.length);
      sink.emit(EVENT_TYPES.channelUserCount, { count: lastCount });
    }
  });
  client.on("chat", (chat) => {
    // "[server]" notices are not users; they stay visible on the raw subject.
    if (chat.isServer) return sink.metrics.ignored.inc({ reason: "server_notice" });
    if (!sink.admitChat(chat, false)) return;
    sink.emit(EVENT_TYPES.message, messagePayload(state, chat), chat.time, sink.chatId(chat));
  });
  client.on("backlogChat", (chat) => {
    if (chat.isServer || !sink.admitChat(chat, true)) return;
    sink.emit(EVENT_TYPES.message, messagePayload(state, chat), chat.time, sink.chatId(chat));
  });
  client.on("pm", (pm) => sink.emit(EVENT_TYPES.privateMessage, pmPayload(state, pm), pm.time));
  // The bot's own lines, as delivered: the chat log shows answers beside the questions.
  client.on("ownChat", (chat) => {
    sink.emit(EVENT_TYPES.botMessage, messagePayload(state, chat), chat.time);
  });
  client.on("ownPm", (pm) => sink.emit(EVENT_TYPES.botMessage, pmPayload(state, pm), pm.time));
  client.on("userJoin", (user) => {
    // CyTube sends `usercount` at most every 10 s (src/channel/channel.js USERCOUNT_THROTTLE)
    // but every join at once: a count below the userlist is stale, so correct it here.
    if (state.users.length > lastCount) {
      lastCount = state.users.length;
      sink.emit(EVENT_TYPES.channelUserCount, { count: lastCount });
    }
    if (isSelf(user.name)) return;
    sink.emit(EVENT_TYPES.userJoin, { user: { name: user.name, rank: user.rank } });
  });
  client.on("userLeave", ({ name }) => sink.emit(EVENT_TYPES.userLeave, { user: { name } }));
  client.on("userRank", ({ name, rank }) => {
    sink.emit(EVENT_TYPES.userUpdate, { user: { name }, rank });
  });
  client.on("userAfk", ({ name, afk }) => {
    sink.emit(EVENT_TYPES.userUpdate, { user: { name }, afk });
  });
  client.on("mediaChange", (now) => {
    sink.emit(EVENT_TYPES.mediaChange, mediaChangePayload(state, now));
  });
  client.on("playlistChange", (change) => {
    const event = playlistEvent(change);
    if (event) sink.emit(event.type, event.payload);
  });
  client.on("ready", (info) => {
    sink.onReady(info);
    sink.emit(EVENT_TYPES.channelJoined, { self: { name: info.name, rank: info.rank } });
  });
  client.on("disconnected", (info) => {
    if (sink.onDisconnected(info.reason)) {
      sink.emit(EVENT_TYPES.channelLeft, { reason: info.reason.slice(0, 500) || "disconnected" });
    }
  });
  client.on("error", (error) => {
    // Fatal when the client gave up (refused login, wrong channel password) or a final kick.
    const fatal = client.status === "failed" || (error instanceof KickedError && error.final);
    sink.onError(error, fatal);
  });
  client.on("malformed", () => sink.metrics.malformedFrames.inc());
  client.on("outboundDropped", ({ reason }) => sink.metrics.pacingDrops.inc({ reason }));
}
