/**
 * Which chat lines a connector publishes, by its chat position (chat_cursor.ts): every live
 * line, and the lines of CyTube's join replay that come after the position. On the first join
 * ever (no position when the socket connected) the whole replay is history. Every published line
 * moves the position, handed to `persist` (the connector writes it into its lease).
 *
 * @module
 */

import { type ChatCursor, ChatCursorSchema, ChatPosition } from "./chat_cursor.ts";
import type { ChatMessage } from "./client_events.ts";

export class ReplayGate {
  readonly #botName: string;
  readonly #persist: (cursor: ChatCursor) => void;
  #position = new ChatPosition();
  // No position when this socket connected: its replay predates us and is skipped whole.
  #replayIsHistory = true;

  constructor(botName: string, persist: (cursor: ChatCursor) => void) {
    this.#botName = botName.toLowerCase();
    this.#persist = persist;
  }

  /** Continues from a stored position (a lease taken over); returns its time, or null. */
  resume(stored: unknown): number | null {
    const parsed = ChatCursorSchema.safeParse(stored);
    this.#position = new ChatPosition(parsed.success ? parsed.data : undefined);
    return parsed.success ? parsed.data.time : null;
  }

  /** A socket connected: its replay comes first, judged by the position we have now. */
  socketConnected(): void {
    this.#replayIsHistory = this.#position.cursor === undefined;
  }

  /** Joined: a channel whose replay had no line has no history, so all chat from now is new. */
  joined(): void {
    this.#position.startIfUnknown();
    this.#save();
  }

  /** Whether to publish `chat` (live, or `replayed` on join); moves the position if so. */
  admit(chat: ChatMessage, replayed: boolean): boolean {
    const line = { username: chat.username, html: chat.html, time: chat.time };
    if (replayed) {
      if (chat.username.toLowerCase() === this.#botName) return false;
      if (this.#replayIsHistory) {
        this.#position.record(line);
        return false;
      }
      if (!this.#position.isNew(line)) return false;
    }
    this.#position.record(line);
    this.#save();
    return true;
  }

  /**
   * Whether to publish a line a standby's watcher heard while no bot was in the channel (on
   * takeover, oldest first): only after the position taken over, never the bot's own; moves the
   * position if so. Without a position (nothing handed over) it is history, like a first join's
   * replay. The join replay that follows is judged against the moved position, so a line both
   * heard and replayed is published once.
   */
  admitWatched(chat: ChatMessage): boolean {
    if (chat.username.toLowerCase() === this.#botName) return false;
    const line = { username: chat.username, html: chat.html, time: chat.time };
    if (!this.#position.isNew(line)) return false;
    this.#position.record(line);
    this.#save();
    return true;
  }

  #save(): void {
    const cursor = this.#position.cursor;
    if (cursor) this.#persist(cursor);
  }
}
