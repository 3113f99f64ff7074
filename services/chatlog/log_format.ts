/**
 * Rosey's chat and media log lines, with its timestamp bug fixed: Rosey formats with
 * `%d/%m/%Y %H:%m:%S`, where `%m` is the month, so minutes never appeared; these lines carry
 * real minutes (`%H:%M:%S`). Times are local, as Rosey's were.
 *
 * - chat:  `[dd/mm/YYYY HH:MM:SS] user: msg`
 * - PM:    `[dd/mm/YYYY HH:MM:SS] user -> to: msg`
 * - media: `[dd/mm/YYYY HH:MM:SS] queueby: url "title"`
 */
import type { MediaChangePayload, MessagePayload } from "@quicksilver/core";

/** `dd/mm/YYYY HH:MM:SS` in local time. */
export function formatLogTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** One line per event, whatever the text holds: a newline in a message cannot forge a line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

/** A chat line; `/me` actions keep their `/me` so the log reads as typed. */
export function chatLine(time: number, message: MessagePayload): string {
  const text = message.action ? `/me ${message.text}` : message.text;
  return `[${formatLogTime(time)}] ${oneLine(message.user.name)}: ${oneLine(text)}`;
}

/** A private message line. */
export function pmLine(time: number, message: MessagePayload): string {
  return `[${formatLogTime(time)}] ${oneLine(message.user.name)} -> ` +
    `${oneLine(message.to ?? "?")}: ${oneLine(message.text)}`;
}

/** A media log line; the link is `type:id` when the platform gave no URL. */
export function mediaLine(time: number, change: MediaChangePayload): string {
  const { media } = change;
  const url = media.url ?? `${media.type}:${media.id}`;
  return `[${formatLogTime(time)}] ${oneLine(change.queuedBy ?? "")}: ${oneLine(url)} ` +
    `"${oneLine(media.title)}"`;
}
