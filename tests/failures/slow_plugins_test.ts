/**
 * A plugin that crashes, hangs or answers slowly delays nobody else: the router sends each
 * command on its own request, so dice answers while the others are still failing.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { FailureBot, fixture, plugin } from "./_bot.ts";

Deno.test("a slow, a hung and a crashing plugin do not delay another plugin's commands", async () => {
  await using bot = await FailureBot.start([
    plugin("dice"),
    fixture("./fixtures/slow.ts"),
    fixture("../sandbox/fixtures/flaky.ts"),
    fixture("../sandbox/hostile/cpu_spin.ts"),
  ]);
  await waitFor(
    () =>
      ["roll", "slow", "spin", "crash", "wait"].every((w) => bot.router.table.resolve(w)?.running),
    { timeoutMs: 30_000, what: "all four plugins routable" },
  );
  await bot.askUntilAnswered("!roll 1d1");

  const slow = bot.type("!slow");
  const hung = bot.type("!spin");
  const crashed = bot.type("!crash");
  const wait = bot.type("!wait"); // flaky's never-answering async handler
  const rolls = Array.from({ length: 20 }, () => bot.type("!roll 1d1"));

  // Every roll is answered, and all of them before any of the failing plugins' apologies.
  await waitFor(() => rolls.every((c) => bot.answerIn(c)), { what: "every roll answered" });
  const lastRoll = Math.max(...rolls.map((c) => bot.answerIn(c)!.at));
  for (const c of rolls) assert.match(bot.answerIn(c)!.text, /= 1$/);
  await waitFor(() => [slow, hung, wait].every((c) => bot.answerIn(c)), {
    what: "apologies from the slow and hung plugins",
  });
  for (const c of [slow, hung, wait]) {
    assert.match(bot.answerIn(c)!.text, /not answering right now, sorry|took too long/);
    assert.ok(bot.answerIn(c)!.at > lastRoll, "a failing plugin's answer came after the rolls");
  }
  assert.equal(bot.answerIn(crashed)?.text, "crashing");
  // And afterwards the bot still serves.
  assert.match((await bot.askUntilAnswered("!roll 1d1")).text, /= 1$/);
});
