import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import { deferred, waitFor } from "@quicksilver/testing";
import { CHANNEL, RouterFixture, table } from "./_fixture.ts";

const DICE = table(1, [{
  name: "dice",
  commands: [{ name: "roll", aliases: ["r"], usage: "!roll <dice>", help: "Rolls dice." }],
}]);

Deno.test("a command reaches its plugin and the answer comes back to the channel", async () => {
  await using fx = await RouterFixture.start({ table: DICE });
  const received = await fx.plugin(
    "dice",
    (req) => ({ ok: true, reply: [`rolled ${req.args.join("|")}`] }),
  );
  const messageId = fx.say(`!roll 2d6 "for luck"`, "alice", 1);
  assert.deepEqual(await fx.texts(1), ["rolled 2d6|for luck"]);
  const request = received.items[0]!;
  assert.equal(request.command, "roll");
  assert.equal(request.rawArgs, `2d6 "for luck"`);
  assert.deepEqual(request.user, { name: "alice", rank: 1 });
  assert.deepEqual(request.source, { platform: "test", channel: CHANNEL });
  assert.equal(request.messageId, messageId);
  assert.equal(fx.actions.items[0]!.channel, CHANNEL);
  assert.equal(fx.actions.items[0]!.origin, "dice");

  fx.say("!R 1d4");
  await fx.texts(2);
  assert.equal(received.items[1]!.command, "roll", "an alias is resolved to the command name");
  assert.equal(fx.router.metrics.commands.roll?.ok, 2);
  assert.equal(
    fx.router.metricsRegistry.counter("router_commands_total", "").get({
      command: "roll",
      outcome: "ok",
    }),
    2,
  );
});

Deno.test("a command sent by private message is answered by private message", async () => {
  await using fx = await RouterFixture.start({ table: DICE });
  const received = await fx.plugin("dice", () => ({ ok: true, reply: ["4"] }));
  fx.say("!roll 1d6", "bob", 0, { private: true });
  await fx.texts(1);
  assert.deepEqual(fx.actions.items[0], {
    kind: "pm",
    channel: CHANNEL,
    text: "4",
    origin: "dice",
    to: "bob",
    replyTo: "bob",
  });
  assert.equal(received.items[0]!.private, true);
});

Deno.test("unknown commands, the bot's own lines and ignored users get no answer", async () => {
  await using fx = await RouterFixture.start({
    table: DICE,
    botName: "Rosey",
    ignoreUsers: ["OtherBot"],
  });
  await fx.plugin("dice", () => ({ ok: true, reply: ["ok"] }));
  fx.say("!frobnicate now");
  fx.say("!roll 1d6", "rosey");
  fx.say("!roll 1d6", "otherbot");
  fx.say("/me !roll 1d6");
  fx.say("!roll 1d6", "carol");
  // The last message is answered; the ones before it, handled first, produced nothing.
  assert.deepEqual(await fx.texts(1), ["ok"]);
  await fx.world.flush();
  assert.equal(fx.actions.length, 1);
  assert.equal(fx.router.metrics.unknownCommands, 1);
  assert.equal(fx.router.metrics.ignoredMessages, 2);
});

Deno.test("a slow plugin gets a short apology, not silence", async () => {
  await using fx = await RouterFixture.start({ table: DICE, timeoutMs: 300 });
  const release = deferred<void>();
  await fx.plugin("dice", async () => {
    await release.promise;
    return { ok: true, reply: ["too late"] };
  });
  fx.say("!roll 1d6");
  assert.deepEqual(await fx.texts(1), ["dice is not answering right now, sorry."]);
  assert.equal(fx.router.metrics.commands.roll?.unavailable, 1);
  release.resolve();
});

Deno.test("a plugin nobody serves, or one that is not running, gets an apology", async () => {
  await using fx = await RouterFixture.start({
    table: table(1, [
      { name: "dice", commands: [{ name: "roll" }] },
      { name: "trivia", state: "restarting", commands: [{ name: "trivia" }] },
    ]),
  });
  fx.say("!roll 1d6", "alice");
  fx.say("!trivia start", "bob");
  const texts = await fx.texts(2);
  assert.deepEqual(texts.sort(), [
    "dice is not answering right now, sorry.",
    "trivia is not answering right now, sorry.",
  ]);
});

Deno.test("a plugin's error is shown as its short message, and a bad answer as an apology", async () => {
  await using fx = await RouterFixture.start({
    table: table(1, [
      { name: "dice", commands: [{ name: "roll" }] },
      { name: "broken", commands: [{ name: "break" }] },
    ]),
  });
  await fx.plugin("dice", () => ({
    ok: false,
    error: { code: "invalid_args", message: "usage: !roll <count>d<sides>\n  at roll (dice.ts:3)" },
  }));
  const bus = await fx.nats.connect("plugin-broken");
  bus.serve(subjects.commandExecute("broken"), () => ({ nonsense: true }));
  await bus.flush();
  fx.say("!roll lots");
  assert.deepEqual(await fx.texts(1), ["usage: !roll <count>d<sides>"]);
  fx.say("!break", "bob");
  assert.deepEqual(await fx.texts(2), [
    "usage: !roll <count>d<sides>",
    "broken gave an answer I could not read, sorry.",
  ]);
});

Deno.test("a command above the caller's rank is refused once, then silently", async () => {
  await using fx = await RouterFixture.start({
    table: table(1, [{ name: "mod", commands: [{ name: "kick", minRank: 2 }] }]),
  });
  const received = await fx.plugin("mod", () => ({ ok: true, reply: ["kicked"] }));
  fx.say("!kick troll", "guest1", 0);
  fx.say("!kick troll", "guest1", 0);
  fx.say("!kick troll", "boss", 2);
  const texts = await fx.texts(2);
  assert.deepEqual(texts, ["guest1: !kick needs rank moderator.", "kicked"]);
  assert.equal(received.length, 1);
  assert.equal(fx.router.metrics.commands.kick?.denied, 2);
});

Deno.test("per-user rate limits and cooldowns answer with one notice per window", async () => {
  await using fx = await RouterFixture.start({
    table: table(1, [
      { name: "dice", commands: [{ name: "roll" }] },
      { name: "quotes", commands: [{ name: "quote", cooldownMs: 60_000 }] },
    ]),
    limits: { perUser: { burst: 3, perSecond: 0.001 } },
  });
  await fx.plugin("dice", () => ({ ok: true, reply: ["rolled"] }));
  await fx.plugin("quotes", () => ({ ok: true, reply: ["a quote"] }));
  fx.say("!quote", "alice");
  await fx.texts(1);
  fx.say("!quote", "alice"); // cooling down: notice
  await fx.texts(2);
  fx.say("!roll", "alice"); // third token: allowed
  await fx.texts(3);
  for (let i = 0; i < 5; i++) fx.say("!roll", "alice"); // out of tokens, notice already sent
  fx.say("!roll", "bob"); // another user is not affected
  const texts = await fx.texts(4);
  assert.deepEqual(texts, [
    "a quote",
    "alice: !quote is cooling down, try again in 60 s.",
    "rolled",
    "rolled",
  ]);
  await fx.world.flush();
  assert.equal(fx.actions.length, 4, "no notice flood");
});

Deno.test("a per-plugin rate limit protects a plugin from everyone at once", async () => {
  await using fx = await RouterFixture.start({
    table: DICE,
    limits: { perPlugin: { burst: 2, perSecond: 0.001 } },
  });
  await fx.plugin("dice", () => ({ ok: true, reply: ["rolled"] }));
  fx.say("!roll", "a");
  fx.say("!roll", "b");
  await fx.texts(2);
  fx.say("!roll", "c");
  assert.deepEqual((await fx.texts(3)).at(-1), "dice is busy, try again in 1000 s.");
});

Deno.test("!help lists running commands the caller may use, and explains one", async () => {
  await using fx = await RouterFixture.start({
    table: table(1, [
      {
        name: "dice",
        commands: [{
          name: "roll",
          aliases: ["r"],
          usage: "!roll <dice>",
          help: "Rolls dice, e.g. 2d6.",
          cooldownMs: 5000,
        }],
      },
      { name: "mod", commands: [{ name: "kick", minRank: 2, usage: "!kick <user>" }] },
      { name: "trivia", state: "stopped", commands: [{ name: "trivia" }] },
    ]),
  });
  fx.say("!help", "guest", 0);
  assert.deepEqual(await fx.texts(1), [
    "Commands: !help, !roll (!help <command> for details)",
  ]);
  fx.say("!help", "boss", 2);
  fx.say("!help r", "carol", 0);
  fx.say("!help !kick", "dave", 0);
  fx.say("!help trivia", "erin", 0);
  const texts = await fx.texts(5);
  assert.ok(texts.includes("Commands: !help, !kick, !roll (!help <command> for details)"));
  assert.ok(texts.includes(
    "!roll <dice>: Rolls dice, e.g. 2d6. (also !r; once every 5 s; from dice)",
  ));
  assert.ok(texts.includes("!kick <user> (needs rank moderator; from mod)"));
  assert.ok(texts.includes("No command !trivia. Try !help for the list."));
});

Deno.test("the router follows the manager's table and ignores stale revisions", async () => {
  await using fx = await RouterFixture.start({});
  assert.equal(fx.router.table.revision, -1, "no manager: an empty table, not an error");
  await fx.publishTable(table(5, [{ name: "dice", commands: [{ name: "roll" }] }]));
  fx.world.publish(
    subjects.pluginManifests(),
    table(4, [{ name: "old", commands: [{ name: "old" }] }]),
  );
  await fx.publishTable(table(6, [
    { name: "dice", commands: [{ name: "roll" }] },
    { name: "quotes", commands: [{ name: "quote" }] },
  ]));
  assert.equal(fx.router.table.resolve("old"), undefined);
  assert.equal(fx.router.table.resolve("quote")?.plugin, "quotes");
});

Deno.test("a router started late gets the table by asking the manager", async () => {
  await using fx = await RouterFixture.start({ table: DICE });
  assert.equal(fx.router.table.revision, 1);
  assert.equal(fx.router.table.resolve("r")?.plugin, "dice");
});

Deno.test("plugin output is forwarded under the plugin's own name and rate limit", async () => {
  await using fx = await RouterFixture.start({
    table: DICE,
    limits: { say: { burst: 2, perSecond: 0.001 } },
  });
  const source = { platform: "test", channel: CHANNEL };
  fx.world.publish(subjects.pluginSay("dice"), { source, text: "a timer fired", origin: "admin" });
  fx.world.publish(subjects.pluginSay("dice"), { source, text: "psst", to: "alice" });
  for (let i = 0; i < 5; i++) {
    fx.world.publish(subjects.pluginSay("dice"), { source, text: `spam ${i}` });
  }
  fx.world.publish(subjects.pluginSay("trivia"), { source, text: "next question" });
  fx.world.publish(subjects.pluginSay("dice"), { text: "no source" });
  await waitFor(() => fx.router.metrics.says.dropped === 5, { what: "5 dropped says" });
  await fx.texts(3);
  assert.deepEqual(fx.actions.items, [
    { kind: "chat", channel: CHANNEL, text: "a timer fired", origin: "dice" },
    { kind: "pm", channel: CHANNEL, text: "psst", origin: "dice", to: "alice" },
    { kind: "chat", channel: CHANNEL, text: "next question", origin: "trivia" },
  ]);
});

Deno.test("the manager's admin list reply fills an empty table but never a newer one", async () => {
  await using fx = await RouterFixture.start({});
  const listed = DICE.plugins;
  fx.world.serve(subjects.adminPlugins("list"), () => ({ ok: true, plugins: listed }));
  await fx.world.flush();
  assert.equal(await fx.router.refreshTable(), true);
  assert.equal(fx.router.table.resolve("roll")?.plugin, "dice");
  await fx.publishTable(table(3, []));
  assert.equal(await fx.router.refreshTable(), false, "no revision: the published table stays");
  assert.equal(fx.router.table.resolve("roll"), undefined);
});

Deno.test("a message delivered twice (a retried durable publish) runs its command once", async () => {
  await using fx = await RouterFixture.start({ table: DICE });
  const received = await fx.plugin("dice", (req) => ({ ok: true, reply: [req.messageId] }));
  fx.say("!roll 1d6", "alice", 1, { id: "same-id" });
  fx.say("!roll 1d6", "alice", 1, { id: "same-id" });
  fx.say("!roll 1d4", "alice", 1, { id: "other-id" });
  assert.deepEqual((await fx.texts(2)).sort(), ["other-id", "same-id"]);
  // The router sends requests in arrival order on one connection: a copy of "same-id" would
  // have reached the plugin before "other-id" did.
  assert.equal(received.length, 2, "the duplicate never reached the plugin");
});
