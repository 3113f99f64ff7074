/**
 * Which of CyTube's kicks are worth a reconnect. The server sends `kick {reason}` and drops
 * the socket; some reasons are a bad moment on the server (its database is down, it restarts,
 * our IP connected too often) and go away on their own, others are a person's or the site's
 * decision (a moderator's kick, a ban) that a bot must respect.
 *
 * Every reason below is one the server source can send (calzoneman/sync @227244e2); the table
 * in docs/CYTUBE.md lists them with the file each comes from.
 *
 * @module
 */

/** What a kick means for the bot. */
export type KickKind = "transient" | "final";

/** A classified kick: whether to come back, and a short why for logs and status. */
export interface KickClass {
  kind: KickKind;
  /** For operators: what the kick means and what to do. */
  why: string;
}

// Transient reasons, each with the source that sends it.
const TRANSIENT: readonly { pattern: RegExp; why: string }[] = [
  {
    // src/user.js handleJoinChannel: `Channel could not be loaded: ${reason}`, where reason is
    // from src/channel/channel.js ("Failed to load channel data from the database.  Please try
    // again later." or errorLoad(..., suggestTryAgain = true)). Only these say "try again".
    pattern: /try again later/i,
    why: "the server could not load the channel (e.g. its database is down); retrying",
  },
  {
    // src/acp.js and src/main.js: every user is kicked when the server or channel shuts down.
    pattern: /^Channel shutting down$/,
    why: "the CyTube server is restarting; retrying",
  },
  {
    // src/server.js reloadChannel: an administrator reloads the channel.
    pattern: /^Channel reloading$/,
    why: "an administrator is reloading the channel; retrying",
  },
  {
    // src/io/ioserver.js: the global in-rate-limit ('cytube:count-event').
    pattern: /^Rate limit exceeded$/,
    why: "the server's event rate limit was hit; retrying after the backoff",
  },
  {
    // src/io/ioserver.js checkIPLimit: io.ip-connection-limit concurrent sockets per IP.
    pattern: /^Too many connections from your IP address$/,
    why: "too many sockets from this IP address; retrying after the backoff",
  },
];

// Final reasons the server source names; anything else is a moderator's own words (`/kick
// name reason`, src/channel/kickban.js handleCmdKick) or none at all (a blacklisted link,
// src/channel/chat.js `user.kick()`), and is final too.
const FINAL: readonly { pattern: RegExp; why: string }[] = [
  {
    // src/channel/channel.js + src/user.js: "Channel is banned: <reason>", or a state too big
    // ("Please contact an administrator"): loading will fail the same way next time.
    pattern: /^Channel could not be loaded:/,
    why: "the server refuses to load this channel; ask the site's administrator",
  },
  {
    // src/channel/kickban.js: on join of a banned name/IP, and when a ban is added.
    pattern: /^(You are banned from this channel\.|You're banned!)$/,
    why: "the bot is banned from this channel; a channel moderator must unban it",
  },
  {
    // src/server.js: the channel was deleted or banned site-wide.
    pattern: /^(Channel deleted|Channel was banned: )/,
    why: "the channel no longer exists or is banned site-wide",
  },
  {
    // src/channel/channel.js acceptUser: Tor connections in a `torbanned` channel.
    pattern: /^This channel has banned connections from Tor\.$/,
    why: "the channel refuses Tor connections",
  },
  {
    // src/user.js handleJoinChannel.
    pattern: /^Invalid channel name$/,
    why: "the channel name is invalid; fix connectors.cytube.channels",
  },
  {
    // src/channel/channel.js acceptUser: the same account logged in again elsewhere. Coming
    // back would kick that session in turn, and two bots on one account would duel forever.
    pattern: /^Duplicate login$/,
    why: "someone else logged in with the bot's account; stop the other client (or give the " +
      "bot its own account), then restart the bot",
  },
  {
    // src/channel/kickban.js handleCmdKickAnons: sockets not logged in.
    pattern: /^anonymous user$/,
    why: "a moderator kicked every user who was not logged in",
  },
  {
    // src/channel/{customization,opts,permissions,playlist}.js, src/user.js, src/channel/
    // channel.js: an event the bot's rank may not send ("Attempted assignLeader without
    // sufficient permission", ...). Retrying would repeat it.
    pattern: /^Attempted /,
    why: "the server punished an action the bot's rank may not do; fix the caller, then restart",
  },
];

/**
 * Classifies a kick reason. Unknown reasons are final: they are a moderator's words.
 *
 * @example
 * ```ts
 * import { classifyKick } from "./kick_reasons.ts";
 * classifyKick("Channel shutting down").kind; // "transient"
 * classifyKick("spamming").kind; // "final"
 * ```
 */
export function classifyKick(reason: string): KickClass {
  for (const entry of TRANSIENT) {
    if (entry.pattern.test(reason)) return { kind: "transient", why: entry.why };
  }
  for (const entry of FINAL) {
    if (entry.pattern.test(reason)) return { kind: "final", why: entry.why };
  }
  return {
    kind: "final",
    why: reason.trim() === ""
      ? "kicked without a reason (a moderator, or a link to a blacklisted domain)"
      : "a moderator kicked the bot",
  };
}
