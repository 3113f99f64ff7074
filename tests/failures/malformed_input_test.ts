/**
 * Thousands of malformed events: nothing dies, each is counted, and the bot keeps answering.
 */
import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import { waitFor } from "@quicksilver/testing";
import { FailureBot, plugin } from "./_bot.ts";

const JUNK: (() => Uint8Array | unknown)[] = [
  () => new TextEncoder().encode("not json {"),
  () => new Uint8Array([0xff, 0xfe, 0x00, 0x81]),
  () => ({}),
  () => null,
  () => [1, 2, 3],
  () => ({ id: 1, type: "message", source: { platform: "x" }, time: "yesterday", payload: {} }),
  () => ({
    id: "a",
    type: "message",
    source: { platform: "test", channel: "c" },
    time: 1,
    payload: { user: { name: "", rank: "admin" }, text: 42 },
  }),
  () => ({
    id: "b",
    type: "message",
    source: { platform: "bad platform!", channel: "c" },
    time: 1,
    payload: { user: { name: "x", rank: 1 }, text: "!roll 1d6" },
  }),
  () => ({
    id: "c".repeat(10_000),
    type: "message",
    source: { platform: "test", channel: "c" },
    time: 1,
    payload: { user: { name: "x", rank: 1 }, text: "x".repeat(20_000) },
  }),
];

Deno.test("thousands of malformed events are rejected and counted; the bot keeps answering", async () => {
  await using bot = await FailureBot.start([plugin("dice")]);
  await bot.askUntilAnswered("!roll 1d1");
  const junkBus = await bot.nats.connect("junk-sender");
  const before = bot.routerBus.counters.invalid;
  const count = 3000;
  for (let i = 0; i < count; i++) {
    const junk = JUNK[i % JUNK.length]!();
    if (junk instanceof Uint8Array) junkBus.publishRaw(subjects.event("message"), junk);
    else junkBus.publish(subjects.event("message"), junk);
    if (i % 500 === 0) await junkBus.flush();
  }
  // Malformed plugin output and results are rejected too.
  for (let i = 0; i < 200; i++) junkBus.publish(subjects.pluginSay("dice"), { text: 5 });
  await junkBus.flush();
  await waitFor(() => bot.routerBus.counters.invalid - before >= count + 200, {
    what: "every malformed message counted",
  });
  assert.equal(bot.routerBus.counters.invalid - before, count + 200);
  // A plugin given malformed requests directly answers each with an error and lives on.
  const direct = await junkBus.request(subjects.commandExecute("dice"), { command: 5 });
  assert.deepEqual((direct as { ok: boolean }).ok, false);
  assert.match((await bot.askUntilAnswered("!roll 1d1")).text, /= 1$/);
  assert.equal(bot.manager.list().find((p) => p.name === "dice")?.restarts, 0);
});
