/**
 * The moderator shell reports what CyTube made of each action, not that it was sent: the
 * fake server refuses as the real one does (src/channel/chat.js handlePm, src/channel/
 * playlist.js handleQueue, src/channel/kickban.js handleCmdKick).
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { ServicesEnv } from "./_env.ts";

Deno.test("the moderator shell reports CyTube's refusals instead of success", async (t) => {
  await using env = await ServicesEnv.start({
    fake: {
      users: [{ name: "mod", rank: 2 }, { name: "alice", rank: 1 }],
      playlist: [{ id: "aaaaaaaaaaa", type: "yt", title: "First", seconds: 60 }],
    },
  });
  const { fake } = env;

  await t.step("a PM to someone not in the channel is reported as the server's error", async () => {
    // The connector's state does not know "nobody" either way: the server decides.
    const reply = await env.ask("mod", "pm nobody hi", 10_000);
    assert.match(reply, /^Error: .*PM failed: nobody isn't connected to this channel\./);
    assert.ok(!reply.includes("PM sent"), reply);
  });

  await t.step("a PM that arrives is reported as sent", async () => {
    assert.equal(await env.ask("mod", "pm alice hello"), "PM sent to alice: hello");
  });

  await t.step("a link the server cannot play is reported with the server's reason", async () => {
    fake.refuseMedia("https://example.com/missing.mp4", "Expected HTTP 200 OK, not 404 Not Found");
    const reply = await env.ask("mod", "add https://example.com/missing.mp4", 10_000);
    assert.match(reply, /^Error: .*Expected HTTP 200 OK, not 404 Not Found/);
    assert.ok(!reply.includes("Added"), reply);
    assert.equal(fake.playlist.length, 1);
  });

  await t.step("a link the server plays is reported as added", async () => {
    assert.equal(
      await env.ask("mod", "add https://youtu.be/bbbbbbbbbbb", 10_000),
      "Added: https://youtu.be/bbbbbbbbbbb (temporary)",
    );
    assert.ok(fake.playlist.some((item) => item.id === "bbbbbbbbbbb"));
  });
});

Deno.test("info never shows fewer users connected than in chat", async () => {
  await using env = await ServicesEnv.start({ fake: { users: [{ name: "mod", rank: 2 }] } });
  const { fake } = env;
  // Joins right after ours fall inside CyTube's 10 s usercount throttle.
  fake.addUser("alice", 0);
  fake.addUser("bob", 0);
  await waitFor(() => env.connector.client.state.user("bob") !== undefined, {
    what: "the joins seen by the connector",
  });
  const info = await env.ask("mod", "info");
  const match = /Users: (\d+)(?: in chat, (\d+) connected)?/.exec(info);
  assert.ok(match, info);
  const inChat = Number(match[1]);
  const connected = match[2] === undefined ? inChat : Number(match[2]);
  assert.ok(connected >= inChat, info);
});
