/**
 * CyTube sends chat as HTML: the server escapes `& < > " ' ( )` (`src/xss.js` sanitizeText),
 * wraps links in `<a href>` and runs channel filters that add tags (`<strong>`, `<code>`,
 * spoiler `<span>`). A bot must turn that back into the text the user typed before it parses
 * commands, or `!roll 1d6 > 3` arrives as `!roll 1d6 &gt; 3`.
 *
 * @module
 */

import { decodeHTML } from "entities";

/**
 * Decodes HTML character references as a browser does (the HTML5 table, numeric references
 * with or without ";"), in one pass: `&amp;lt;` becomes `&lt;`, not `<`. The work is done by
 * the `entities` package (fb55/entities, the decoder behind htmlparser2 and cheerio).
 *
 * @example
 * ```ts
 * import { decodeHtmlEntities } from "./html.ts";
 * decodeHtmlEntities("a &amp; b &#40;c&#41; &#x1F600;"); // "a & b (c) 😀"
 * ```
 */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes("&")) return text;
  return decodeHTML(text);
}

// CyTube's default chat filters (src/channel/filters.js DEFAULT_FILTERS), each as the tag it
// emits and the markers the user typed around the text: `(.+?)` -> <code>, \*(.+?)\* ->
// <strong>, _(.+?)_ -> <em>, ~~(.+?)~~ -> <s>, [sp](.*?)[/sp] -> <span class="spoiler">.
// Every "<" a user types reaches us escaped (src/xss.js sanitizeText), so these exact tags
// can only come from the filters, and putting the markers back recovers what was typed.
const FILTER_TAGS: readonly [tag: RegExp, marker: string][] = [
  [/<\/?code>/g, "`"],
  [/<\/?strong>/g, "*"],
  [/<\/?em>/g, "_"],
  [/<\/?s>/g, "~~"],
];
// A "</span>" closes a spoiler only after its opening tag, so the pair is matched at once.
const SPOILER = /<span class="spoiler">([\s\S]*?)<\/span>/g;

/**
 * Puts back the markers CyTube's default chat filters turned into tags: `snake_case_name`
 * arrives as `snake<em>case</em>name` and becomes `snake_case_name` again. Other tags are
 * left for {@linkcode stripHtml}.
 *
 * @example
 * ```ts
 * import { unfilterChat } from "./html.ts";
 * unfilterChat("snake<em>case</em>name <strong>hi</strong>"); // "snake_case_name *hi*"
 * ```
 */
export function unfilterChat(html: string): string {
  if (!html.includes("<")) return html;
  let text = html.replace(SPOILER, "[sp]$1[/sp]");
  for (const [tag, marker] of FILTER_TAGS) text = text.replace(tag, marker);
  return text;
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
 * Turns a CyTube chat `msg` (HTML) into the plain text the user typed: the chat filters'
 * tags turned back into their markers, other tags stripped, then entities decoded (last, so
 * an escaped `&lt;b&gt;` survives as the text `<b>`).
 *
 * @example
 * ```ts
 * import { htmlToText } from "./html.ts";
 * htmlToText("hello &amp;amp; &lt;b&gt;"); // "hello &amp; <b>"
 * ```
 */
export function htmlToText(html: string): string {
  return decodeHtmlEntities(stripHtml(unfilterChat(html)));
}
