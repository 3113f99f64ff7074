import assert from "node:assert/strict";
import { RANKS } from "@quicksilver/sdk";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { addQuote, emptyBook, searchQuotes, topQuotes, vote } from "../../plugins/quotes.ts";

Deno.test("quotes: numbers are never reused, search needs every word, votes count once per user", () => {
  const book = emptyBook();
  addQuote(book, "the cake is a lie", "alice", 1);
  addQuote(book, "a lie told often", "bob", 2);
  book.quotes = book.quotes.filter((q) => q.n !== 2);
  assert.equal(addQuote(book, "  third   one ", "carol", 3).n, 3);
  assert.equal(book.quotes.at(-1)!.text, "third one");
  assert.throws(() => addQuote(book, "THE CAKE IS A LIE", "dave", 4), /already have that one: #1/);
  assert.deepEqual(searchQuotes(book, "CAKE lie").map((q) => q.n), [1]);
  const first = book.quotes[0]!;
  assert.equal(vote(first, "Bob", -1), true);
  assert.equal(vote(first, "bob", -1), false);
  assert.equal(vote(first, "bob", 1), true);
  assert.deepEqual(topQuotes(book).map((q) => q.n), [1, 3]);
});

Deno.test("quotes in the sandbox", async (t) => {
  await using bed = await PluginTestBed.start("plugins/quotes.ts");
  const say = async (text: string, user = "alice", rank: number = RANKS.user) =>
    bed.text(await bed.command(text, { user, rank }));

  await t.step("adds quotes and shows them by number or at random", async () => {
    assert.equal(await say("!quote"), "No quotes yet. Add one: !quote add <text>");
    assert.equal(await say("!quote add I'm not a robot, said the robot"), "Added quote #1.");
    assert.equal(
      await say('!quote add "Never trust a quote" -- the internet', "bob"),
      "Added quote #2.",
    );
    assert.equal(
      await say("!quote 2"),
      '#2: "Never trust a quote" -- the internet (+0, added by bob)',
    );
    assert.match(await say("!quote"), /^#[12]: /);
    assert.match(await say("!quote 9"), /invalid_args: There is no quote #9/);
  });

  await t.step("finds quotes by words", async () => {
    assert.match(await say("!quote search ROBOT said"), /^#1: I'm not a robot/);
    assert.equal(await say("!quote search banana"), 'No quote mentions "banana".');
  });

  await t.step("votes once per user and ranks the top quotes", async () => {
    assert.equal(await say("!quote up 2", "carol"), "#2 is now at +1.");
    assert.equal(await say("!quote up 2", "carol"), "You already voted up #2.");
    assert.equal(await say("!quote up 2", "dave"), "#2 is now at +2.");
    assert.equal(await say("!quote down 1", "dave"), "#1 is now at -1.");
    const top = (await say("!quote top")).split("\n");
    assert.match(top[0]!, /^#2: .*\(\+2,/);
    assert.match(top[1]!, /^#1: .*\(-1,/);
  });

  await t.step("only moderators delete, and bad input changes nothing", async () => {
    assert.equal(
      await say("!quote del 1", "alice", RANKS.user),
      "Only moderators can delete quotes.",
    );
    assert.match(await say("!quote del x", "mod", RANKS.moderator), /give a quote number/);
    assert.equal(await say("!quote del 1", "mod", RANKS.moderator), "Deleted quote #1.");
    assert.equal(await say("!quote add the next one"), "Added quote #3.");
  });

  await t.step("quotes are kept per channel and survive a restart", async () => {
    await bed.restart();
    assert.match(await say("!quote 2"), /^#2: "Never trust a quote".*\(\+2, added by bob\)$/);
    assert.match(await say("!quote 3"), /^#3: the next one/);
    assert.match(await say("!quote 1"), /There is no quote #1/);
    const stored = (await bed.storage()).books as Record<string, { quotes: unknown[] }>;
    assert.deepEqual(Object.keys(stored), ["shell/test"]);
    assert.equal(stored["shell/test"]!.quotes.length, 2);
  });
});
