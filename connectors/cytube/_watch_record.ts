/**
 * What a standby's {@linkcode ChannelWatcher} heard, kept for the moment it takes the channel
 * over, bounded to the last {@linkcode WATCH_MAX_AGE_MS} and at most {@linkcode WATCH_MAX_LINES}
 * lines (whichever is less, trimmed in batches of 1000; at 300 commands/s, 600 lines/s, the count bound is ~50 s):
 *
 * - **the bot's own lines**, to tell which of the actions the dead holder left unacked the
 *   channel already showed ({@linkcode WatchRecord.claim}): CyTube has no idempotency key, and
 *   its chat itself is the only readback;
 * - **everyone else's lines**, the chat typed while no bot was in the channel, published on
 *   takeover after the lease's chat position ({@linkcode WatchRecord.takeChat}).
 *
 * @module
 */

import type { ChatMessage } from "./client_events.ts";

/** The oldest line kept, ms (by local arrival time). */
export const WATCH_MAX_AGE_MS = 120_000;
/** The most lines kept (the bot's and everyone else's together). */
export const WATCH_MAX_LINES = 30_000;
/**
 * How far a line may have arrived before the action's stored time and still be its echo:
 * the line's arrival is stamped with this host's clock, the action's storage with the NATS
 * server's. Two clocks kept by NTP differ by far less.
 */
export const CLOCK_MARGIN_MS = 1000;

/**
 * A chat line as the channel showed it, in one form on both sides: what the connector sent (a
 * chunk as emitted, e.g. with the zero-width space of `literalChat`) and what CyTube broadcast
 * (HTML-escaped, filtered, then turned back into text by `htmlToText`). CyTube turns control
 * characters into spaces (src/channel/chat.js handleChatMsg) and its filters and link wrapping
 * may move whitespace, so runs of whitespace count as one space and ends are trimmed.
 */
export function shownForm(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\s]+/g, " ").trim();
}

const PRUNE_BATCH = 1000;

interface OwnLine {
  form: string;
  at: number;
  claimed: boolean;
}

interface OtherLine {
  chat: ChatMessage;
  at: number;
}

export class WatchRecord {
  readonly #bot: string;
  readonly #now: () => number;
  #own: OwnLine[] = [];
  #others: OtherLine[] = [];

  constructor(botName: string, now: () => number = Date.now) {
    this.#bot = botName.toLowerCase();
    this.#now = now;
  }

  /** Lines kept now: the bot's own, and everyone else's not taken yet. */
  get size(): { own: number; others: number } {
    return { own: this.#own.length, others: this.#others.length };
  }

  /** Records a line the watcher heard at `at` (local ms). Server notices are not chat. */
  add(chat: ChatMessage, at: number): void {
    if (chat.isServer) return;
    if (chat.username.toLowerCase() === this.#bot) {
      this.#own.push({ form: shownForm(chat.text), at, claimed: false });
    } else if (chat.meta.shadow !== true) {
      this.#others.push({ chat, at });
    }
    this.#prune();
  }

  /**
   * Whether the channel already showed `sent` (a chunk as the connector would emit it) as the
   * bot's, arrived at `notBefore` or later (the action's stored time less
   * {@linkcode CLOCK_MARGIN_MS}): the first such line not claimed yet is claimed, so each line
   * vouches for one chunk only.
   *
   * What remains possible: a line CyTube showed while the watcher was not in the channel (it
   * was reconnecting) or after its record ended is not known, so that chunk is said again;
   * a channel filter that rewrites the text (a word filter) makes the two forms differ, same
   * result. Two actions with the same text whose lines both fall after the second one's
   * storage can swap which line vouches for which; if the earlier one was acked and the later
   * one not, the later one is taken as shown (not said: a line lost instead of said twice).
   */
  claim(sent: string, notBefore: number): boolean {
    this.#prune();
    const form = shownForm(sent);
    const line = this.#own.find((l) => !l.claimed && l.at >= notBefore && l.form === form);
    if (line === undefined) return false;
    line.claimed = true;
    return true;
  }

  /** Everyone else's lines heard so far, oldest first, and forgets them. */
  takeChat(): ChatMessage[] {
    this.#prune();
    const chat = this.#others.map((line) => line.chat);
    this.#others = [];
    return chat;
  }

  #prune(): void {
    const oldest = this.#now() - WATCH_MAX_AGE_MS;
    const drop = (lines: { at: number }[]) => {
      let n = 0;
      while (n < lines.length && lines[n]!.at < oldest) n++;
      return n;
    };
    const ownOld = drop(this.#own);
    if (ownOld > 0) this.#own = this.#own.slice(ownOld);
    const othersOld = drop(this.#others);
    if (othersOld > 0) this.#others = this.#others.slice(othersOld);
    // Over the count bound: the older of the two lists' heads goes first.
    // Trimmed in batches (slicing 30,000 lines per line heard would cost more than the rest).
    let excess = this.#own.length + this.#others.length - WATCH_MAX_LINES;
    if (excess <= PRUNE_BATCH) return;
    let own = 0;
    let others = 0;
    while (excess-- > 0) {
      const a = this.#own[own];
      const b = this.#others[others];
      if (b === undefined || (a !== undefined && a.at <= b.at)) own++;
      else others++;
    }
    this.#own = this.#own.slice(own);
    this.#others = this.#others.slice(others);
  }
}
