/**
 * How CyTube turns typed chat into the HTML it broadcasts: `src/xss.js` sanitizeText, then
 * links wrapped in `<a href>` (`src/channel/chat.js` filterMessage with enable_link_regex).
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

// The server's LINK pattern: scheme://host[:port] followed by path segments.
const LINK = /(\w+:\/\/(?:[^:/[\]\s]+|\[[0-9a-f:]+\])(?::\d+)?(?:\/[^/\s]*)*)/gi;

/** Escapes the text and, when `linkify`, wraps each URL in an anchor as CyTube does. */
export function formatChatHtml(text: string, linkify: boolean): string {
  const escaped = sanitizeText(text);
  if (!linkify) return escaped;
  return escaped.replace(LINK, (link) => `<a href="${link}" target="_blank">${link}</a>`);
}
