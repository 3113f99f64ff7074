import assert from "node:assert/strict";
import { RANKS } from "@quicksilver/sdk";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import {
  BANK,
  categories,
  isCorrect,
  maskHint,
  normalize,
  parseStart,
  pointsFor,
  streakBonus,
} from "../../plugins/trivia.ts";

Deno.test("trivia: the bank has 300+ sound questions in six categories", () => {
  assert.ok(BANK.length >= 300, `only ${BANK.length} questions`);
  const cats = categories(BANK);
  assert.equal(cats.size, 6);
  for (const [name, n] of cats) assert.ok(n >= 45, `${name} has only ${n}`);
  const seen = new Set<string>();
  for (const q of BANK) {
    const key = normalize(q.text);
    assert.ok(!seen.has(key), `duplicate question: ${q.text}`);
    seen.add(key);
    const choices = [q.answer, ...q.wrong].map(normalize);
    assert.equal(new Set(choices).size, choices.length, `choices not distinct: ${q.text}`);
    assert.ok(
      isCorrect(q.answer, q.answer, [q.answer, ...q.wrong]),
      `answer not accepted: ${q.text}`,
    );
    for (const w of q.wrong) {
      assert.ok(!isCorrect(w, q.answer, [q.answer, ...q.wrong]), `wrong accepted: ${q.text}`);
    }
  }
});

Deno.test("trivia: answers match by number, text, distinctive word or a small typo", () => {
  const choices = ["Lake Tanganyika", "Lake Victoria", "Lake Malawi", "Lake Chad"];
  assert.ok(isCorrect("2", "Lake Victoria", choices));
  assert.ok(!isCorrect("1", "Lake Victoria", choices));
  assert.ok(isCorrect("lake  VICTORIA!", "Lake Victoria", choices));
  assert.ok(isCorrect("victoria", "Lake Victoria", choices));
  assert.ok(isCorrect("Lake Victorai", "Lake Victoria", choices));
  assert.ok(!isCorrect("lake", "Lake Victoria", choices));
  assert.ok(!isCorrect("", "Lake Victoria", choices));
  assert.ok(isCorrect("the beatles", "The Beatles", ["The Beatles", "The Who"]));
  assert.ok(isCorrect("brasilia", "Brasília", ["Brasília", "Rio de Janeiro"]));
  // A number that is itself a choice is taken as that choice, not as a position.
  assert.ok(isCorrect("6", "6", ["8", "5", "6", "7"]));
  assert.ok(!isCorrect("3", "6", ["6", "5", "3", "7"]));
  assert.ok(isCorrect("3", "6", ["8", "5", "6", "7"]));
});

Deno.test("trivia: points fall from 1000 to 100, streaks add up to 500, hints mask the answer", () => {
  assert.equal(pointsFor(0, 30_000), 1000);
  assert.equal(pointsFor(15_000, 30_000), 550);
  assert.equal(pointsFor(40_000, 30_000), 100);
  assert.deepEqual([1, 2, 3, 9].map(streakBonus), [0, 100, 200, 500]);
  assert.equal(maskHint("Lake Victoria"), "L___  V_______");
  assert.deepEqual(parseStart(["5", "geo"], BANK, 50), { count: 5, category: "Geography" });
  assert.deepEqual(parseStart([], BANK, 50), { count: 10 });
  assert.throws(() => parseStart(["99"], BANK, 50), /between 1 and 50/);
  assert.throws(
    () => parseStart(["cooking"], BANK, 50),
    /No category "cooking"\. Categories: General Knowledge/,
  );
});

/** The bank entry of an asked question, and the number its answer was listed under. */
function asked(text: string) {
  const question = BANK.find((q) => text.includes(`] ${q.text}  `));
  assert.ok(question, `not a bank question: ${text}`);
  const listed = [...text.matchAll(/(\d)\) (.+?)(?= {2}\d\) | {2}\()/g)].map((m) => m[2]);
  return { question, number: listed.indexOf(question.answer) + 1 };
}

Deno.test("trivia in the sandbox", async (t) => {
  await using bed = await PluginTestBed.start("plugins/trivia.ts", {
    settings: { config: { questionSeconds: 6, breakSeconds: 0.2 } },
  });
  const say = async (text: string, user = "alice", rank: number = RANKS.user) =>
    bed.text(await bed.command(text, { user, rank }));
  const question = (n: number, of: number) =>
    bed.nextSay((s) => s.text.startsWith(`❓ Q${n}/${of} `));

  await t.step(
    "a game is played to the end: one guess each, streak bonus, final scores",
    async () => {
      assert.equal(
        await say("!a Paris"),
        "No trivia game is running here. Start one: !trivia start",
      );
      assert.match(
        await say("!trivia start 2 science"),
        /^🎲 Trivia: 2 questions from Science, 6s each/,
      );
      assert.match(await say("!trivia start"), /already running/);
      const q1 = asked((await question(1, 2)).text);
      const wrong = q1.question.wrong[0]!;
      assert.equal(await say(`!a ${wrong}`, "bob"), "bob: no, sorry.");
      assert.equal(await say(`!a ${q1.question.answer}`, "bob"), "bob: one guess per question.");
      assert.match(
        await say(`!a ${q1.question.answer}`),
        new RegExp(`^✅ alice got it: .*! \\+\\d+ = \\d+ this game\\.$`),
      );
      const q2 = asked((await question(2, 2)).text);
      // The last right answer ends the game: the answer first, then the final scores, in one
      // reply so they reach the chat in that order.
      const [gotIt, over, ...more] = (await say(`!a ${q2.number}`)).split("\n");
      assert.match(
        gotIt ?? "",
        /^✅ alice got it: .* \+100 streak bonus \(2 in a row\) = \d+ this game\.$/,
      );
      assert.match(over ?? "", /^🏁 Trivia over! 1\) alice \d+$/);
      assert.deepEqual(more, []);
      assert.match(
        await say("!trivia stats"),
        /^alice: \d+ points \(#1\), 2 correct, 1 games, 1 wins, best streak 2\.$/,
      );
      assert.equal(await say("!trivia stats @bob"), "bob has not scored in trivia here yet.");
    },
  );

  await t.step("an unanswered question gives two hints, then the answer", async () => {
    bed.said.length = 0;
    await say("!trivia start 1 geography", "carol");
    const q = asked((await question(1, 1)).text);
    const hints = await bed.nextSay((s) => s.text.startsWith("💡 Hint: it is not"));
    assert.match(bed.said.find((s) => s.text.startsWith("💡"))!.text, /^💡 Hint: \S/);
    assert.match(hints.text, /^💡 Hint: it is not \d\) or \d\)$/);
    await bed.nextSay((s) => s.text === `⏰ Time's up! The answer was: ${q.question.answer}`);
    assert.equal(
      (await bed.nextSay((s) => s.text.startsWith("🏁"))).text,
      "🏁 Trivia over! Nobody scored.",
    );
  });

  await t.step("skip and stop are for the starter or a moderator", async () => {
    bed.said.length = 0;
    await say("!trivia start 5", "dave");
    await question(1, 5);
    assert.match(await say("!trivia skip", "erin"), /Only whoever started the game or a moderator/);
    assert.match(await say("!trivia skip", "dave"), /^⏭ Skipped\. The answer was: /);
    await question(2, 5);
    await say("!trivia stop", "mod", RANKS.moderator);
    assert.match(
      (await bed.nextSay((s) => s.text.startsWith("🛑"))).text,
      /^🛑 Trivia stopped by mod\. Nobody scored\.$/,
    );
    assert.equal(await say("!trivia stop", "dave"), "No game is running here.");
  });

  await t.step("the leaderboard survives a restart", async () => {
    await bed.restart();
    assert.match(await say("!trivia lb"), /^🏆 Leaderboard: 1\) alice \d+$/);
    assert.match(await say("!trivia lb global"), /^🏆 Global: 1\) alice \d+$/);
    assert.match(
      await say("!trivia cat"),
      /^Categories: General Knowledge \(\d+\), Science \(\d+\), Geography/,
    );
    const stored = (await bed.storage()).leaderboard as Record<
      string,
      Record<string, { correct: number }>
    >;
    assert.equal(stored["shell/test"]?.alice?.correct, 2);
  });
});
