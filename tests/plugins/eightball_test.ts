import assert from "node:assert/strict";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { ANSWERS, shake } from "../../plugins/eightball.ts";

Deno.test("8ball: there are the 20 classic answers and a question is required", () => {
  assert.equal(new Set(ANSWERS).size, 20);
  assert.equal(shake("Will it rain?", 0), "It is certain.");
  assert.equal(shake("Will it rain?", 0.999), "Very doubtful.");
  assert.throws(() => shake("   "), /Ask the 8-ball a question/);
});

Deno.test("8ball in the sandbox", async (t) => {
  await using bed = await PluginTestBed.start("plugins/eightball.ts");

  await t.step("answers a question with one of the classic answers", async () => {
    const text = bed.text(await bed.command("!8ball Will it rain tomorrow?", { user: "alice" }));
    const answer = ANSWERS.find((a) => text.includes(a));
    assert.ok(answer, `not a classic answer: ${text}`);
    assert.match(text, /^🎱 alice: .* \(shake #1\)$/);
  });

  await t.step(
    "refuses a second shake by the same user within 3 s, not by another user",
    async () => {
      const again = await bed.command("!8ball And the day after?", { user: "alice" });
      assert.equal(again.ok, false);
      assert.match(
        bed.text(again),
        /rate_limited: alice: !8ball is cooling down, try again in [1-3] s/,
      );
      const bob = await bed.command("!8ball Am I next?", { user: "bob" });
      assert.equal(bob.ok, true);
    },
  );

  await t.step("without a question it says how to ask", async () => {
    const result = await bed.command("!8ball", { user: "carol" });
    assert.equal(result.ok, false);
    assert.match(bed.text(result), /invalid_args: Ask the 8-ball a question/);
  });

  await t.step("the shake count survives a restart", async () => {
    await bed.restart();
    const text = bed.text(await bed.command("!eightball Still there?", { user: "dave" }));
    assert.match(text, /\(shake #3\)$/);
    assert.equal((await bed.storage()).shakes, 3);
  });
});
