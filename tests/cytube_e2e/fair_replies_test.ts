/**
 * One connection, one flood limit, many speakers: the connector's outbound queue takes lanes
 * (plugin and user) in turn, so a flooding plugin cannot hold another user's answer for minutes.
 */
import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import { BOT, E2e } from "./_env.ts";

Deno.test("another user's !roll answer is not queued behind a flooding plugin's lines", async () => {
  await using env = await E2e.start({
    withPlugin: true,
    // A rank-1 bot in a channel with antiflood on: 4 lines at once, then one a second, so a
    // 30-line flood takes ~30 s to drain.
    fake: {
      accounts: { [BOT.name]: { password: BOT.password, rank: 1 } },
      chatAntiflood: true,
    },
  });
  const { fake, nats } = env;
  fake.addUser("alice", 1);
  const flooder = await nats.connect("flooding-plugin-output");
  for (let i = 0; i < 30; i++) {
    // What the router publishes for a plugin's long answer to mallory.
    flooder.publish(subjects.platformAction("cytube", "chat"), {
      channel: fake.channel,
      text: `flood line ${i}`,
      origin: "flooder",
      replyTo: "mallory",
    });
  }
  await flooder.flush();
  await fake.waitFor(() => env.botLines().some((l) => l.includes("flood line 0")), 10_000);
  fake.say("alice", "!roll 1d1");
  // Behind the flood it would take ~30 s; its own lane is served within a line or two.
  await fake.waitFor(
    () => env.botLines().some((line) => / = 1$/.test(line)),
    8_000,
    "the roll's answer while the flood is still queued",
  );
  const lines = env.botLines();
  const answerAt = lines.findIndex((line) => / = 1$/.test(line));
  const floodBefore = lines.slice(0, answerAt).filter((l) => l.includes("flood line")).length;
  assert.ok(floodBefore < 10, `${floodBefore} flood lines went before the answer`);
  assert.equal(fake.dropped.length, 0, "nothing was dropped by the server's flood limiter");
});

Deno.test("chat and PMs from any publisher reach CyTube without control or bidi characters", async () => {
  await using env = await E2e.start();
  const { fake, nats } = env;
  fake.addUser("alice", 1);
  const publisher = await nats.connect("any-service");
  publisher.publish(subjects.platformAction("cytube", "chat"), {
    channel: fake.channel,
    text: "\u001b[2J\u001b]0;title\u0007said\u202E \u0000it",
  });
  publisher.publish(subjects.platformAction("cytube", "pm"), {
    channel: fake.channel,
    text: "x\r[alice] psst\u2066",
    to: "alice",
  });
  await fake.waitFor(() => fake.accepted("pm", BOT.name).length === 1, 10_000, "the PM");
  await fake.waitFor(() => env.botLines().length === 1, 10_000, "the chat line");
  assert.deepEqual(env.botLines(), ["[2J]0;titlesaid it"]);
  assert.deepEqual(fake.accepted("pm", BOT.name), ["x [alice] psst"]);
});
