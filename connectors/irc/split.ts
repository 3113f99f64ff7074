/**
 * Splitting text into IRC lines. A line is at most 512 bytes with its CRLF (RFC 1459 section
 * 2.3), and what arrives at other clients also carries the prefix the server adds
 * (`:nick!user@host `), so the room for text is what is left after that prefix, the command and
 * the target. Cuts fall between grapheme clusters (`Intl.Segmenter`), so neither a UTF-8
 * sequence nor an emoji with its modifiers is ever split, preferably at a space.
 *
 * @module
 */

/** The most bytes an IRC line may have, CRLF included (RFC 1459 section 2.3). */
export const IRC_LINE_BYTES = 512;

const encoder = new TextEncoder();
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** UTF-8 length in bytes. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The bytes left for text in `PRIVMSG <target> :<text>` as other clients receive it, when the
 * server prefixes `:<mask> ` (`mask` = `nick!user@host`).
 */
export function textBudget(options: { mask: string; command: string; target: string }): number {
  const overhead = byteLength(`:${options.mask} ${options.command} ${options.target} :`) + 2;
  return IRC_LINE_BYTES - overhead;
}

/**
 * Splits `text` into pieces of at most `maxBytes` UTF-8 bytes each: first at newlines, then at
 * the last space that fits, else between grapheme clusters. Empty lines are dropped. A single
 * grapheme longer than `maxBytes` (hundreds of combining marks) is cut between code points,
 * still never inside one.
 *
 * @example
 * ```ts
 * import { splitIrcText } from "./split.ts";
 * splitIrcText("héllo wörld", 8); // ["héllo", "wörld"]
 * ```
 */
export function splitIrcText(text: string, maxBytes: number): string[] {
  if (maxBytes < 4) throw new RangeError(`maxBytes ${maxBytes} cannot hold one character`);
  const out: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === "") continue;
    splitLine(line, maxBytes, out);
  }
  return out;
}

function splitLine(line: string, maxBytes: number, out: string[]): void {
  let piece = "";
  let pieceBytes = 0;
  // The end of the last space in `piece`, as a string index and byte count.
  let lastSpace = -1;
  let lastSpaceBytes = 0;
  for (const { segment } of segmenter.segment(line)) {
    const bytes = byteLength(segment);
    if (bytes > maxBytes) {
      // A pathological grapheme: flush, then cut it between code points.
      if (piece.trim()) out.push(piece.trimEnd());
      piece = "";
      pieceBytes = 0;
      lastSpace = -1;
      for (const chunk of splitCodePoints(segment, maxBytes)) out.push(chunk);
      continue;
    }
    if (pieceBytes + bytes > maxBytes) {
      if (lastSpace > 0) {
        out.push(piece.slice(0, lastSpace).trimEnd());
        piece = piece.slice(lastSpace);
        pieceBytes -= lastSpaceBytes;
      } else {
        out.push(piece);
        piece = "";
        pieceBytes = 0;
      }
      lastSpace = -1;
      // A continuation does not start with the space it was cut at.
      const trimmed = piece.trimStart();
      pieceBytes -= byteLength(piece) - byteLength(trimmed);
      piece = trimmed;
    }
    if (segment === " " && piece === "") continue;
    piece += segment;
    pieceBytes += bytes;
    if (segment === " ") {
      lastSpace = piece.length;
      lastSpaceBytes = pieceBytes;
    }
  }
  if (piece.trim()) out.push(piece.trimEnd());
}

function splitCodePoints(text: string, maxBytes: number): string[] {
  const out: string[] = [];
  let piece = "";
  for (const codePoint of text) {
    if (byteLength(piece + codePoint) > maxBytes) {
      out.push(piece);
      piece = "";
    }
    piece += codePoint;
  }
  if (piece) out.push(piece);
  return out;
}
