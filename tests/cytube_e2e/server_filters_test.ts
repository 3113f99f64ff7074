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

Deno.test("text changed by CyTube's default chat filters reaches plugins as the user typed it", async () => {
  await using env = await E2e.start();
  const { fake, nats } = env;
  const observer = await nats.connect("observer");
  const messages = new Inbox<Envelope<MessagePayload>>();
  observer.subscribe(subjects.event("message"), messages.push);
  await observer.flush();
  fake.addUser("alice", 0);
  const typed = [
    "!quote add snake_case_name",
    "*bold* and _it_ and `code` and ~~gone~~ and [sp]secret[/sp]",
    "2*3*4 = 24, a_b_c, x ~~ y ~~ z",
    "see https://example.com/some_path_here?q=*x* for *more* & <b>tags</b> (sic) 'q' \"d\"",
    "&amp; typed literally, &lt;b&gt; too",
  ];
  for (const line of typed) fake.say("alice", line);
  // The last line arrives last: then every line can be compared.
  await messages.next((e) => e.payload.text === typed.at(-1));
  const seen = messages.items.filter((e) => e.payload.user.name === "alice");
  assert.deepEqual(seen.map((e) => e.payload.text), typed);
});
