/**
 * The CyTube connector in `nats.delivery: durable`: it takes actions from `ROSEY_ACTIONS`
 * through its per-channel consumer, a line sent twice under one message id is said once in the
 * channel, another channel's lines are left alone, and a request-style action (the moderator's)
 * still gets CyTube's outcome.
 */
import assert from "node:assert/strict";
import { ActionResultSchema, publishAction, requestAction, subjects } from "@quicksilver/core";
import { moderatorRole } from "../../services/moderator/mod.ts";
import { E2e } from "./_env.ts";

Deno.test("durable: a chat line sent twice under one message id is said once in the CyTube channel", async () => {
  await using env = await E2e.start({ delivery: "durable" });
  const router = await env.nats.connect("svc-test-router");
  const chat = subjects.platformAction("cytube", "chat");
  const channel = env.fake.channel;
  const line = { channel, text: "said once", origin: "router" };
  await publishAction(router, chat, line, { delivery: "durable", messageId: "ev-1.0" });
  await publishAction(router, chat, line, { delivery: "durable", messageId: "ev-1.0" });
  await publishAction(router, chat, { ...line, channel: "another_channel", text: "not here" }, {
    delivery: "durable",
  });
  await publishAction(router, chat, { ...line, text: "then this" }, { delivery: "durable" });
  await env.fake.waitFor(() => env.botLines().includes("then this"), 10_000, "the last line");
  assert.deepEqual(env.botLines(), ["said once", "then this"]);
});

Deno.test("durable: a moderator's action gets CyTube's outcome through the actions stream", async () => {
  await using env = await E2e.start({
    delivery: "durable",
    fake: { playlist: [{ id: "aaaaaaaaaaa", type: "yt", title: "First", seconds: 60 }] },
  });
  // The moderator's own least-privilege user: its role lets it read its outcomes.
  const role = moderatorRole();
  const moderator = await env.nats.connect(role.name, role.permissions);
  const result = await requestAction(
    moderator,
    subjects.platformAction("cytube", "queue"),
    { channel: env.fake.channel, media: { type: "yt", id: "ccccccccccc" } },
    { delivery: "durable", timeoutMs: 10_000, schema: ActionResultSchema },
  );
  assert.deepEqual(result, { ok: true });
  await env.fake.waitFor(
    () => env.fake.playlist.some((item) => item.id === "ccccccccccc"),
    5000,
    "the queued item",
  );
});
