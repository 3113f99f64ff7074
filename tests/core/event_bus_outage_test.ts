/**
 * What a NATS outage does to the bus: reconnection after `kill -9`, the core-publish drop
 * (measured in NOTES-SANDBOX §6 and pinned here), and the durable path that loses nothing.
 */
import assert from "node:assert/strict";
import {
  BusConnectError,
  type BusStatusEvent,
  type ConnectionEvent,
  EventBus,
  newEventId,
  silentLogger,
} from "@quicksilver/core";
import { connectLite } from "../../core/bus/lite/mod.ts";
import { freePort, Inbox, TestNats, waitFor, within } from "@quicksilver/testing";

const STREAM = "OUTAGE_TEST";

Deno.test("event bus: outages, reconnection and the no-loss path", async (t) => {
  await using nats = await TestNats.start();
  const publisher = await nats.connect("svc-pub");
  const subscriber = await nats.connect("svc-sub");
  const events = new Inbox<BusStatusEvent>();
  subscriber.onStatus(events.push);
  await publisher.durable.ensureStream({ name: STREAM, subjects: ["outage.durable.>"] });

  await t.step(
    "after kill -9 and a restart, buses reconnect and subscriptions work again",
    async () => {
      const inbox = new Inbox<number>();
      subscriber.subscribe("outage.live", (n: number) => inbox.push(n));
      await subscriber.flush();
      publisher.publish("outage.live", 1);
      await inbox.next((n) => n === 1);

      await nats.server.kill();
      await events.next((e) => e.type === "disconnected", 10_000);
      assert.equal(subscriber.status, "disconnected");
      assert.equal(subscriber.counters.disconnects, 1);
      await nats.server.start();
      await events.next((e) => e.type === "reconnected", 10_000);
      assert.equal(subscriber.status, "connected");
      assert.equal(subscriber.counters.reconnects, 1);
      assert.deepEqual(
        events.items.map((e) => e.type).filter((type) => type !== "reconnecting"),
        ["disconnected", "reconnected"],
      );
      const disconnected = events.items.find((e) => e.type === "disconnected");
      assert.equal((disconnected as { server: string }).server, nats.url);

      // The publisher may reconnect a moment later than the subscriber: wait for it, then the
      // old subscription (re-sent by the client) receives again.
      await waitFor(() => publisher.status === "connected", { what: "publisher reconnected" });
      publisher.publish("outage.live", 2);
      await inbox.next((n) => n === 2);
    },
  );

  await t.step(
    "during an outage core publishes are dropped, durable publishes wait and land",
    async () => {
      const core = new Inbox<number>();
      subscriber.subscribe("outage.core", (n: number) => core.push(n));
      await subscriber.flush();
      await publisher.flush();

      await nats.server.kill();
      await waitFor(() => publisher.status === "disconnected", { what: "publisher disconnected" });
      // Core NATS: publish does not throw, and nothing is kept for later.
      for (let n = 0; n < 50; n++) publisher.publish("outage.core", n);
      // JetStream: each publish is retried until the server acknowledges it.
      const ids = Array.from({ length: 10 }, () => newEventId());
      const durable = ids.map((id, n) =>
        publisher.durable.publish("outage.durable.x", { n }, {
          messageId: id,
          attemptTimeoutMs: 500,
        })
      );
      let settled = 0;
      for (const p of durable) p.finally(() => settled++);
      await nats.server.start();

      const acks = await within(Promise.all(durable), 20_000, "durable publishes acknowledged");
      assert.equal(settled, 10);
      assert.deepEqual(acks.map((a) => a.stream), Array(10).fill(STREAM));
      assert.equal(new Set(acks.map((a) => a.seq)).size, 10, "ten distinct messages stored");
      assert.ok(publisher.counters.durableRetries > 0, "the publishes were retried");

      // The subscription is live again (a marker arrives), yet none of the 50 ever will.
      await waitFor(() => publisher.status === "connected" && subscriber.status === "connected");
      publisher.publish("outage.core", 999);
      await core.next((n) => n === 999);
      assert.deepEqual(core.items, [999]);

      const stored: number[] = [];
      const consumer = subscriber.durable.consume<{ n: number }>(
        { stream: STREAM, durable: "outage-reader" },
        (value) => void stored.push(value.n),
      );
      await waitFor(() => stored.length === 10, { what: "all ten durable messages" });
      await consumer.stop();
      assert.deepEqual(stored.sort((x, y) => x - y), [...Array(10).keys()]);
    },
  );

  await t.step("a bus started before its server waits and connects once it is up", async () => {
    await nats.server.kill();
    const user = await nats.mint("svc-early");
    const connecting = EventBus.connect({
      servers: nats.url,
      name: "svc-early",
      creds: user.creds,
      reconnectWaitMs: 50,
      logger: silentLogger,
    });
    let connected = false;
    connecting.then(() => connected = true, () => {});
    await nats.server.start();
    const early = await within(connecting, 10_000, "the early bus connects");
    assert.ok(connected);
    await early.close();
  });

  await t.step("a bus that cannot reach a server gives up after connectTimeoutMs", async () => {
    const nowhere = `127.0.0.1:${freePort()}`;
    const started = Date.now();
    await assert.rejects(
      () => EventBus.connect({ servers: nowhere, name: "svc-lost", connectTimeoutMs: 300 }),
      (error: unknown) =>
        error instanceof BusConnectError && error.reason === "unreachable" &&
        error.message.includes(nowhere) && error.message.includes("within 300 ms") &&
        error.message.includes("deno task nats"),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `gave up after ${elapsed} ms`);
    await assert.rejects(
      () => EventBus.connect({ servers: nowhere, name: "svc-lost", waitOnFirstConnect: false }),
      (error: unknown) =>
        error instanceof BusConnectError && error.reason === "unreachable" &&
        !error.message.includes("within"),
    );
    // Sanitizers check that no dial loop is left running after giving up.
  });
});

Deno.test("event bus (lite): outages, reconnection and the first connect", async (t) => {
  await using nats = await TestNats.start();
  const publisher = await nats.connect("lite-pub", undefined, { client: "lite" });
  const subscriber = await nats.connect("lite-sub", undefined, { client: "lite" });
  const events = new Inbox<BusStatusEvent>();
  subscriber.onStatus(events.push);

  await t.step(
    "after kill -9 and a restart, lite buses reconnect, re-subscribe and serve again",
    async () => {
      const inbox = new Inbox<number>();
      subscriber.subscribe("lite.live", (n: number) => inbox.push(n));
      subscriber.serve("lite.echo", (n: number) => n + 1);
      await subscriber.flush();
      publisher.publish("lite.live", 1);
      await inbox.next((n) => n === 1);

      await nats.server.kill();
      await events.next((e) => e.type === "disconnected", 10_000);
      assert.equal(subscriber.status, "disconnected");
      await waitFor(() => publisher.status === "disconnected", { what: "publisher disconnected" });
      // Dropped, as with nats.js: core publishes are not kept through an outage.
      for (let n = 100; n < 150; n++) publisher.publish("lite.live", n);
      // A flush asked for during the outage completes once the server is back.
      const flushed = publisher.flush();
      await nats.server.start();
      await events.next((e) => e.type === "reconnected", 10_000);
      await within(flushed, 10_000, "flush after reconnect");
      assert.equal(subscriber.counters.reconnects, 1);

      await waitFor(() => publisher.status === "connected", { what: "publisher reconnected" });
      publisher.publish("lite.live", 2);
      await inbox.next((n) => n === 2);
      assert.deepEqual(inbox.items, [1, 2]);
      assert.equal(await publisher.request("lite.echo", 41), 42);
    },
  );

  await t.step(
    "a lite bus started before its server waits and connects once it is up",
    async () => {
      await nats.server.kill();
      const user = await nats.mint("lite-early");
      const connecting = EventBus.connect({
        servers: nats.url,
        name: "lite-early",
        creds: user.creds,
        reconnectWaitMs: 50,
        logger: silentLogger,
        client: "lite",
      });
      await nats.server.start();
      const early = await within(connecting, 10_000, "the early bus connects");
      assert.equal(early.status, "connected");
      await early.close();
    },
  );

  await t.step("a lite bus drained while its server is down closes at once", async () => {
    const bus = await nats.connect("lite-drain", undefined, { client: "lite" });
    bus.subscribe("lite.drain", () => {});
    await bus.flush();
    await nats.server.kill();
    await waitFor(() => bus.status === "disconnected", { what: "the bus notices the outage" });
    await within(bus.drain(), 3000, "drain without a server");
    assert.equal(bus.status, "closed");
    await nats.server.start();
  });

  await t.step(
    "a lite bus that cannot reach a server gives up after connectTimeoutMs",
    async () => {
      const nowhere = `127.0.0.1:${freePort()}`;
      const started = Date.now();
      await assert.rejects(
        () =>
          EventBus.connect({
            servers: nowhere,
            name: "lite-lost",
            connectTimeoutMs: 300,
            client: "lite",
          }),
        (error: unknown) =>
          error instanceof BusConnectError && error.reason === "unreachable" &&
          error.message.includes(nowhere) && error.message.includes("within 300 ms"),
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 3000, `gave up after ${elapsed} ms`);
    },
  );
});

Deno.test("the lite client notices a server that stops answering, and comes back with it", async () => {
  await using nats = await TestNats.start();
  const user = await nats.mint("lite-stale");
  const events = new Inbox<ConnectionEvent>();
  // A frozen server (SIGSTOP) keeps the socket open: only unanswered PINGs can tell.
  const connection = await connectLite({
    servers: nats.url,
    name: "lite-stale",
    creds: user.creds,
    inboxPrefix: "_INBOX.lite-stale",
    reconnectWaitMs: 100,
    waitOnFirstConnect: false,
    log: silentLogger,
    pingIntervalMs: 200,
  });
  connection.onEvent(events.push);
  const pid = nats.server.pid!;
  try {
    Deno.kill(pid, "SIGSTOP");
    await events.next((e) => e.type === "disconnect", 5000);
    Deno.kill(pid, "SIGCONT");
    await events.next((e) => e.type === "reconnect", 10_000);
    await within(connection.flush(), 5000, "a flush after the server came back");
  } finally {
    Deno.kill(pid, "SIGCONT");
    await connection.close();
  }
});
