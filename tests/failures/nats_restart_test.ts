/**
 * nats-server killed with `kill -9` and restarted while the bot is under load: what we persist
 * (JetStream, published with retries until acknowledged) is all there, and every component
 * (router, plugin manager, the sandboxed plugin) reconnects and serves again.
 */
import assert from "node:assert/strict";
import { createEnvelope, STREAMS, subjects } from "@quicksilver/core";
import { waitFor } from "@quicksilver/testing";
import { FailureBot, PLATFORM, plugin } from "./_bot.ts";

Deno.test("kill -9 of nats-server under load loses no persisted event and the bot serves again", async () => {
  await using bot = await FailureBot.start([plugin("dice")]);
  await bot.askUntilAnswered("!roll 1d1");
  const admin = await bot.nats.connect("test-admin");
  await admin.durable.ensureStream({ name: STREAMS.events, subjects: [subjects.allEvents()] });

  // Load: 600 events published durably, one every 2 ms; the server dies a third of the way in.
  const total = 600;
  const acks: Promise<unknown>[] = [];
  let killed = false;
  for (let i = 0; i < total; i++) {
    const envelope = createEnvelope("message", { platform: PLATFORM, channel: "load" }, {
      user: { name: "loader", rank: 1 },
      text: `line ${i}`,
    }, { id: `load-${i}` });
    acks.push(
      bot.connector.durable.publish(subjects.event("message"), envelope, {
        messageId: envelope.id,
      }),
    );
    if (i === total / 3) {
      await bot.nats.server.kill();
      killed = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.ok(killed);
  await bot.nats.server.start();
  await Promise.all(acks); // every publish is eventually acknowledged

  // Everything that was published is in the stream, once.
  const seen = new Set<string>();
  let deliveries = 0;
  const consumer = admin.durable.consume<{ id: string }>(
    { stream: STREAMS.events, durable: "failure-check" },
    (event) => {
      deliveries++;
      seen.add(event.id);
    },
  );
  try {
    await waitFor(() => seen.size >= total, {
      timeoutMs: 30_000,
      what: "all events in the stream",
    });
  } finally {
    await consumer.stop();
  }
  assert.equal(seen.size, total);
  assert.equal(deliveries, total, "retried publishes were stored once (deduplicated)");

  // Router, manager and plugin reconnected: a command goes round again.
  assert.match((await bot.askUntilAnswered("!roll 1d1")).text, /= 1$/);
  assert.ok(bot.routerBus.counters.reconnects >= 1, "the router reconnected");
  await waitFor(() => bot.manager.list().find((p) => p.name === "dice")?.state === "running", {
    what: "dice running after the outage",
  });
});
