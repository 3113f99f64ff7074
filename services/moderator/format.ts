/** Text formats of the moderator shell's replies, as Rosey's `common/shell.py` writes them. */

/** Rosey's `format_duration`: `1h 2m 3s`, days as `1d`, zero parts left out, `0s` for zero. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "Unknown";
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const secs = Math.floor(seconds % 60);
  const parts: string[] = [];
  if (days > 0) parts.push(`${days}d`);
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  if (secs > 0 || parts.length === 0) parts.push(`${secs}s`);
  return parts.join(" ");
}

/** `YYYY-mm-dd HH:MM` in local time, as Rosey shows peaks and first/last seen. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** The longest PM the shell sends (Rosey's limit; the connector cuts to the platform's own). */
export const MAX_PM_LENGTH = 500;

/**
 * Splits a reply on line boundaries into chunks of at most `max` characters (newlines
 * included), as Rosey does. Unlike Rosey, a single line longer than `max` is cut too, so that
 * no chunk is ever over the limit.
 */
export function chunkReply(text: string, max = MAX_PM_LENGTH): string[] {
  const lines = text.split("\n").flatMap((line) => {
    if (line.length <= max) return [line];
    const pieces: string[] = [];
    for (let i = 0; i < line.length; i += max) pieces.push(line.slice(i, i + max));
    return pieces;
  });
  const chunks: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const line of lines) {
    const lineLength = line.length + 1;
    if (length + lineLength > max + 1 && current.length > 0) {
      chunks.push(current.join("\n"));
      current = [line];
      length = lineLength;
    } else {
      current.push(line);
      length += lineLength;
    }
  }
  if (current.length > 0) chunks.push(current.join("\n"));
  // Blank chunks (a reply of empty lines) are not worth a message.
  return chunks.filter((chunk) => chunk.trim() !== "");
}
