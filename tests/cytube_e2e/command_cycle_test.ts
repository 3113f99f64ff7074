/**
 * Chat in, plugin, chat out, through every real piece: a fake CyTube channel, the connector,
 * nats-server, the router and the dice plugin in its sandbox.
 */
import assert from "node:assert/strict";
import {
  type Envelope,
  type MediaChangePayload,
  type MessagePayload,
  subjects,
} from "@quicksilver/core";
import { Inbox, waitFor, within } from "@quicksilver/testing";
import { BOT, E2e } from "./_env.ts";

const ROLL_ANSWER = /= 1$/;

Deno.test("a CyTube channel, the router and the sandboxed dice plugin hold a conversation", async (t) => {
  await using env = await E2e.start({
    withPlugin: true,
    // Replayed on join, older than the bot: must never run.
    fake: { backlog: [{ username: "oldtimer", msg: "!roll 1d1", ageMs: 30_000 }] },
  });
  const { fake, nats } = env;
  const observer = await nats.connect("observer");
  const messages = new Inbox<Envelope<MessagePayload>>();
  const media = new Inbox<Envelope<MediaChangePayload>>();
  observer.subscribe(subjects.event("message"), messages.push);
  observer.subscribe(subjects.event("media.change"), media.push);
  await observer.flush();
  fake.addUser("alice", 1);

  await t.step(
    "a chat line becomes a rosey.events.message envelope with decoded text",
    async () => {
      fake.say("alice", 'hi & <b>bold</b> "quoted"');
      const event = await messages.next((e) => e.payload.user.name === "alice");
      assert.equal(event.type, "message");
      assert.deepEqual(event.source, { platform: "cytube", channel: fake.channel });
      assert.equal(event.payload.text, 'hi & <b>bold</b> "quoted"');
      assert.equal(event.payload.user.rank, 1);
      fake.say("alice", "/me waves");
      const action = await messages.next((e) => e.payload.text === "waves");
      assert.equal(action.payload.action, true);
    },
  );

  await t.step("a media change becomes rosey.events.media.change", async () => {
    fake.changeMedia({ id: "dQw4w9WgXcQ", type: "yt", title: "Never Gonna", seconds: 213 });
    const event = await media.next((e) => e.payload.media.id === "dQw4w9WgXcQ");
    assert.equal(event.payload.media.title, "Never Gonna");
    assert.equal(event.payload.media.duration, 213);
    assert.equal(event.payload.media.url, "https://youtube.com/watch?v=dQw4w9WgXcQ");
  });

  await t.step("!help is answered in the channel", async () => {
    fake.say("alice", "!help");
    await fake.waitFor(
      () => env.botLines().some((line) => /^Commands: .*!roll/.test(line)),
      10_000,
      "the help line in the channel",
    );
  });

  await t.step("!roll 1d1 runs in the plugin and the answer is accepted by CyTube", async () => {
    fake.say("alice", "!roll 1d1");
    await fake.waitFor(
      () => env.botLines().some((line) => ROLL_ANSWER.test(line)),
      10_000,
      "the roll's answer in the channel",
    );
  });

  await t.step("the join backlog and the bot's own echoes never run commands", async () => {
    const rollsBefore = env.botLines().filter((line) => ROLL_ANSWER.test(line)).length;
    // The bot says a command itself; CyTube echoes it back to the bot.
    const ownBefore = env.connector.client.counters.ownChat;
    observer.publish(subjects.platformAction("cytube", "chat"), {
      channel: fake.channel,
      text: "!roll 1d1",
    });
    await waitFor(() => env.connector.client.counters.ownChat > ownBefore, { what: "own echo" });
    // A later command from a user is answered; nothing before it was.
    fake.say("alice", "!help roll");
    await fake.waitFor(
      () => env.botLines().some((line) => /^!roll/.test(line) && !line.startsWith("!roll 1d1")),
      10_000,
      "the help for !roll",
    );
    assert.equal(
      env.botLines().filter((line) => ROLL_ANSWER.test(line)).length,
      rollsBefore,
      "neither the backlog nor the echo was rolled",
    );
    assert.ok(env.connector.client.counters.backlog >= 1, "the backlog line was seen and skipped");
    assert.ok(!messages.items.some((e) => e.payload.user.name === "oldtimer"));
    assert.ok(!messages.items.some((e) => e.payload.user.name === BOT.name));
  });

  await t.step("after the server drops the socket, the bot rejoins and commands work", async () => {
    const rolls = () => env.botLines().filter((line) => ROLL_ANSWER.test(line)).length;
    const before = rolls();
    const client = env.connector.client;
    let dropped = false;
    const rejoined = new Promise<void>((resolve) => {
      const offDrop = client.on("disconnected", () => {
        offDrop();
        dropped = true;
      });
      const off = client.on("ready", () => {
        if (!dropped) return;
        off();
        resolve();
      });
    });
    fake.dropAllSockets();
    await within(rejoined, 10_000, "the bot to rejoin");
    assert.equal(env.connector.metrics.reconnects.get(), 1);
    fake.say("alice", "!roll 1d1");
    await fake.waitFor(() => rolls() === before + 1, 10_000, "a roll after the reconnect");
  });

  await t.step("100 replies queued at once all arrive; the flood limiter drops none", async () => {
    const texts = Array.from({ length: 100 }, (_, i) => `reply ${i + 1} of 100`);
    for (const text of texts) {
      observer.publish(subjects.platformAction("cytube", "chat"), { channel: fake.channel, text });
    }
    await fake.waitFor(
      () => env.botLines().filter((line) => line.endsWith(" of 100")).length === 100,
      20_000,
      "100 replies accepted",
    );
    assert.deepEqual(env.botLines().filter((line) => line.endsWith(" of 100")), texts);
    assert.deepEqual(fake.dropped, [], "the server dropped nothing");
  });
});
