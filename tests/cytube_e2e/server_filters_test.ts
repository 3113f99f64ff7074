/**
 * What a real CyTube server does to chat before the bot sees it (its default chat filters,
 * the shadow mute), through the fake server, the connector and nats-server.
 */
import assert from "node:assert/strict";
import { type Envelope, type MessagePayload, subjects } from "@quicksilver/core";
import { Inbox } from "@quicksilver/testing";
import { E2e } from "./_env.ts";

Deno.test("a shadow-muted user's chat never reaches plugins, and others' chat still does", async () => {
  await using env = await E2e.start();
  const { fake, nats } = env;
  const observer = await nats.connect("observer");
  const messages = new Inbox<Envelope<MessagePayload>>();
  observer.subscribe(subjects.event("message"), messages.push);
  await observer.flush();
  fake.addUser("spammer", 0);
  fake.addUser("alice", 0);
  fake.shadowMute("spammer");
  fake.say("spammer", "!8ball am I heard?");
  fake.say("spammer", "!quote add buy cheap pills");
  fake.say("alice", "after the spam");
  const first = await messages.next();
  assert.equal(first.payload.user.name, "alice");
  assert.equal(first.payload.text, "after the spam");
  assert.equal(env.connector.client.counters.shadow, 2);
});
