/**
 * A command word has one owner: a plugin installed later cannot take another's command (or
 * lower its rank) by declaring the same word, whatever its name sorts like.
 */
import assert from "node:assert/strict";
import {
  ConfigError,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { parseConfig } from "../../app/mod.ts";
import { RouterOptionsError } from "../../services/router/mod.ts";
import { Inbox } from "@quicksilver/testing";
import { RouterFixture, table } from "./_fixture.ts";

const DICE = {
  name: "dice",
  commands: [{ name: "roll", aliases: ["r"], usage: "!roll", help: "Rolls dice." }],
};
const INSPECTOR = {
  name: "inspector",
  commands: [{ name: "inspect", minRank: 3, usage: "!inspect", help: "Admin only." }],
};
/** Sorted before both by name; claims their words, the alias too, and `inspect` at rank 0. */
const AAA = {
  name: "aaa",
  commands: [
    { name: "roll", usage: "!roll", help: "Mine now." },
    { name: "inspect", minRank: 0, usage: "!inspect", help: "Open to all." },
    { name: "r", usage: "!r", help: "The alias too." },
    { name: "aaa", usage: "!aaa", help: "Its own." },
  ],
};

async function watchViolations(fx: RouterFixture): Promise<Inbox<SecurityViolation>> {
  const violations = new Inbox<SecurityViolation>();
  fx.world.subscribe(subjects.securityViolation(), violations.push, {
    schema: SecurityViolationSchema,
  });
  await fx.world.flush();
  return violations;
}

async function servePlugins(fx: RouterFixture) {
  const dice = await fx.plugin("dice", () => ({ ok: true, reply: ["dice rolled"] }));
  const inspector = await fx.plugin("inspector", () => ({ ok: true, reply: ["inspected"] }));
  const aaa = await fx.plugin("aaa", (r) => ({ ok: true, reply: [`aaa took ${r.command}`] }));
  return { dice, inspector, aaa };
}

Deno.test("a newcomer sorted first cannot take installed plugins' commands or lower a rank", async () => {
  await using fx = await RouterFixture.start({ table: table(1, [DICE, INSPECTOR]) });
  const violations = await watchViolations(fx);
  const { aaa } = await servePlugins(fx);
  await fx.publishTable(table(2, [AAA, DICE, INSPECTOR]));
  fx.say("!roll 1d6", "alice", 0);
  fx.say("!r 1d6", "bob", 0);
  fx.say("!inspect plugins", "carol", 0);
  fx.say("!aaa", "dave", 0);
  const texts = await fx.texts(4);
  assert.deepEqual(texts.toSorted(), [
    "aaa took aaa",
    "carol: !inspect needs rank admin.",
    "dice rolled",
    "dice rolled",
  ]);
  assert.deepEqual(aaa.items.map((r) => r.command), ["aaa"], "aaa keeps only its own command");
  await violations.next(() => violations.length === 3);
  assert.deepEqual(
    violations.items.map((v) => [v.plugin, v.kind, v.action, v.detail.split(",")[0]]).sort(),
    [
      ["aaa", "command-claim", "refused", "declares !inspect"],
      ["aaa", "command-claim", "refused", "declares !r"],
      ["aaa", "command-claim", "refused", "declares !roll"],
    ],
  );
  assert.match(violations.items[0]!.detail, /router\.commandOwners/);

  // The table is published again and again: each claim is reported once.
  await fx.publishTable(table(3, [AAA, DICE, INSPECTOR]));
  fx.say("!roll", "erin", 0);
  await fx.texts(5);
  await fx.world.flush();
  assert.equal(violations.length, 3);
});

Deno.test("first owners are remembered in the state dir across restarts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-owners-" });
  const file = `${dir}/command-owners.json`;
  try {
    {
      await using _first = await RouterFixture.start({
        table: table(1, [DICE, INSPECTOR]),
        commandOwners: { file },
      });
    }
    assert.deepEqual(JSON.parse(await Deno.readTextFile(file)).owners, {
      inspect: "inspector",
      r: "dice",
      roll: "dice",
    });
    // After a restart all three arrive in one table: dice and inspector were there first.
    await using fx = await RouterFixture.start({
      requestTableAtStart: false,
      commandOwners: { file },
    });
    const violations = await watchViolations(fx);
    await servePlugins(fx);
    await fx.publishTable(table(2, [AAA, DICE, INSPECTOR]));
    fx.say("!roll", "alice", 0);
    fx.say("!inspect", "bob", 0);
    assert.deepEqual((await fx.texts(2)).toSorted(), [
      "bob: !inspect needs rank admin.",
      "dice rolled",
    ]);
    await violations.next(() => violations.length === 3);
    assert.ok(violations.items.every((v) => v.plugin === "aaa"));

    // A stopped owner keeps its word: nobody else is sent !roll meanwhile.
    await fx.publishTable(table(3, [AAA, { ...DICE, state: "restarting" as const }, INSPECTOR]));
    fx.say("!roll", "carol", 0);
    assert.deepEqual((await fx.texts(3))[2], "dice is not answering right now, sorry.");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("newcomers claiming one word together get it only when the operator names the owner", async () => {
  {
    await using fx = await RouterFixture.start({ table: table(1, [AAA, DICE]) });
    await servePlugins(fx);
    fx.say("!roll", "alice", 0);
    fx.say("!aaa", "alice", 0);
    assert.deepEqual(await fx.texts(1), ["aaa took aaa"]);
    assert.equal(fx.router.table.resolve("roll"), undefined, "nobody was first: nobody has it");
  }
  await using fx = await RouterFixture.start({
    requestTableAtStart: false,
    commandOwners: { configured: { roll: "dice", r: "dice" } },
  });
  const violations = await watchViolations(fx);
  await servePlugins(fx);
  await fx.publishTable(table(2, [AAA, DICE]));
  fx.say("!roll", "alice", 0);
  assert.deepEqual(await fx.texts(1), ["dice rolled"]);
  await violations.next(() => violations.length === 2);
  assert.match(violations.items[0]!.detail, /belongs to dice \(router\.commandOwners\)/);
});

Deno.test("the operator's choice beats the remembered owner", async () => {
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-owners-" });
  const file = `${dir}/command-owners.json`;
  try {
    await Deno.writeTextFile(file, JSON.stringify({ owners: { roll: "dice" } }));
    await using fx = await RouterFixture.start({
      table: table(1, [AAA, DICE]),
      commandOwners: { file, configured: { roll: "aaa" } },
    });
    await servePlugins(fx);
    fx.say("!roll", "alice", 0);
    assert.deepEqual(await fx.texts(1), ["aaa took roll"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a broken owners file or setting is refused with the file or key and a fix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-owners-" });
  const file = `${dir}/command-owners.json`;
  try {
    await Deno.writeTextFile(file, "{not json");
    await assert.rejects(
      () => RouterFixture.start({ commandOwners: { file } }),
      (error: Error) =>
        error instanceof RouterOptionsError && error.message.includes(file) &&
        error.message.includes("delete it"),
    );
    await assert.rejects(
      () => RouterFixture.start({ commandOwners: { configured: { "!roll": "dice" } } }),
      /router\.commandOwners: "!roll" is not a command word/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(
    () => parseConfig("router:\n  commandOwners:\n    roll: Dice.ts\n", { file: "rosey.yaml" }),
    (error: Error) =>
      error instanceof ConfigError && /router\.commandOwners\.roll/.test(error.message) &&
      /not a plugin name/.test(error.message),
  );
  assert.throws(
    () => parseConfig('router:\n  commandOwners:\n    "!roll": dice\n', { file: "rosey.yaml" }),
    /router\.commandOwners\.!roll: "!roll" is not a command word; write it lower-case without/,
  );
  const config = parseConfig("router:\n  commandOwners:\n    roll: dice\n", { file: "rosey.yaml" });
  assert.deepEqual(config.router.commandOwners, { roll: "dice" });
});

Deno.test("an owners file that cannot be written leaves owners in memory and routing on", async () => {
  await using fx = await RouterFixture.start({
    table: table(1, [DICE]),
    commandOwners: { file: "/nonexistent-quicksilver-dir/command-owners.json" },
  });
  await servePlugins(fx);
  await fx.publishTable(table(2, [AAA, DICE]));
  fx.say("!roll", "alice", 0);
  assert.deepEqual(await fx.texts(1), ["dice rolled"]);
  assert.match(fx.router.table.owners.writeError ?? "", /cannot remember command owners/);
});
