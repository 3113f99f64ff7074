// deno-lint-ignore-file no-control-regex -- IRC framing (CR, LF, NUL) and CTCP (\x01) are control characters
/**
 * The PRIVMSG lines for one message: control characters removed (a plugin's `\x01` cannot
 * forge a CTCP, a CR or LF cannot start a second command), split so that every line other
 * clients receive fits 512 bytes with the server's prefix, `/me` as a CTCP ACTION, and on
 * Twitch the first line tagged `@reply-parent-msg-id` so the answer shows as a reply in the
 * thread of the command (dev.twitch.tv/docs/irc/send-receive-messages, "Replying to a chat
 * message").
 *
 * @module
 */
import { splitIrcText, textBudget } from "./split.ts";

export interface PrivmsgOptions {
  target: string;
  text: string;
  action?: boolean;
  replyParent?: string;
  /** Our `nick!user@host` as others see it. */
  mask: string;
  twitch?: boolean;
}

/** The raw lines (without CRLF) that send `text` to `target`. */
export function privmsgLines(options: PrivmsgOptions): string[] {
  const clean = options.text.replace(/\t/g, " ").replace(/[\x00-\x09\x0b-\x1f\x7f]/g, "");
  // An action's text travels inside `\x01ACTION ...\x01` (9 bytes more).
  const overhead = options.action ? 9 : 0;
  const budget = textBudget({ mask: options.mask, command: "PRIVMSG", target: options.target }) -
    overhead;
  const parent = options.replyParent?.replace(/[^A-Za-z0-9-]/g, "");
  const tags = parent && options.twitch ? `@reply-parent-msg-id=${parent} ` : "";
  return splitIrcText(clean, budget).map((piece, index) =>
    `${index === 0 ? tags : ""}PRIVMSG ${options.target} :${
      options.action ? `\x01ACTION ${piece}\x01` : piece
    }`
  );
}
