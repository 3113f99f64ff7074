/**
 * How CyTube turns typed chat into the HTML it broadcasts: `src/xss.js` sanitizeText, then
 * the channel's chat filters and links wrapped in `<a href>` (`src/channel/chat.js`
 * filterMessage with enable_link_regex).
 *
 * @module
 */

/** `src/xss.js` sanitizeText: escapes `& < > " ' ( )`. */
export function sanitizeText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
    .replace(/\(/g, "&#40;")
    .replace(/\)/g, "&#41;");
}

// src/channel/chat.js: LINK and its placeholder; links are cut out before the filters run.
const LINK = /(\w+:\/\/(?:[^:/[\]\s]+|\[[0-9a-f:]+\])(?::\d+)?(?:\/[^/\s]*)*)/gi;
const LINK_PLACEHOLDER = "\ueeee";
const LINK_PLACEHOLDER_RE = /\ueeee/g;

/** src/channel/filters.js DEFAULT_FILTERS, in order: what an unconfigured channel applies. */
export const DEFAULT_FILTERS: readonly { name: string; source: RegExp; replace: string }[] = [
  { name: "monospace", source: /`(.+?)`/g, replace: "<code>$1</code>" },
  { name: "bold", source: /\*(.+?)\*/g, replace: "<strong>$1</strong>" },
  { name: "italic", source: /_(.+?)_/g, replace: "<em>$1</em>" },
  { name: "strike", source: /~~(.+?)~~/g, replace: "<s>$1</s>" },
  {
    name: "inline spoiler",
    source: /\[sp\](.*?)\[\/sp\]/gi,
    replace: '<span class="spoiler">$1</span>',
  },
];

/**
 * src/channel/chat.js formatMessage + filterMessage: escape the text, cut the links out, run
 * the channel's filters (the defaults here) on the rest, then put each link back, wrapped in
 * an anchor when `linkify` (enable_link_regex).
 */
export function formatChatHtml(text: string, linkify: boolean): string {
  const escaped = sanitizeText(text);
  const links = escaped.match(LINK) ?? [];
  let result = escaped.replace(LINK, LINK_PLACEHOLDER);
  for (const filter of DEFAULT_FILTERS) result = result.replace(filter.source, filter.replace);
  return result.replace(LINK_PLACEHOLDER_RE, () => {
    const link = links.shift();
    if (!link) return "";
    return linkify
      ? `<a href="${link}" target="_blank" rel="noopener noreferrer">${link}</a>`
      : link;
  });
}
