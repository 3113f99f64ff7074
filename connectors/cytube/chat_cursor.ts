/**
 * Where the connector is in a channel's chat: the server time of the last line it handled and
 * the fingerprints of the lines it handled at that same millisecond. CyTube replays its chat
 * buffer (the last 15 lines, src/channel/chat.js `onUserPostJoin` / `processChatMsg`) to every
 * joining socket as ordinary `chatMsg` frames stamped with their original server `time`; with
 * this position a connector that (re)joins, or a standby that takes a channel over, handles
 * exactly the replayed lines it had not handled yet, and none twice. The position is in the
 * server's clock only (every line's `time`), so no clock of ours is compared with the server's.
 *
 * @module
 */

import { z } from "zod";

/** The stored form, carried in the channel's lease (`rosey_leases`, `cytube.<channel>`). */
export const ChatCursorSchema = z.object({
  /** Server time (ms) of the newest line handled. */
  time: z.number(),
  /** Fingerprints of the lines handled at exactly `time`. */
  seen: z.array(z.string()).max(64),
});
export type ChatCursor = z.infer<typeof ChatCursorSchema>;

/** What identifies one chat line: who, what, when (server time). */
export interface ChatLine {
  username: string;
  /** The HTML as the server sent it (what the buffer replays byte for byte). */
  html: string;
  time: number;
}

// FNV-1a, 32 bits: short keys; two lines that collide at the same millisecond are identical
// in practice (the same user sending the same text twice in one ms).
function fingerprint(line: ChatLine): string {
  let hash = 0x811c9dc5;
  const text = `${line.username.toLowerCase()}\u0000${line.html}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * The event id of a chat line: the same for the line as the active connector heard it live and
 * as a successor hears it again in CyTube's replay (server time, user and HTML are replayed
 * byte for byte, src/channel/chat.js), so the events stream's duplicate window (`Nats-Msg-Id`)
 * drops the second copy of a line two connectors both published around a failover.
 */
export function chatLineId(channel: string, line: ChatLine): string {
  return `cytube.${channel.toLowerCase()}.${line.time}.${fingerprint(line)}`.slice(0, 128);
}

/**
 * The chat position of one channel.
 *
 * @example
 * ```ts
 * import { ChatPosition } from "./chat_cursor.ts";
 * const position = new ChatPosition({ time: 1000, seen: [] });
 * position.isNew({ username: "alice", html: "!roll", time: 900 }); // false: handled before
 * position.record({ username: "alice", html: "!roll", time: 1200 });
 * position.cursor; // { time: 1200, seen: [...] }
 * ```
 */
export class ChatPosition {
  #cursor: ChatCursor | undefined;

  constructor(cursor?: ChatCursor) {
    this.#cursor = cursor === undefined ? undefined : { time: cursor.time, seen: [...cursor.seen] };
  }

  /** The position, or undefined before the first line (a first start knows no history). */
  get cursor(): ChatCursor | undefined {
    return this.#cursor === undefined
      ? undefined
      : { time: this.#cursor.time, seen: [...this.#cursor.seen] };
  }

  /** Whether `line` comes after the position (not handled yet). Without a position: false. */
  isNew(line: ChatLine): boolean {
    const cursor = this.#cursor;
    if (cursor === undefined) return false;
    if (line.time !== cursor.time) return line.time > cursor.time;
    return !cursor.seen.includes(fingerprint(line));
  }

  /**
   * Starts at "everything from now on is new" when there is no position yet: called once the
   * join's replay is over, for a channel whose replay had no line at all (no history).
   */
  startIfUnknown(): void {
    this.#cursor ??= { time: 0, seen: [] };
  }

  /** Marks `line` handled; the position only moves forward. */
  record(line: ChatLine): void {
    const cursor = this.#cursor;
    if (cursor === undefined || line.time > cursor.time) {
      this.#cursor = { time: line.time, seen: [fingerprint(line)] };
    } else if (line.time === cursor.time && cursor.seen.length < 64) {
      const key = fingerprint(line);
      if (!cursor.seen.includes(key)) cursor.seen.push(key);
    }
  }
}
