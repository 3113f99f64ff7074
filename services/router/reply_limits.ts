/**
 * Bounding one reply: a plugin may answer 120 KB, which on CyTube would be ~375 messages in the
 * connector's one paced queue, holding everyone's answers for minutes.
 *
 * @module
 */

/**
 * How much of one reply (everything one handler answers, or one line a plugin says on its own)
 * reaches the chat. A long line counts as several chat lines, one per `lineChars` characters
 * (CyTube's default message limit is 320), so a 120 KB reply costs what it would cost on the
 * platform. What does not fit is dropped and replaced by one note, `(n more lines cut)`.
 */
export interface ReplyLimits {
  /** Chat lines per reply. Default 8. */
  maxLines?: number;
  /** Characters per chat line. Default 320. */
  lineChars?: number;
}

export const DEFAULT_REPLY_LIMITS: Required<ReplyLimits> = { maxLines: 8, lineChars: 320 };

/**
 * Keeps the lines of a reply that fit in `maxLines` chat lines (a line costs one chat line per
 * `lineChars` characters of each of its `\n`-separated parts); the line that overflows is cut
 * at the budget. Returns the kept lines and how many chat lines were cut.
 */
export function capReply(
  lines: readonly string[],
  limits: Required<ReplyLimits>,
): { kept: string[]; cut: number } {
  const { maxLines, lineChars } = limits;
  const cost = (part: string) => Math.max(1, Math.ceil(part.length / lineChars));
  const kept: string[] = [];
  let budget = maxLines;
  let cut = 0;
  for (const line of lines) {
    const parts = line.split("\n");
    const lineCost = parts.reduce((sum, part) => sum + cost(part), 0);
    if (lineCost <= budget) {
      kept.push(line);
      budget -= lineCost;
      continue;
    }
    // Keep whole parts while they fit, then the start of the next one.
    const partial: string[] = [];
    for (const part of parts) {
      if (budget <= 0) {
        cut += cost(part);
      } else if (cost(part) <= budget) {
        partial.push(part);
        budget -= cost(part);
      } else {
        const room = budget * lineChars - 1;
        partial.push(`${part.slice(0, room).trimEnd()}…`);
        cut += cost(part) - budget;
        budget = 0;
      }
    }
    if (partial.length > 0) kept.push(partial.join("\n"));
  }
  return { kept, cut };
}
