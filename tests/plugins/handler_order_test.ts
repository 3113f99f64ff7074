/**
 * The lines one command handler produces (its reply and its `ctx.say` calls) reach the chat in
 * the order its code produced them: through the real manager, sandboxed plugin and router.
 */
import assert from "node:assert/strict";
import { createEnvelope, subjects } from "@quicksilver/core";
import { waitFor } from "@quicksilver/testing";
import { BANK } from "../../plugins/trivia.ts";
import { FailureBot, fixture, PLATFORM, plugin } from "../failures/_bot.ts";

/** Types `text` in `channel` as `user`. */
function type(bot: FailureBot, channel: string, text: string, user = "alice") {
  bot.connector.publish(
    subjects.event("message"),
    createEnvelope("message", { platform: PLATFORM, channel }, {
      user: { name: user, rank: 1 },
      text,
    }),
  );
}

function saidIn(bot: FailureBot, channel: string): string[] {
  return bot.said.filter((s) => s.channel === channel).map((s) => s.text);
}

Deno.test("a handler's replies and says reach the chat in the order the code produced them", async () => {
  await using bot = await FailureBot.start([fixture("../plugins/fixtures/chatty.ts")]);
  await waitFor(() => bot.router.table.resolve("chatty")?.running, { what: "chatty running" });
  const expected = [
    "1 said before any reply",
    "2 reply",
    "3 said after a reply line",
    "4 said to the same channel",
    "5 said after an await",
    "6 reply",
    "7 returned",
  ];
  for (const round of [1, 2, 3]) {
    const channel = `order${round}`;
    type(bot, channel, "!chatty");
    await waitFor(() => saidIn(bot, channel).length >= 7, { what: `round ${round} answered` });
    assert.deepEqual(saidIn(bot, channel), expected, `round ${round}`);
  }
});

Deno.test("what a handler said before failing is still said, before the apology", async () => {
  await using bot = await FailureBot.start([fixture("../plugins/fixtures/chatty.ts")]);
  await waitFor(() => bot.router.table.resolve("failing")?.running, { what: "chatty running" });
  type(bot, "fail", "!failing");
  await waitFor(() => saidIn(bot, "fail").length >= 2, { what: "the failure answered" });
  assert.deepEqual(saidIn(bot, "fail"), [
    "said before failing",
    "!failing failed (internal error)",
  ]);
});

Deno.test("trivia: the right answer to the last question is posted before 'Trivia over'", async () => {
  await using bot = await FailureBot.start([plugin("trivia")]);
  await waitFor(() => bot.router.table.resolve("trivia")?.running, { what: "trivia running" });
  type(bot, "quiz", "!trivia start 1");
  const question = await waitFor(
    () => saidIn(bot, "quiz").find((line) => line.startsWith("❓ Q1/1 ")),
    { what: "the question", timeoutMs: 15_000 },
  );
  const asked = BANK.find((q) => question.includes(`] ${q.text}  `));
  assert.ok(asked, question);
  type(bot, "quiz", `!a ${asked.answer}`);
  await waitFor(() => saidIn(bot, "quiz").some((line) => line.startsWith("🏁")), {
    what: "the end of the game",
  });
  await waitFor(() => saidIn(bot, "quiz").some((line) => line.startsWith("✅")), {
    what: "the right answer acknowledged",
  });
  const lines = saidIn(bot, "quiz");
  const gotIt = lines.findIndex((line) => line.startsWith("✅ alice got it"));
  const over = lines.findIndex((line) => line.startsWith("🏁 Trivia over! 1) alice"));
  assert.ok(gotIt >= 0 && gotIt < over, JSON.stringify(lines));
});
