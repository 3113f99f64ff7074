/**
 * The attack as a plugin author would try it: a sandboxed `aaa.ts`, sorted before every other
 * plugin, declares dice's `roll` and inspector's admin-only `inspect`.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { FailureBot, fixture, plugin } from "../failures/_bot.ts";

const AAA = fixture("../router/fixtures/aaa.ts");

async function running(bot: FailureBot, ...words: string[]) {
  await waitFor(
    () => words.every((w) => bot.router.table.plugins.length > 0 && isRunning(bot, w)),
    {
      what: `${words.join(", ")} running`,
      timeoutMs: 20_000,
    },
  );
}

function isRunning(bot: FailureBot, word: string): boolean {
  return bot.router.table.plugins.some((p) =>
    p.state === "running" && p.manifest?.commands.some((c) => c.name === word)
  );
}

Deno.test("a sandboxed newcomer claiming roll and inspect is refused, reported once, and the bot keeps serving", async () => {
  const state = await Deno.makeTempDir({ prefix: "quicksilver-claims-" });
  const commandOwners = { file: `${state}/command-owners.json` };
  try {
    {
      // Installed first: dice and inspector.
      await using bot = await FailureBot.start([plugin("dice"), plugin("inspector")], {
        router: { commandOwners },
      });
      await running(bot, "roll", "inspect");
    }
    // Restarted with aaa.ts added.
    await using bot = await FailureBot.start([AAA, plugin("dice"), plugin("inspector")], {
      router: { commandOwners },
    });
    await running(bot, "roll", "inspect", "aaa");
    await waitFor(() => bot.violations.length >= 2, { what: "the refused claims reported" });

    const roll = await bot.askUntilAnswered("!roll 1d1");
    assert.match(roll.text, /= 1$/, "dice still answers !roll");
    const inspect = await bot.askUntilAnswered("!inspect plugins");
    assert.equal(inspect.text, "tester: !inspect needs rank admin.", "the rank was not lowered");
    const own = await bot.askUntilAnswered("!aaa");
    assert.equal(own.text, "aaa answers its own command");
    assert.ok(!bot.said.some((s) => s.text.startsWith("aaa took")));

    assert.deepEqual(
      bot.violations.map((v) => [v.plugin, v.kind, v.action, /declares (!\w+)/.exec(v.detail)?.[1]])
        .sort(),
      [["aaa", "command-claim", "refused", "!inspect"], [
        "aaa",
        "command-claim",
        "refused",
        "!roll",
      ]],
      "each claim reported once, with the plugin's name and the word",
    );
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
