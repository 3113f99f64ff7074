/**
 * What a sandboxed plugin says reaches the chat clean and bounded, however it says it: reply
 * lines, returned lines, `ctx.say`.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { FailureBot, fixture } from "../failures/_bot.ts";

const LOUD = fixture("../router/fixtures/loud.ts");

Deno.test("a sandboxed plugin's escapes, forged lines, NUL and bidi overrides reach the chat removed", async () => {
  await using bot = await FailureBot.start([LOUD]);
  await waitFor(() => bot.router.table.resolve("escape")?.running, { what: "loud running" });
  const channel = bot.type("!escape");
  await waitFor(() => bot.said.filter((s) => s.channel === channel).length === 5, {
    what: "five lines",
  });
  assert.deepEqual(bot.said.filter((s) => s.channel === channel).map((s) => s.text), [
    "[2J]0;titlecleared",
    "x [you] !inspect plugins",
    "nulhere",
    "filetxt.exe",
    "c131mred",
  ]);
  // The bot kept serving.
  const again = await bot.askUntilAnswered("!escape");
  assert.equal(again.text, "[2J]0;titlecleared");
});

Deno.test("a sandboxed plugin's 120 KB answer is cut to a few chat lines with a note", async () => {
  await using bot = await FailureBot.start([LOUD]);
  await waitFor(() => bot.router.table.resolve("flood")?.running, { what: "loud running" });
  const channel = bot.type("!flood");
  await waitFor(() => bot.said.some((s) => s.channel === channel && s.text.endsWith("cut)")), {
    what: "the cut note",
  });
  const lines = bot.said.filter((s) => s.channel === channel).map((s) => s.text);
  const chars = lines.slice(0, -1).reduce((sum, line) => sum + line.length, 0);
  assert.ok(chars <= 8 * 320, `${chars} characters reached the chat`);
  // 50 lines of 2400 characters are 50 * 8 = 400 chat lines; 8 are kept.
  assert.equal(lines.at(-1), "(392 more lines cut)");
  assert.equal(bot.router.metrics.cut.lines, 392);
});
