/**
 * A hostile or broken CyTube server: thousands of malformed frames. The connector counts each,
 * publishes nothing from them, and keeps the conversation going.
 */
import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import { Inbox, waitFor } from "@quicksilver/testing";
import { E2e } from "./_env.ts";

const JUNK: [string, unknown[]][] = [
  ["chatMsg", [{ username: 5, msg: null, time: "now" }]],
  ["chatMsg", ["just a string"]],
  ["addUser", [{ name: ["x"], rank: "admin" }]],
  ["userLeave", [42]],
  ["changeMedia", [{ id: 1, title: { evil: true }, seconds: -3 }]],
  ["queue", [{ item: "nope", after: {} }]],
  ["pm", [{ username: "mallory" }]],
  ["usercount", ["many"]],
  ["setUserRank", [{ name: null, rank: null }]],
  ["playlist", [{ not: "an array" }]],
];

Deno.test("thousands of malformed CyTube frames are counted and dropped; the bot keeps answering", async () => {
  await using env = await E2e.start({ withPlugin: true });
  const { fake, nats } = env;
  const observer = await nats.connect("observer");
  const events = new Inbox<unknown>();
  observer.subscribe(subjects.allEvents(), events.push);
  await observer.flush();
  fake.addUser("alice", 1);
  await waitFor(() => events.length > 0, { what: "alice's join event" });
  const eventsBefore = events.length;
  const malformedBefore = env.connector.metrics.malformedFrames.get();

  const count = 2000;
  for (let i = 0; i < count; i++) {
    const [event, args] = JUNK[i % JUNK.length]!;
    fake.emitRaw(event, ...args);
  }
  await waitFor(() => env.connector.metrics.malformedFrames.get() - malformedBefore >= count, {
    timeoutMs: 20_000,
    what: "every malformed frame counted",
  });
  assert.equal(env.connector.metrics.malformedFrames.get() - malformedBefore, count);

  // Nothing malformed became an event, and the conversation goes on.
  fake.say("alice", "!roll 1d1");
  await fake.waitFor(
    () => fake.accepted("chat", "rosey").some((line) => /= 1$/.test(line)),
    10_000,
    "the roll answered after the flood",
  );
  const newEvents = events.items.slice(eventsBefore);
  assert.ok(
    newEvents.every((e) => (e as { payload?: { text?: string } }).payload?.text === "!roll 1d1"),
    "only the real chat line became an event",
  );
});
