/**
 * The magic 8-ball: `!8ball <question>` shakes it and answers with one of the 20 classic answers.
 * A question is required; each user may shake it once every 3 s (the SDK's per-command
 * `cooldownMs`: the router refuses early repeats before they reach the plugin). A running count of shakes is kept in storage, so it survives restarts.
 */
import { definePlugin, UsageError } from "@quicksilver/sdk";

/** The 20 answers of the original Mattel ball: 10 yes, 5 maybe, 5 no. */
export const ANSWERS = [
  "It is certain.",
  "It is decidedly so.",
  "Without a doubt.",
  "Yes definitely.",
  "You may rely on it.",
  "As I see it, yes.",
  "Most likely.",
  "Outlook good.",
  "Yes.",
  "Signs point to yes.",
  "Reply hazy, try again.",
  "Ask again later.",
  "Better not tell you now.",
  "Cannot predict now.",
  "Concentrate and ask again.",
  "Don't count on it.",
  "My reply is no.",
  "My sources say no.",
  "Outlook not so good.",
  "Very doubtful.",
] as const;

export const COOLDOWN_MS = 3000;
const MAX_QUESTION = 300;

/** Picks an answer; `random` in [0, 1) is injectable for tests. */
export function shake(question: string, random: number = Math.random()): string {
  const asked = question.trim();
  if (!asked) throw new UsageError("Ask the 8-ball a question: !8ball Will it rain tomorrow?");
  if (asked.length > MAX_QUESTION) {
    throw new UsageError(
      `That question is too long for the 8-ball (${MAX_QUESTION} characters at most).`,
    );
  }
  return ANSWERS[Math.min(ANSWERS.length - 1, Math.floor(random * ANSWERS.length))]!;
}

export default definePlugin({
  name: "eightball",
  version: "1.0.0",
  description: "The magic 8-ball: !8ball <question>.",
  commands: {
    "8ball": {
      aliases: ["eightball"],
      usage: "!8ball <question>",
      help:
        "Asks the magic 8-ball a yes/no question (one of the 20 classic answers). Once every 3 s.",
      cooldownMs: COOLDOWN_MS,
      async handler(ctx) {
        const answer = shake(ctx.rawArgs);
        const shakes = await ctx.storage.update<number>("shakes", (n) => (n ?? 0) + 1);
        return `🎱 ${ctx.user.name}: ${answer} (shake #${shakes})`;
      },
    },
  },
});
