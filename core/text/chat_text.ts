/**
 * Making text safe to show to people: what a plugin (or any chat user) sends is data, and must
 * never steer the screen it is shown on. A terminal obeys C0/C1 control sequences (ESC `[2J`
 * clears it, OSC `]0;...BEL` sets its title, a bare CR moves back over a line so
 * `x\r[you] !inspect plugins` prints a fake user line); a browser or terminal obeys the
 * Unicode bidi controls (U+202E reverses what follows, so `txt.exe` can read as `exe.txt`).
 *
 * @module
 */

/**
 * The characters {@linkcode sanitizeChatText} removes:
 * - C0 controls U+0000-001F except LF (and TAB and CR, rewritten first), DEL U+007F and the
 *   C1 controls U+0080-009F (ECMA-48: they start escape and control sequences);
 * - the bidi embeddings, overrides and isolates U+202A-202E, U+2066-2069, and the marks U+200E,
 *   U+200F, U+061C (Unicode Standard Annex #9, "Explicit Directional Formatting Characters";
 *   the Trojan Source attack, CVE-2021-42574, uses exactly these).
 * Joiners (U+200C/U+200D) and variation selectors stay: emoji sequences need them.
 */
const UNSAFE =
  // deno-lint-ignore no-control-regex -- control characters are what this matches
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Returns `text` safe to show as chat, on any platform:
 * - CR LF and the Unicode line and paragraph separators (U+2028, U+2029) become LF: a newline
 *   splits lines, which every renderer shows as a new line of the same speaker;
 * - any other CR and every TAB become a space: a CR never moves back over a line;
 * - every other control and bidi control character is removed (see `UNSAFE` above).
 * Idempotent, and the identity on ordinary text (emoji, accents, CJK, right-to-left scripts).
 *
 * @example
 * ```ts
 * import { sanitizeChatText } from "./chat_text.ts";
 * console.assert(sanitizeChatText("\u001b[2Jhi\u0007") === "[2Jhi");
 * console.assert(sanitizeChatText("x\r[you] !inspect") === "x [you] !inspect");
 * ```
 */
export function sanitizeChatText(text: string): string {
  return text
    .replace(/\r\n|[\u2028\u2029]/g, "\n")
    .replace(/[\r\t]/g, " ")
    .replace(UNSAFE, "");
}
