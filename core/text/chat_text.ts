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
 *   the Trojan Source attack, CVE-2021-42574, uses exactly these);
 * - the interlinear annotation controls U+FFF9-FFFB (a renderer that honours them hides the
 *   annotation, so a line can carry text a reader never sees: Unicode 15, section 23.8);
 * - the tag characters U+E0000-E007F (invisible ASCII look-alikes: "ASCII smuggling" hides
 *   instructions from a reader but not from a program, e.g. an AI plugin), except inside an emoji
 *   subdivision flag (U+1F3F4, 2-7 tag letters or digits, U+E007F; Unicode UTS #51, ED-14a),
 *   the one sequence that uses them.
 * Joiners (U+200C/U+200D) and variation selectors stay: emoji sequences need them.
 */
const UNSAFE =
  // deno-lint-ignore no-control-regex -- control characters are what this matches
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb]/g;
/** A subdivision flag (kept whole, group 1), or any other tag character (removed). */
const TAGS =
  /(\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,7}\u{E007F})|[\u{E0000}-\u{E007F}]/gu;

/**
 * Returns `text` safe to show as chat, on any platform:
 * - CR LF and the Unicode line and paragraph separators (U+2028, U+2029) become LF: a newline
 *   splits lines, which every renderer shows as a new line of the same speaker;
 * - any other CR and every TAB become a space: a CR never moves back over a line;
 * - a lone surrogate (not a character in any encoding) becomes U+FFFD, as a UTF-8 encoder would;
 * - every other control, bidi control, annotation or stray tag character is removed (see
 *   `UNSAFE` and `TAGS` above).
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
    .toWellFormed()
    .replace(/\r\n|[\u2028\u2029]/g, "\n")
    .replace(/[\r\t]/g, " ")
    .replace(UNSAFE, "")
    .replace(TAGS, (_match, flag: string | undefined) => flag ?? "");
}
