import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { MAX_DICE, parseDice, roll } from "../../plugins/dice.ts";

const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;

Deno.test("dice notation: sums, constants, keep/drop and advantage", () => {
  const sixes = () => 6;
  const seq = (values: number[]) => () => values.shift()!;
  assert.equal(roll(parseDice("2d6+3"), sixes).total, 15);
  assert.equal(roll(parseDice("d20-2"), () => 10).total, 8);
  assert.deepEqual(roll(parseDice("4d6kh3"), seq([1, 5, 3, 6])), {
    total: 14,
    detail: "[~1~, 5, 3, 6]",
  });
  assert.equal(roll(parseDice("4d6dl1"), seq([1, 5, 3, 6])).total, 14);
  assert.equal(roll(parseDice("4d6kl1"), seq([4, 5, 3, 6])).total, 3);
  assert.equal(roll(parseDice("adv"), seq([3, 17])).total, 17);
  assert.equal(roll(parseDice("dis+5"), seq([3, 17])).total, 8);
  assert.equal(roll(parseDice(""), () => 20).total, 20);
});

Deno.test("dice refuses more than 100 dice or 1000 sides with a clear message", () => {
  assert.throws(() => parseDice("101d6"), {
    name: "UsageError",
    message: `At most ${MAX_DICE} dice per roll (you asked for 101).`,
  });
  assert.throws(() => parseDice("60d6+60d6"), /At most 100 dice/);
  assert.throws(() => parseDice("1d1001"), /at most 1000 sides/);
  assert.throws(() => parseDice("4d6kh5"), /keep or drop between 1 and 3 of 4/);
  assert.throws(() => parseDice("banana"), /I can't read "banana"/);
});

Deno.test("the dice plugin answers !roll and !flip in its sandbox and keeps a count in storage", async () => {
  await using bed = await PluginTestBed.start(DICE);
  const rolled = await bed.command("!roll 2d6+3", { user: "alice" });
  assert.match(bed.text(rolled), /^alice rolled 2d6\+3: \[\d, \d\] \+ 3 = \d+$/);
  const alias = await bed.command("!r 4d6kh3", { user: "bob" });
  assert.ok(alias.ok, bed.text(alias));
  assert.match(
    bed.text(await bed.command("!flip", { user: "carol" })),
    /^carol flipped a coin: (heads|tails)$/,
  );
  const tooMany = await bed.command("!roll 500d6");
  assert.deepEqual(tooMany, {
    ok: false,
    error: { code: "invalid_args", message: "At most 100 dice per roll (you asked for 500)." },
  });
  // The count is saved in the background (batched saves), so wait for it to reach the disk.
  await waitFor(async () => (await bed.storage()).rolls === 2, { what: "two rolls saved" });
  await bed.restart();
  assert.deepEqual(await bed.storage(), { rolls: 2 }, "storage survives a restart");
  assert.ok((await bed.command("!roll d4")).ok);
  await waitFor(async () => (await bed.storage()).rolls === 3, { what: "the count continued" });
  assert.equal(bed.status().restarts, 1);
  assert.deepEqual(bed.violations, []);
});
