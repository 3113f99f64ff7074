/**
 * `nats.delivery: durable` (issue 14 point 1): routers share `ROSEY_EVENTS` through one durable
 * consumer, replies go into `ROSEY_ACTIONS` with message ids derived from the event, and the
 * connector takes them through `takeActions`. Real nats-server, least-privilege roles.
 */
import assert from "node:assert/strict";
import {
  actionConsumerName,
  ensureCoreStreams,
  EVENT_TYPES,
  publishAction,
  requestAction,
  streamAdminRole,
  STREAMS,
  subjects,
} from "@quicksilver/core";
import { ActionResultSchema } from "@quicksilver/core";
import { waitFor } from "@quicksilver/testing";
import { apology } from "../../services/router/mod.ts";
import { CHANNEL, DurableEnv, PLATFORM } from "./_durable_env.ts";

function countBy(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) counts.set(text, (counts.get(text) ?? 0) + 1);
  return counts;
}

Deno.test("two durable routers answer a burst of commands exactly once each, sharing the work", async () => {
  await using env = await DurableEnv.start();
  const first = await env.router();
  const second = await env.router();
  await env.plugin("echo", (request) => ({ ok: true, reply: [`echo ${request.rawArgs}`] }));
  const n = 300;
  for (let i = 0; i < n; i++) await env.say(`!echo ${i}`, `user${i % 30}`);
  await waitFor(() => env.actions.length >= n, { timeoutMs: 30_000, what: `${n} answers` });
  await env.commandsSettled();
  await env.actionsSettled();
  const counts = countBy(env.actions.items.map((a) => a.text));
  for (let i = 0; i < n; i++) {
    assert.equal(counts.get(`echo ${i}`), 1, `"!echo ${i}" answered once`);
  }
  assert.equal(env.actions.length, n, "no answer twice, nothing else said");
  const okOf = (router: typeof first) => router.metrics.commands["echo"]?.ok ?? 0;
  assert.ok(okOf(first) + okOf(second) >= n, "every command ran");
  assert.ok(okOf(first) > 0 && okOf(second) > 0, "both routers took commands");
});

Deno.test("message and pm are the only one-token event types, so the routers' filter takes just them", () => {
  const oneToken = Object.values(EVENT_TYPES).filter((type) => !type.includes("."));
  assert.deepEqual(oneToken.sort(), [EVENT_TYPES.message, EVENT_TYPES.privateMessage].sort());
});

Deno.test("an action sent twice with the same message id reaches the connector once", async () => {
  await using env = await DurableEnv.start();
  const subject = subjects.platformAction(PLATFORM, "chat");
  const line = { channel: CHANNEL, text: "only once", origin: "test" };
  await publishAction(env.world, subject, line, { delivery: "durable", messageId: "event-1.0" });
  await publishAction(env.world, subject, line, { delivery: "durable", messageId: "event-1.0" });
  // Another channel's connector takes this one; this connector skips it without an answer.
  await publishAction(env.world, subject, { ...line, channel: "elsewhere", text: "not here" }, {
    delivery: "durable",
  });
  await publishAction(env.world, subject, { ...line, text: "after" }, { delivery: "durable" });
  await env.actions.next((a) => a.text === "after");
  await env.actionsSettled();
  assert.deepEqual(env.actions.items.map((a) => a.text), ["only once", "after"]);
});

Deno.test("a request-style action gets the connector's outcome in durable mode", async () => {
  await using env = await DurableEnv.start();
  // An asker with only what such a service has: the action subject and its own outcomes.
  const asker = await env.nats.connect("svc-asker", {
    publish: { allow: [subjects.platformAction(PLATFORM, "chat")] },
    subscribe: { allow: [subjects.actionOutcomesOf("svc-asker"), "_INBOX.svc-asker.>"] },
  });
  const result = await requestAction(
    asker,
    subjects.platformAction(PLATFORM, "chat"),
    { channel: CHANNEL, text: "kick-like", origin: "svc-asker" },
    { delivery: "durable", timeoutMs: 10_000, schema: ActionResultSchema },
  );
  assert.deepEqual(result, { ok: true });
  assert.deepEqual(env.actions.items.map((a) => a.text), ["kick-like"]);
});

Deno.test("a durable command slower than the ack wait runs once and is answered once", async () => {
  await using env = await DurableEnv.start();
  // 20 s timeout: the first attempt has 10 s, the plugin takes 7 s, past the 5 s ack wait.
  await env.router({ timeoutMs: 20_000 });
  const echo = await env.plugin("echo", async (request) => {
    await new Promise((resolve) => setTimeout(resolve, 7000));
    return { ok: true, reply: [`slow ${request.rawArgs}`] };
  });
  await env.say("!echo 1");
  await env.actions.next((a) => a.text === "slow 1", 20_000);
  await env.commandsSettled();
  await env.actionsSettled();
  assert.equal(echo.received.length, 1, "the plugin was asked once");
  assert.deepEqual(env.actions.items.map((a) => a.text), ["slow 1"]);
});

Deno.test("a plugin replica that dies mid-request is replaced by another without an apology", async () => {
  await using env = await DurableEnv.start();
  await env.router({ timeoutMs: 4000 });
  const dying = await env.plugin("echo", async () => {
    // This replica's host dies with the request in hand: it never answers.
    await dying.bus.close();
    return { ok: true, reply: ["from the dead"] };
  });
  await env.say("!echo x");
  await waitFor(() => dying.received.length === 1, { what: "the first replica to get it" });
  // The standby replica comes up while the first attempt is still waiting.
  const standby = await env.plugin("echo", () => ({ ok: true, reply: ["from the standby"] }));
  await env.actions.next((a) => a.text === "from the standby", 10_000);
  await env.commandsSettled();
  await env.actionsSettled();
  assert.equal(standby.received.length, 1);
  assert.deepEqual(env.actions.items.map((a) => a.text), ["from the standby"]);
});

Deno.test("with no plugin replica at all, a durable command gets one apology", async () => {
  await using env = await DurableEnv.start();
  await env.router({ timeoutMs: 1500 });
  await env.say("!echo x");
  await env.actions.next((a) => a.text === apology("echo"), 10_000);
  await env.commandsSettled();
  await env.actionsSettled();
  assert.deepEqual(env.actions.items.map((a) => a.text), [apology("echo")]);
});

Deno.test("a connector may create action consumers for its own platform only", async () => {
  await using env = await DurableEnv.start();
  const jsm = await import("@nats-io/jetstream").then((js) =>
    js.jetstreamManager(env.connector.connection)
  );
  const { AckPolicy } = await import("@nats-io/jetstream");
  await assert.rejects(
    jsm.consumers.add(STREAMS.actions, {
      durable_name: actionConsumerName("other", "lobby"),
      ack_policy: AckPolicy.Explicit,
      filter_subject: subjects.allPlatformActions("other"),
    }),
    /permission|timeout/i,
  );
});

Deno.test("in live mode the stream admin removes a leftover actions stream", async () => {
  await using env = await DurableEnv.start();
  const admin = streamAdminRole();
  await ensureCoreStreams(await env.nats.connect(admin.name, admin.permissions), {
    delivery: "live",
  });
  const jsm = await import("@nats-io/jetstream").then((js) =>
    js.jetstreamManager(env.world.connection)
  );
  await assert.rejects(jsm.streams.info(STREAMS.actions), /not found/i);
  // A moderator's kick is a core request again: answered by a connector, not by a stream's ack.
  env.world.serve(subjects.platformAction(PLATFORM, "kick"), () => ({ ok: true }));
  await env.world.flush();
  const result = await requestAction(
    env.world,
    subjects.platformAction(PLATFORM, "kick"),
    { channel: CHANNEL, name: "spammer" },
    { timeoutMs: 5000, schema: ActionResultSchema },
  );
  assert.deepEqual(result, { ok: true });
});
