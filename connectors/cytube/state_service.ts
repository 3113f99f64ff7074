/**
 * The channel snapshot services ask for on `rosey.platform.cytube.state.snapshot`
 * (`ChannelQuerySchema` -> `ChannelSnapshotSchema`): who is here, what is queued and playing,
 * and the connection's own status, built from the client's {@linkcode ChannelState}.
 *
 * @module
 */

import type { ChannelSnapshot, ChannelUser, Source } from "@quicksilver/core";
import type { ChannelState } from "./channel_state.ts";
import { toMedia, toPlaylistItem } from "./normalize.ts";

/** The connection facts the state does not hold. */
export interface ConnectionFacts {
  source: Source;
  connected: boolean;
  /** The socket.io server in use, if discovery succeeded. */
  server?: string;
  connectedSince?: number;
  startedAt: number;
  /** Our configured name, used until the server confirms it. */
  configuredName: string;
}

/** A snapshot of the channel as `ChannelSnapshotSchema` describes it. */
export function channelSnapshot(state: ChannelState, facts: ConnectionFacts): ChannelSnapshot {
  const selfName = state.self.name ?? facts.configuredName;
  const users: ChannelUser[] = state.users.map((user) => ({
    name: user.name,
    rank: user.rank,
    afk: user.afk,
    muted: user.muted,
    // CyTube sends these to moderators only; pass them on when we have them.
    ...(user.meta.ip !== undefined ? { ip: user.meta.ip } : {}),
    ...(user.meta.aliases !== undefined ? { aliases: [...user.meta.aliases] } : {}),
  }));
  const now = state.nowPlaying;
  const voteskip = state.voteskip;
  return {
    source: facts.source,
    connected: facts.connected,
    ...(facts.server ? { server: facts.server } : {}),
    ...(facts.connectedSince !== undefined ? { connectedSince: facts.connectedSince } : {}),
    startedAt: facts.startedAt,
    self: {
      name: selfName,
      rank: state.self.rank,
      afk: state.user(selfName)?.afk ?? false,
    },
    users,
    // CyTube sends `usercount` at most every 10 s (src/channel/channel.js
    // USERCOUNT_THROTTLE) but every join at once: everyone in the userlist is connected.
    userCount: Math.max(0, Math.trunc(state.usercount), users.length),
    ...(state.leader !== null ? { leader: state.leader } : {}),
    playlist: state.playlist.map(toPlaylistItem),
    ...(now !== null
      ? {
        current: {
          ...(now.uid !== null ? { uid: now.uid } : {}),
          media: toMedia(now.media),
          paused: now.paused,
          currentTime: now.currentTime,
        },
      }
      : {}),
    ...(voteskip !== null ? { voteskip: { ...voteskip } } : {}),
  };
}
