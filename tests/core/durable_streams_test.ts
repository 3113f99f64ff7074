/**
 * The no-loss path (`bus.durable`): JetStream streams on the project's own server config,
 * acknowledged publishes, durable consumers, and what survives a server restart.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import {
  BusClosedError,
  createLogger,
  type DurableDelivery,
  ensureCoreStreams,
  EVENTS_STREAM,
  JETSTREAM_API,
  newEventId,
  STREAMS,
  subjects,
} from "@quicksilver/core";
import { deferred, Inbox, TestNats, waitFor, within } from "@quicksilver/testing";

const Numbered = z.object({ n: z.number() });

async function streamInfo(nats: TestNats, stream: string) {
  const jsz = await (await fetch(`${nats.server.monitorUrl}/jsz?streams=true&config=true`)).json();
  const details =
    jsz.account_details?.flatMap((a: { stream_detail?: unknown[] }) => a.stream_detail ?? []) ?? [];
  return details.find((s: { name: string }) => s.name === stream) as
    | { state: { messages: number }; config: Record<string, unknown> }
    | undefined;
}

/** The subjects a client (by name) is subscribed to, as the server's /connz lists them. */
async function subscriptionsOf(nats: TestNats, name: string): Promise<string[]> {
  const connz = await (await fetch(`${nats.server.monitorUrl}/connz?subs=1`)).json();
  const connection = connz.connections.find((c: { name: string }) => c.name === name);
  return [...(connection?.subscriptions_list ?? [])].sort();
}

async function consumerExists(nats: TestNats, stream: string, name: string): Promise<boolean> {
  const jsz = await (await fetch(`${nats.server.monitorUrl}/jsz?consumers=true`)).json();
  const streams =
    jsz.account_details?.flatMap((a: { stream_detail?: unknown[] }) => a.stream_detail ?? []) ?? [];
  const found = streams.find((s: { name: string }) => s.name === stream) as
    | { consumer_detail?: { name: string }[] }
    | undefined;
  return found?.consumer_detail?.some((c) => c.name === name) ?? false;
}

Deno.test("durable streams: JetStream through the bus", async (t) => {
  await using nats = await TestNats.start();
  const bus = await nats.connect("svc-durable");

  await t.step("ensureStream creates a stream, and updates its limits when it exists", async () => {
    await bus.durable.ensureStream({ name: "DS_BASIC", subjects: ["ds.basic.>"] });
    let info = await streamInfo(nats, "DS_BASIC");
    assert.ok(info, "stream exists");
    assert.equal(info.config.storage, "file");
    assert.equal(info.config.retention, "limits");
    assert.equal(info.config.duplicate_window, 120_000 * 1_000_000);
    await bus.durable.ensureStream({
      name: "DS_BASIC",
      subjects: ["ds.basic.>", "ds.more.>"],
      maxAgeMs: 60_000,
      maxMessages: 1000,
      maxBytes: 1_000_000,
      duplicateWindowMs: 1000,
    });
    info = await streamInfo(nats, "DS_BASIC");
    assert.deepEqual(info!.config.subjects, ["ds.basic.>", "ds.more.>"]);
    assert.equal(info!.config.max_msgs, 1000);
    assert.equal(info!.config.max_bytes, 1_000_000);
    assert.equal(info!.config.max_age, 60_000 * 1_000_000);
    await bus.durable.ensureStream({
      name: "DS_MEMORY",
      subjects: ["ds.memory.>"],
      storage: "memory",
      retention: "workqueue",
    });
    info = await streamInfo(nats, "DS_MEMORY");
    assert.equal(info!.config.storage, "memory");
    assert.equal(info!.config.retention, "workqueue");
  });

  await t.step(
    "an invalid stream definition is the server's error, not a silent success",
    async () => {
      await assert.rejects(() =>
        bus.durable.ensureStream({ name: "DS_CLASH", subjects: ["ds.basic.x"] })
      );
      await assert.rejects(() =>
        bus.durable.ensureStream({ name: "DS_MEMORY", subjects: ["ds.memory.>"] })
      );
    },
  );

  await t.step(
    "durable.publish resolves with the stored sequence; a repeated id is a duplicate",
    async () => {
      const before = bus.counters.durablePublished;
      const first = await bus.durable.publish("ds.basic.a", { n: 1 });
      const second = await bus.durable.publish("ds.basic.a", { n: 2 }, { messageId: "fixed-id" });
      const again = await bus.durable.publish("ds.basic.a", { n: 2 }, { messageId: "fixed-id" });
      assert.equal(first.stream, "DS_BASIC");
      assert.equal(first.duplicate, false);
      assert.equal(second.seq, first.seq + 1);
      assert.deepEqual(again, { stream: "DS_BASIC", seq: second.seq, duplicate: true });
      assert.equal(bus.counters.durablePublished - before, 3);
      assert.equal((await streamInfo(nats, "DS_BASIC"))!.state.messages, 2);
    },
  );

  await t.step("a durable publish can be abandoned with an AbortSignal", async () => {
    // No stream takes this subject: every attempt fails, and it would retry forever.
    const controller = new AbortController();
    const pending = bus.durable.publish("ds.nowhere", { n: 1 }, {
      signal: controller.signal,
      attemptTimeoutMs: 200,
    });
    await waitFor(() => bus.counters.durableRetries > 0, { what: "a retry" });
    controller.abort(new Error("gave up"));
    await assert.rejects(pending, /gave up/);
    const already = AbortSignal.abort(new Error("aborted before"));
    await assert.rejects(
      () => bus.durable.publish("ds.basic.a", { n: 0 }, { signal: already }),
      /aborted before/,
    );
  });

  await t.step(
    "a durable consumer acks what its handler took, with stream sequence numbers",
    async () => {
      await bus.durable.ensureStream({ name: "DS_CONSUME", subjects: ["ds.consume.>"] });
      for (let n = 0; n < 5; n++) await bus.durable.publish(`ds.consume.${n % 2}`, { n });
      const got = new Inbox<[number, DurableDelivery]>();
      const consumer = bus.durable.consume(
        { stream: "DS_CONSUME", durable: "all-reader", schema: Numbered },
        (value, delivery) => got.push([value.n, delivery]),
      );
      await waitFor(() => got.length === 5, { what: "five deliveries" });
      await consumer.stop();
      assert.deepEqual(got.items.map(([n]) => n), [0, 1, 2, 3, 4]);
      assert.deepEqual(got.items.map(([, d]) => d.seq), [1, 2, 3, 4, 5]);
      assert.equal(got.items[1]![1].subject, "ds.consume.1");
      assert.ok(got.items.every(([, d]) => !d.redelivered));
      // A filtered durable sees only its subject; `new` sees only what comes after it.
      const odd = new Inbox<number>();
      const filtered = bus.durable.consume(
        { stream: "DS_CONSUME", durable: "odd-reader", filterSubject: "ds.consume.1" },
        (value: { n: number }) => odd.push(value.n),
      );
      const fresh = new Inbox<number>();
      const fromNow = bus.durable.consume(
        { stream: "DS_CONSUME", durable: "new-reader", deliver: "new" },
        (value: { n: number }) => fresh.push(value.n),
      );
      const last = new Inbox<number>();
      const fromLast = bus.durable.consume(
        { stream: "DS_CONSUME", durable: "last-reader", deliver: "last" },
        (value: { n: number }) => last.push(value.n),
      );
      await waitFor(() => odd.length === 2 && last.length === 1, { what: "odd and last" });
      assert.deepEqual(last.items, [4]);
      await waitFor(() => consumerExists(nats, "DS_CONSUME", "new-reader"), {
        what: "the new-reader durable",
      });
      await bus.durable.publish("ds.consume.1", { n: 5 });
      await waitFor(() => fresh.length === 1 && odd.length === 3 && last.length === 2);
      assert.deepEqual(odd.items, [1, 3, 5]);
      assert.deepEqual(fresh.items, [5]);
      await Promise.all([filtered.stop(), fromNow.stop(), fromLast.stop()]);
    },
  );

  await t.step(
    "an invalid durable message is terminated; a failing handler gets it again",
    async () => {
      await bus.durable.ensureStream({ name: "DS_FAIL", subjects: ["ds.fail.>"] });
      await bus.durable.publish("ds.fail.x", { n: "not a number" });
      await bus.durable.publish("ds.fail.x", { n: 1 });
      await bus.durable.publish("ds.fail.x", { n: 2 });
      const invalidBefore = bus.counters.invalid;
      const errorsBefore = bus.counters.handlerErrors;
      const attempts: [number, boolean][] = [];
      const done = deferred<void>();
      const consumer = bus.durable.consume(
        { stream: "DS_FAIL", durable: "flaky", schema: Numbered, ackWaitMs: 5000 },
        (value, delivery) => {
          attempts.push([value.n, delivery.redelivered]);
          if (value.n === 1 && !delivery.redelivered) throw new Error("transient");
          if (attempts.length === 3) done.resolve();
        },
      );
      await within(done.promise, 10_000, "the failed message comes back");
      await consumer.stop();
      assert.deepEqual(attempts, [[1, false], [2, false], [1, true]]);
      assert.equal(bus.counters.invalid - invalidBefore, 1);
      assert.equal(bus.counters.handlerErrors - errorsBefore, 1);
    },
  );

  await t.step("stored messages and a durable's position survive a server restart", async () => {
    await bus.durable.ensureStream({ name: "DS_PERSIST", subjects: ["ds.persist.>"] });
    for (let n = 0; n < 6; n++) await bus.durable.publish("ds.persist.x", { n });
    // The durable takes (acks) the first three; it refuses the rest, then stops.
    const firstRun: number[] = [];
    const enough = deferred<void>();
    const reader = bus.durable.consume(
      { stream: "DS_PERSIST", durable: "resumer", schema: Numbered, ackWaitMs: 1000 },
      (value) => {
        if (firstRun.length >= 3) throw new Error("not now");
        firstRun.push(value.n);
        if (firstRun.length === 3) enough.resolve();
      },
    );
    await within(enough.promise, 10_000, "three read");
    await reader.stop();
    await bus.flush();

    await nats.server.restart();
    await waitFor(() => bus.status === "connected", { what: "bus reconnected" });
    assert.equal((await streamInfo(nats, "DS_PERSIST"))?.state.messages, 6, "restored from disk");

    const secondRun: number[] = [];
    const resumed = bus.durable.consume(
      { stream: "DS_PERSIST", durable: "resumer", schema: Numbered },
      (value) => void secondRun.push(value.n),
    );
    await waitFor(() => secondRun.includes(5), {
      timeoutMs: 15_000,
      what: "the rest after restart",
    });
    await resumed.stop();
    assert.deepEqual(firstRun, [0, 1, 2]);
    // Only what was not acknowledged before the restart comes back, each once.
    await waitFor(() => secondRun.length === 3, { what: "3, 4 and 5" });
    assert.deepEqual(secondRun.sort(), [3, 4, 5]);
  });

  await t.step("a running durable consumer carries on by itself after kill -9", async () => {
    await bus.durable.ensureStream({ name: "DS_CRASH", subjects: ["ds.crash.>"] });
    const got = new Inbox<number>();
    const consumer = bus.durable.consume(
      { stream: "DS_CRASH", durable: "survivor", schema: Numbered },
      (value) => got.push(value.n),
    );
    await bus.durable.publish("ds.crash.x", { n: 0 });
    await got.next((n) => n === 0);
    await nats.server.kill();
    // Published during the outage (retried until stored), then the server comes back.
    const pending = bus.durable.publish("ds.crash.x", { n: 1 }, { attemptTimeoutMs: 500 });
    await nats.server.start();
    await within(pending, 15_000, "publish acknowledged after restart");
    await bus.durable.publish("ds.crash.x", { n: 2 });
    await waitFor(() => got.items.includes(2), { timeoutMs: 20_000, what: "deliveries resume" });
    await consumer.stop();
    assert.deepEqual([...new Set(got.items)], [0, 1, 2]);
  });

  await t.step("a consumer stopped while still attaching leaves nothing pulling", async () => {
    await bus.durable.ensureStream({ name: "DS_EARLY", subjects: ["ds.early.>"] });
    await bus.flush();
    const before = await subscriptionsOf(nats, "svc-durable");
    const consumer = bus.durable.consume(
      { stream: "DS_EARLY", durable: "early-stop" },
      () => assert.fail("stopped before anything was published"),
    );
    await consumer.stop();
    await bus.flush();
    assert.deepEqual(await subscriptionsOf(nats, "svc-durable"), before, "no pull left behind");
    await bus.durable.publish("ds.early.x", { n: 1 });
    // Nothing took the message: a second reader of the same durable gets it, first time.
    const got = new Inbox<DurableDelivery>();
    const second = bus.durable.consume(
      { stream: "DS_EARLY", durable: "early-stop" },
      (_v, delivery) => got.push(delivery),
    );
    const delivery = await got.next();
    await second.stop();
    assert.equal(delivery.redelivered, false);
  });

  await t.step("a consumer started before its stream exists attaches once it does", async () => {
    const logs: Record<string, unknown>[] = [];
    const early = await nats.connect("svc-early-consumer", undefined, {
      logger: createLogger({
        format: "json",
        level: "warn",
        sink: (line) => void logs.push(JSON.parse(line)),
      }),
    });
    const got = new Inbox<number>();
    const consumer = early.durable.consume(
      { stream: "DS_LATE", durable: "patient" },
      (value: { n: number }) => got.push(value.n),
    );
    await waitFor(() => logs.some((l) => l.msg === "durable consumer interrupted; re-attaching"), {
      what: "the consumer noticing the missing stream",
    });
    await bus.durable.ensureStream({ name: "DS_LATE", subjects: ["ds.late.>"] });
    await bus.durable.publish("ds.late.x", { n: 7 });
    assert.equal(await got.next(() => true, 15_000), 7);
    await consumer.stop();
  });

  await t.step("a consumer stopped while its stream is missing ends at once", async () => {
    const consumer = bus.durable.consume({ stream: "DS_NEVER", durable: "x" }, () => {});
    await within(consumer.stop(), 5000, "stop while attaching fails");
  });

  await t.step(
    "a user without JetStream rights gets the server's refusal, every time",
    async () => {
      const plain = await nats.connect("svc-no-js", {
        publish: { allow: ["ds.>"] },
        subscribe: { allow: ["_INBOX.svc-no-js.>"] },
      });
      for (let attempt = 0; attempt < 2; attempt++) {
        await assert.rejects(
          () => plain.durable.ensureStream({ name: "DS_DENIED", subjects: ["ds.denied.>"] }),
          /permission/i,
        );
      }
      // Allowed to ask whether JetStream is there, not to look at consumers: the consumer loop
      // keeps reporting and retrying instead of dying.
      const logs: Record<string, unknown>[] = [];
      const half = await nats.connect("svc-half-js", {
        publish: { allow: ["$JS.API.INFO"] },
        subscribe: { allow: ["_INBOX.svc-half-js.>"] },
      }, {
        logger: createLogger({
          format: "json",
          level: "warn",
          sink: (line) => void logs.push(JSON.parse(line)),
        }),
      });
      const consumer = half.durable.consume({ stream: "DS_BASIC", durable: "x" }, () => {});
      await waitFor(() =>
        logs.some((l) =>
          l.msg === "durable consumer interrupted; re-attaching" &&
          /permission/i.test(String(l.error))
        ), { what: "the refusal logged" });
      await consumer.stop();
    },
  );

  await t.step("ensureCoreStreams creates the events stream and can run again", async () => {
    await ensureCoreStreams(bus);
    await ensureCoreStreams(bus);
    const info = await streamInfo(nats, EVENTS_STREAM.name);
    assert.deepEqual(info!.config.subjects, [subjects.allEvents()]);
    assert.equal(info!.config.max_age, EVENTS_STREAM.maxAgeMs! * 1_000_000);
    const ack = await bus.durable.publish(subjects.event("message"), { n: 1 });
    assert.equal(ack.stream, STREAMS.events);
    assert.deepEqual(
      [
        JETSTREAM_API.info(),
        JETSTREAM_API.streamInfo("S"),
        JETSTREAM_API.streamCreate("S"),
        JETSTREAM_API.streamUpdate("S"),
      ],
      [
        "$JS.API.INFO",
        "$JS.API.STREAM.INFO.S",
        "$JS.API.STREAM.CREATE.S",
        "$JS.API.STREAM.UPDATE.S",
      ],
    );
  });

  await t.step("a closed bus ends its consumers and refuses durable publishes", async () => {
    const other = await nats.connect("svc-durable-2");
    const got = new Inbox<number>();
    const consumer = other.durable.consume(
      { stream: "DS_CONSUME", durable: "closing-reader", deliver: "new" },
      (value: { n: number }) => got.push(value.n),
    );
    const pending = other.durable.publish("ds.nowhere.at.all", { n: 1 }, {
      attemptTimeoutMs: 100,
      messageId: newEventId(),
    });
    await waitFor(() => other.counters.durableRetries > 0, { what: "a retry" });
    await other.close();
    await assert.rejects(pending, BusClosedError);
    await assert.rejects(() => other.durable.publish("ds.basic.a", { n: 1 }), BusClosedError);
    await within(consumer.stop(), 5000, "the consumer stopped with its bus");
  });
});
