/**
 * Which of CyTube's chat limits applies to an outgoing message, and how the server will
 * answer it (`src/channel/chat.js`, calzoneman/sync 3.86).
 *
 * - Every `chatMsg` and `pm` of a socket goes through one limiter (`user.chatLimiter`).
 * - A `pm` always uses `MIN_ANTIFLOOD` (20 burst, 10/s).
 * - A `chatMsg` uses the channel's `chat_antiflood_params` when `chat_antiflood` is on and
 *   the sender's rank is below 2, else `MIN_ANTIFLOOD`.
 * - `/me`, `/sp`, `/say`... are throttled twice: once as typed, once when the command handler
 *   re-posts the text through `processChatMsg`. After the burst that second call always fails,
 *   so they cost two.
 *
 * @module
 */

import type { RateLimit } from "./_rate_model.ts";
import type { ChannelOpts } from "./protocol.ts";

/** The limit CyTube always applies (`MIN_ANTIFLOOD`). */
export const MIN_ANTIFLOOD: Readonly<RateLimit> = { burst: 20, sustained: 10 };

/** `chat_antiflood_params` default (`src/channel/opts.js`). */
export const DEFAULT_CHAT_ANTIFLOOD: Readonly<RateLimit> = { burst: 4, sustained: 1, cooldown: 4 };

/** One outgoing chat line or private message, as queued. */
export type OutboundMessage =
  | { kind: "chat"; msg: string; meta?: { modflair?: number }; lane?: string }
  | { kind: "pm"; to: string; msg: string; lane?: string };

/** What the policy needs to know about the channel and us. */
export interface FloodContext {
  options: Readonly<ChannelOpts>;
  rank: number;
  /**
   * Set after the server throttled a message our model thought was fine: act as if
   * `chat_antiflood` were on until the next `channelOpts`.
   */
  assumeAntiflood?: boolean;
  /** The server's always-on limit, if not stock `MIN_ANTIFLOOD` (config `chatLimit`). */
  minimum?: Readonly<RateLimit>;
}

// Commands re-posted through processChatMsg (throttled twice, echoed as chat).
const REPOSTING_COMMANDS = new Set(["me", "sp", "say", "shout", "rcv", "a"]);
// Commands registered by CyTube modules that never echo a chat line back to the sender.
const SILENT_COMMANDS = new Set([
  "clear",
  "afk",
  "mute",
  "smute",
  "unmute",
  "unsmute",
  "kick",
  "kickanons",
  "ban",
  "ipban",
  "banip",
  "clean",
  "cleantitle",
  "poll",
  "hpoll",
  "d",
]);

function commandOf(msg: string): string | undefined {
  if (!msg.startsWith("/")) return undefined;
  const space = msg.indexOf(" ");
  return (space < 0 ? msg.slice(1) : msg.slice(1, space)).toLowerCase();
}

/** Clamps `chat_antiflood_params` as the server does (burst <= 20, sustained <= 10). */
export function antifloodParams(options: Readonly<ChannelOpts>): RateLimit {
  const params = options.chat_antiflood_params ?? DEFAULT_CHAT_ANTIFLOOD;
  const limit: RateLimit = {
    burst: Math.min(params.burst, 20),
    sustained: Math.min(params.sustained, 10),
  };
  if (params.cooldown !== undefined) limit.cooldown = params.cooldown;
  return limit;
}

/** The server limit that applies to this message. */
export function limitFor(message: OutboundMessage, context: FloodContext): RateLimit {
  const minimum = context.minimum ?? MIN_ANTIFLOOD;
  if (message.kind === "pm") return minimum;
  const antiflood = context.options.chat_antiflood === true || context.assumeAntiflood === true;
  return antiflood && context.rank < 2 ? antifloodParams(context.options) : minimum;
}

/** Throttle calls the server makes for this message. */
export function throttleCost(message: OutboundMessage): number {
  if (message.kind === "pm") return 1;
  const command = commandOf(message.msg);
  return command !== undefined && REPOSTING_COMMANDS.has(command) ? 2 : 1;
}

/** Whether the server echoes this message back to us (so its fate can be confirmed). */
export function expectsEcho(message: OutboundMessage, rank: number): boolean {
  if (message.kind === "pm") return true;
  const command = commandOf(message.msg);
  if (command === undefined) return true;
  if (command === "say" || command === "shout" || command === "rcv") return rank >= 1.5;
  if (command === "a") return false;
  // Unknown "/word" is posted as ordinary chat.
  return !SILENT_COMMANDS.has(command);
}
