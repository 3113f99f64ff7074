/**
 * No loss: chat that happens while nats-server is down reaches a durable consumer of
 * `ROSEY_EVENTS` once the server is back, because the connector publishes through JetStream
 * and retries until acknowledged.
 */
import assert from "node:assert/strict";
import {
  connectorRole,
  ensureCoreStreams,
  type Envelope,
  envelopeOf,
  type MessagePayload,
  MessagePayloadSchema,
  streamAdminRole,
  STREAMS,
  subjects,
} from "@quicksilver/core";
import { TestNats, waitFor } from "@quicksilver/testing";
import { EventOutbox } from "@quicksilver/core";
import { E2e } from "./_env.ts";

Deno.test("chat during a nats-server crash (kill -9) reaches a durable consumer after restart", async () => {
  await using env = await E2e.start({ fake: { users: [{ name: "alice" }, { name: "bob" }] } });
  const { fake, nats, connector } = env;
  const logger = await nats.connect("svc-chatlog");
  const seen: Envelope<MessagePayload>[] = [];
  const consumer = logger.durable.consume({
    stream: STREAMS.events,
    durable: "chatlog-test",
    filterSubject: subjects.event("message"),
    schema: envelopeOf(MessagePayloadSchema),
  }, (envelope) => {
    seen.push(envelope);
  });
  try {
    fake.say("alice", "before the crash");
    await waitFor(() => seen.length === 1, { what: "the first line in the stream" });

    await nats.server.kill();
    await waitFor(() => env.connectorBus.status === "disconnected", { what: "the outage" });
    const during = Array.from({ length: 20 }, (_, i) => `during the outage ${i + 1}`);
    for (const [i, text] of during.entries()) fake.say(i % 2 ? "bob" : "alice", text);
    const messagesOut = () => connector.metrics.eventsOut.get({ type: "message" });
    await waitFor(() => messagesOut() === 21, { what: "the connector to take all 20 lines" });
    assert.ok(connector.events.backlog > 0, "they wait in the connector, unacknowledged");

    await nats.server.start();
    await waitFor(() => seen.length >= 21, { what: "every line in the stream", timeoutMs: 20_000 });
    const texts = seen.map((envelope) => envelope.payload.text);
    assert.deepEqual(new Set(texts), new Set(["before the crash", ...during]));
    assert.equal(texts.length, 21, "no duplicates either");
    await waitFor(() => connector.events.backlog === 0, { what: "the backlog to drain" });
    assert.equal(connector.events.overflowed, 0);
  } finally {
    await consumer.stop();
  }
});

Deno.test("the event backlog is bounded: past its size new events are refused and counted", async () => {
  await using nats = await TestNats.start();
  const admin = streamAdminRole();
  await ensureCoreStreams(await nats.connect(admin.name, admin.permissions));
  const c = connectorRole("cytube");
  const bus = await nats.connect(c.name, c.permissions);
  const outbox = new EventOutbox(bus, { mode: "durable", maxBacklog: 5, window: 2 });
  const source = { platform: "cytube", channel: "c" };
  try {
    await nats.server.kill();
    await waitFor(() => bus.status === "disconnected", { what: "the outage" });
    const accepted = Array.from(
      { length: 8 },
      (_, i) => outbox.publish("message", source, { user: { name: "a", rank: 0 }, text: `${i}` }),
    );
    assert.deepEqual(accepted, [true, true, true, true, true, false, false, false]);
    assert.equal(outbox.stats.overflowed, 3);
    assert.equal(outbox.stats.backlog, 5);
    await nats.server.start();
    assert.equal(await outbox.settled(15_000), true, "the five kept events are stored");
    assert.equal(outbox.stats.published, 5);
  } finally {
    outbox.close();
  }
});

Deno.test("events discarded while cut off from NATS are never published after the reconnect", async () => {
  await using nats = await TestNats.start();
  const admin = streamAdminRole();
  await ensureCoreStreams(await nats.connect(admin.name, admin.permissions));
  const c = connectorRole("cytube");
  const bus = await nats.connect(c.name, c.permissions);
  const outbox = new EventOutbox(bus, { mode: "durable", window: 2 });
  const source = { platform: "cytube", channel: "c" };
  try {
    await nats.server.kill();
    await waitFor(() => bus.status === "disconnected", { what: "the outage" });
    for (let i = 0; i < 4; i++) {
      outbox.publish("message", source, { user: { name: "a", rank: 0 }, text: `${i}` });
    }
    // A connector that lost its lease meanwhile: its successor handles these lines.
    assert.equal(outbox.discardQueued(), 4);
    await nats.server.start();
    await waitFor(() => bus.status === "connected", { timeoutMs: 15_000, what: "the reconnect" });
    outbox.publish("message", source, { user: { name: "a", rank: 0 }, text: "after" });
    assert.equal(await outbox.settled(15_000), true);
    assert.equal(outbox.stats.published, 1, "only the event queued after the discard");
    assert.equal(outbox.stats.failed, 4);
  } finally {
    outbox.close();
  }
});
