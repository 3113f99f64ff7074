/**
 * CyTube sends chat as HTML: the server escapes `& < > " ' ( )` (`src/xss.js` sanitizeText),
 * wraps links in `<a href>` and runs channel filters that add tags (`<strong>`, `<code>`,
 * spoiler `<span>`). A bot must turn that back into the text the user typed before it parses
 * commands, or `!roll 1d6 > 3` arrives as `!roll 1d6 &gt; 3`.
 *
 * @module
 */

// Named entities: the ones CyTube and sanitize-html emit, plus common typography that users
// paste. An unknown name is left as it is rather than guessed.
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  copy: "\u00a9",
  reg: "\u00ae",
  trade: "\u2122",
  hellip: "\u2026",
  mdash: "\u2014",
  ndash: "\u2013",
  lsquo: "\u2018",
  rsquo: "\u2019",
  ldquo: "\u201c",
  rdquo: "\u201d",
  laquo: "\u00ab",
  raquo: "\u00bb",
  bull: "\u2022",
  middot: "\u00b7",
  deg: "\u00b0",
  times: "\u00d7",
  divide: "\u00f7",
  euro: "\u20ac",
  pound: "\u00a3",
  yen: "\u00a5",
  cent: "\u00a2",
  sect: "\u00a7",
  para: "\u00b6",
  shy: "\u00ad",
  lpar: "(",
  rpar: ")",
};

// Numeric references may omit the ";" (CyTube's own decodeText accepts that); named ones must
// have it, so that text like "&copy2" or "AT&T" is not mangled.
const ENTITY = /&(?:#([0-9]{1,7});?|#[xX]([0-9a-fA-F]{1,6});?|([A-Za-z][A-Za-z0-9]{1,31});)/g;

function fromCodePoint(code: number, original: string): string {
  // The HTML spec maps NUL, surrogates and out-of-range values to U+FFFD; a lone surrogate
  // would otherwise break every later string operation.
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
  if (!Number.isFinite(code)) return original;
  return String.fromCodePoint(code);
}

/**
 * Decodes HTML character references in one pass (`&amp;lt;` becomes `&lt;`, not `<`).
 *
 * @example
 * ```ts
 * import { decodeHtmlEntities } from "./html.ts";
 * decodeHtmlEntities("a &amp; b &#40;c&#41; &#x1F600;"); // "a & b (c) 😀"
 * ```
 */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(
    ENTITY,
    (match, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (dec !== undefined) return fromCodePoint(Number.parseInt(dec, 10), match);
      if (hex !== undefined) return fromCodePoint(Number.parseInt(hex, 16), match);
      const named = name === undefined ? undefined : NAMED_ENTITIES[name];
      return named ?? match;
    },
  );
}

const ANCHOR = /<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
const IMG = /<img\b([^>]*)>/gi;
const SRC = /\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
const COMMENT = /<!--[\s\S]*?-->/g;
const BREAK = /<br\s*\/?>/gi;
const TAG = /<\/?[A-Za-z][^>]*>/g;

function attribute(attributes: string, pattern: RegExp): string {
  const match = pattern.exec(attributes);
  return match ? (match[1] ?? match[2] ?? match[3] ?? "") : "";
}

/**
 * Removes HTML tags and keeps what a reader sees: a link keeps its text (CyTube's link text is
 * the URL itself), or its `href` when the text is empty; an image becomes its `src`. Entities
 * are left encoded; see {@linkcode htmlToText} for both steps.
 *
 * @example
 * ```ts
 * import { stripHtml } from "./html.ts";
 * stripHtml('see <a href="https://x.org" target="_blank">https://x.org</a>'); // "see https://x.org"
 * ```
 */
export function stripHtml(html: string): string {
  if (!html.includes("<")) return html;
  return html
    .replace(COMMENT, "")
    .replace(ANCHOR, (_m, attributes: string, inner: string) => {
      const text = inner.replace(TAG, "");
      return text.trim() === "" ? attribute(attributes, HREF) : text;
    })
    .replace(IMG, (_m, attributes: string) => attribute(attributes, SRC))
    .replace(BREAK, "\n")
    .replace(TAG, "");
}

/**
 * Turns a CyTube chat `msg` (HTML) into the plain text the user typed: tags stripped first,
 * then entities decoded, so an escaped `&lt;b&gt;` survives as the text `<b>`.
 *
 * @example
 * ```ts
 * import { htmlToText } from "./html.ts";
 * htmlToText("hello &amp;amp; &lt;b&gt;"); // "hello &amp; <b>"
 * ```
 */
export function htmlToText(html: string): string {
  return decodeHtmlEntities(stripHtml(html));
}
