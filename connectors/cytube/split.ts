/**
 * Splitting outgoing text so nothing is cut off: CyTube truncates `chatMsg` and `pm` at
 * `max-chat-message-length` (default 320, counted in UTF-16 code units, `String#substring`)
 * without telling the sender.
 *
 * @module
 */

/** CyTube's default `max-chat-message-length` (`src/config.js`). */
export const CYTUBE_MAX_MESSAGE_LENGTH = 320;

/** Options for {@linkcode splitMessage}. */
export interface SplitOptions {
  /**
   * Longest chunk in UTF-16 code units. Default {@linkcode CYTUBE_MAX_MESSAGE_LENGTH}; the
   * moderator shell uses its own 500 for PM replies.
   */
  limit?: number;
  /**
   * Pack several short lines into one chunk, joined by "\n" (default true). With `false` each
   * line starts a new chunk, for channels where a line break would be lost (chat turns
   * control characters into spaces).
   */
  packLines?: boolean;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

// Cuts one line into pieces of at most `limit` units: at the last whitespace that fits, else
// hard at the limit, but never between the two halves of a surrogate pair.
function splitLine(line: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (let i = limit; i > 0; i--) {
      if (/\s/.test(window[i] ?? "")) {
        cut = i;
        break;
      }
    }
    if (cut > 0 && rest.slice(0, cut).trim() !== "") {
      pieces.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
      continue;
    }
    let hard = limit;
    if (isHighSurrogate(rest.charCodeAt(hard - 1))) hard -= 1;
    pieces.push(rest.slice(0, hard));
    rest = rest.slice(hard);
  }
  if (rest.trim() !== "") pieces.push(rest);
  return pieces;
}

/**
 * Splits text into chunks of at most `limit` UTF-16 units: on line boundaries first, then on
 * whitespace, and only then inside a word (never inside a surrogate pair). Blank chunks are
 * dropped because CyTube drops blank messages anyway.
 *
 * @example
 * ```ts
 * import { splitMessage } from "./split.ts";
 * splitMessage("one two three", { limit: 8 }); // ["one two", "three"]
 * ```
 */
export function splitMessage(text: string, options: SplitOptions = {}): string[] {
  const limit = options.limit ?? CYTUBE_MAX_MESSAGE_LENGTH;
  if (!Number.isInteger(limit) || limit < 2) {
    throw new RangeError(`splitMessage: limit must be an integer >= 2, got ${limit}`);
  }
  const packLines = options.packLines ?? true;
  const chunks: string[] = [];
  let current = "";
  const flush = () => {
    if (current.trim() !== "") chunks.push(current);
    current = "";
  };
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const trimmed = line.trimEnd();
    if (trimmed.trim() === "") continue;
    for (const piece of splitLine(trimmed, limit)) {
      if (current !== "" && packLines && current.length + 1 + piece.length <= limit) {
        current += "\n" + piece;
      } else {
        flush();
        current = piece;
      }
    }
    if (!packLines) flush();
  }
  flush();
  return chunks;
}

/** A zero-width space: invisible in chat, and not whitespace to `String.prototype.trim`. */
const ZERO_WIDTH_SPACE = "\u200b";

/**
 * Makes a chunk of text safe to send as chat: CyTube runs any chat line that starts with "/" as
 * a command (`/kick`, `/ban`, `/clear`, `/say`...) with the bot's rank. Text that comes from
 * plugins or users (a stored quote, an echoed argument) must never become one, so a leading "/"
 * gets an invisible zero-width space in front. Applied per chunk, after splitting, because any
 * chunk of a multi-line reply is sent as its own line.
 */
export function literalChat(chunk: string): string {
  return chunk.startsWith("/") ? ZERO_WIDTH_SPACE + chunk : chunk;
}
