/**
 * EventBus against a real nats-server: connect, publish, subscribe, request/reply, status and
 * counters. One server (each step uses its own subjects), so it stays fast. `raw` is a second
 * bus whose nats.js connection is used directly, for what the bus itself would never send.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import {
  BusClosedError,
  BusRequestError,
  createLogger,
  errorText,
  EventBus,
  type EventDecodeError,
  type MessageContext,
} from "@quicksilver/core";
import { deferred, Inbox, TestNats, waitFor, within } from "@quicksilver/testing";

const NumberSchema = z.object({ n: z.number() });

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    format: "json",
    level: "debug",
    sink: (line) => void lines.push(JSON.parse(line)),
  });
  return { lines, logger, has: (msg: string) => lines.some((l) => l.msg === msg) };
}

Deno.test("event bus: core messaging against a real server", async (t) => {
  await using nats = await TestNats.start();
  const connect = nats.connect.bind(nats);
  const raw = await nats.connect("svc-raw");
  const a = await connect("svc-a");
  const logs = captureLogs();
  const b = await connect("svc-b", undefined, { logger: logs.logger });

  await t.step("a bus connects under its own name and reports connected", async () => {
    assert.equal(a.name, "svc-a");
    assert.equal(a.status, "connected");
    assert.equal(a.connection.isClosed(), false);
    const connz = await (await fetch(`${nats.server.monitorUrl}/connz`)).json();
    const names = connz.connections.map((c: { name: string }) => c.name);
    assert.ok(names.includes("svc-a") && names.includes("svc-b"), JSON.stringify(names));
  });

  await t.step("subscribers receive published values with their subject", async () => {
    const inbox = new Inbox<[unknown, MessageContext]>();
    const sub = b.subscribe("t.pub", (value, context) => inbox.push([value, context]));
    await b.flush();
    a.publish("t.pub", { hello: "world", list: [1, 2], nested: { ok: true } });
    a.publish("t.pub", "text");
    a.publish("t.pub", null);
    await waitFor(() => inbox.length === 3, { what: "three messages" });
    assert.deepEqual(inbox.items.map(([v]) => v), [
      { hello: "world", list: [1, 2], nested: { ok: true } },
      "text",
      null,
    ]);
    const [, context] = inbox.items[0]!;
    assert.equal(context.subject, "t.pub");
    assert.equal(context.reply, undefined);
    assert.equal(
      new TextDecoder().decode(context.data),
      '{"hello":"world","list":[1,2],"nested":{"ok":true}}',
    );
    sub.unsubscribe();
    await sub.closed;
  });

  await t.step("publishRaw sends bytes as they are, with a reply subject", async () => {
    const inbox = new Inbox<MessageContext>();
    b.subscribe("t.raw", (_v, context) => inbox.push(context));
    await b.flush();
    a.publishRaw("t.raw", new TextEncoder().encode("[1]"), "t.raw.reply");
    const context = await inbox.next();
    assert.equal(context.reply, "t.raw.reply");
    assert.deepEqual([...context.data], [...new TextEncoder().encode("[1]")]);
  });

  await t.step(
    "invalid messages are counted, logged and passed to onInvalid, never to the handler",
    async () => {
      const seen: number[] = [];
      const invalid: [EventDecodeError, MessageContext][] = [];
      const before = { ...b.counters };
      b.subscribe("t.typed", (v) => void seen.push(v.n), {
        schema: NumberSchema,
        onInvalid: (error, context) => invalid.push([error, context]),
      });
      await b.flush();
      a.publish("t.typed", { n: 1 });
      a.publish("t.typed", { n: "two" });
      a.publishRaw("t.typed", new TextEncoder().encode("{not json"));
      a.publish("t.typed", { n: 3 });
      await waitFor(() => seen.length === 2 && invalid.length === 2, {
        what: "2 valid, 2 invalid",
      });
      assert.deepEqual(seen, [1, 3]);
      assert.equal(b.counters.invalid - before.invalid, 2);
      assert.equal(b.counters.received - before.received, 4);
      const [badField, notJson] = invalid;
      assert.equal(badField![0].field, "n");
      assert.match(badField![0].message, /^t\.typed: n: /);
      assert.equal(badField![1].subject, "t.typed");
      assert.equal(notJson![0].field, "(root)");
      assert.match(notJson![0].message, /not JSON/);
      assert.ok(logs.lines.some((l) => l.msg === "invalid message rejected" && l.bus === "svc-b"));
    },
  );

  await t.step("a schema whose own check throws counts as invalid, not as a crash", async () => {
    const invalid: EventDecodeError[] = [];
    const Exploding = z.object({ n: z.number() }).refine(() => {
      throw new RangeError("refinement blew up");
    });
    b.subscribe("t.explode", () => assert.fail("handler must not run"), {
      schema: Exploding,
      onInvalid: (error) => void invalid.push(error),
    });
    await b.flush();
    a.publish("t.explode", { n: 1 });
    await waitFor(() => invalid.length === 1);
    assert.equal(invalid[0]!.field, "(root)");
    assert.match(invalid[0]!.message, /refinement blew up/);
  });

  await t.step("a throwing handler or onInvalid never kills the subscription", async () => {
    const seen: number[] = [];
    const before = b.counters.handlerErrors;
    b.subscribe("t.throw", async (v: { n: number }) => {
      if (v.n === 2) throw new Error("sync-looking async failure");
      if (v.n === 3) return await Promise.reject(new Error("rejected"));
      seen.push(v.n);
    }, { schema: NumberSchema });
    b.subscribe("t.throw", (v: { n: number }) => {
      if (v.n === 4) throw new TypeError("sync failure");
    }, {
      schema: NumberSchema,
      onInvalid: () => {
        throw new Error("onInvalid failed too");
      },
    });
    await b.flush();
    for (const n of [1, 2, 3, 4]) a.publish("t.throw", { n });
    a.publish("t.throw", { bad: 1 });
    a.publish("t.throw", { n: 5 });
    await waitFor(() => seen.includes(5), { what: "the message after the failures" });
    assert.deepEqual(seen, [1, 4, 5]);
    // 2 and 3 in the first subscription, 4 in the second, and the throwing onInvalid.
    assert.equal(b.counters.handlerErrors - before, 4);
    assert.ok(logs.lines.some((l) => l.msg === "handler failed" && l.subject === "t.throw"));
  });

  await t.step("serial handlers run one at a time in arrival order", async () => {
    const order: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const gate = deferred<void>();
    const received = b.counters.received;
    const sub = b.subscribe("t.serial", async (v: { n: number }) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (v.n === 0) await gate.promise;
      else if (v.n % 3 === 0) await new Promise((r) => setTimeout(r, 1));
      order.push(v.n);
      running--;
    }, { schema: NumberSchema, serial: true });
    // A sync handler in serial mode keeps order too.
    const syncOrder: number[] = [];
    b.subscribe("t.serial", (v: { n: number }) => void syncOrder.push(v.n), {
      schema: NumberSchema,
      serial: true,
    });
    await b.flush();
    for (let n = 0; n < 50; n++) a.publish("t.serial", { n });
    // All 50 have arrived (twice) while the first handler still waits: the rest are queued.
    await waitFor(() => b.counters.received - received === 100, { what: "all messages in" });
    assert.deepEqual(order, []);
    gate.resolve();
    await sub.drain();
    assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i), "drain waited for the queue");
    assert.equal(maxRunning, 1);
    assert.deepEqual(syncOrder, Array.from({ length: 50 }, (_, i) => i));
  });

  await t.step("without serial, async handlers run concurrently", async () => {
    let running = 0;
    const gate = deferred<void>();
    const allIn = deferred<void>();
    b.subscribe("t.concurrent", async () => {
      running++;
      if (running === 5) allIn.resolve();
      await gate.promise;
      running--;
    });
    await b.flush();
    for (let n = 0; n < 5; n++) a.publish("t.concurrent", { n });
    await within(allIn.promise, 5000, "five handlers running at once");
    gate.resolve();
    await waitFor(() => running === 0);
  });

  await t.step("drain waits for handlers still running, unsubscribe does not", async () => {
    const gate = deferred<void>();
    let finished = 0;
    const sub = b.subscribe("t.drain", async () => {
      await gate.promise;
      finished++;
    });
    await b.flush();
    const received = b.counters.received;
    a.publish("t.drain", 1);
    a.publish("t.drain", 2);
    await waitFor(() => b.counters.received - received === 2, { what: "both messages in" });
    let drained = false;
    const draining = sub.drain().then(() => drained = true);
    await new Promise((r) => setTimeout(r, 50)); // give drain a chance to (wrongly) finish early
    assert.equal(drained, false);
    gate.resolve();
    await draining;
    assert.equal(finished, 2);
    await sub.closed;
    await sub.drain(); // a second drain is a no-op
  });

  await t.step("a queue group shares the messages, each to exactly one member", async () => {
    const first: number[] = [];
    const second: number[] = [];
    b.subscribe("t.queue", (v: number) => void first.push(v), { queue: "workers" });
    a.subscribe("t.queue", (v: number) => void second.push(v), { queue: "workers" });
    await a.flush();
    await b.flush();
    for (let n = 0; n < 40; n++) a.publish("t.queue", n);
    await waitFor(() => first.length + second.length === 40);
    assert.deepEqual([...first, ...second].sort((x, y) => x - y), [...Array(40).keys()]);
  });

  await t.step("max ends a subscription after that many messages", async () => {
    const seen: number[] = [];
    const sub = b.subscribe("t.max", (v: number) => void seen.push(v), { max: 2 });
    await b.flush();
    for (let n = 0; n < 5; n++) a.publish("t.max", n);
    await within(sub.closed, 5000, "subscription closed after max");
    await a.flush();
    await b.flush();
    assert.deepEqual(seen, [0, 1]);
  });

  await t.step("request gets the served reply, validated by its schema", async () => {
    b.serve("t.echo", (q: { x: string }, context) => ({ echoed: q.x, subject: context.subject }), {
      schema: z.object({ x: z.string() }),
    });
    await b.flush();
    const reply = await a.request("t.echo", { x: "hi" }, {
      schema: z.object({ echoed: z.string(), subject: z.string() }),
    });
    assert.deepEqual(reply, { echoed: "hi", subject: "t.echo" });
    assert.deepEqual(await a.request("t.echo", { x: "no schema" }), {
      echoed: "no schema",
      subject: "t.echo",
    });
  });

  await t.step("serve answers an invalid request with invalid_args, naming the field", async () => {
    const reply = await a.request("t.echo", { x: 42 });
    assert.deepEqual(reply, {
      ok: false,
      error: {
        code: "invalid_args",
        message: (reply as { error: { message: string } }).error.message,
      },
    });
    assert.match((reply as { error: { message: string } }).error.message, /x: /);
    const notJson = await raw.connection.request("t.echo", new TextEncoder().encode("nope"));
    assert.equal(notJson.json<{ error: { code: string } }>().error.code, "invalid_args");
  });

  await t.step("serve answers a throwing handler with failed, never with the stack", async () => {
    b.serve("t.fails", () => {
      throw new Error("secret internals at /srv/x.ts:12");
    });
    await b.flush();
    const reply = await a.request("t.fails", {});
    assert.deepEqual(reply, { ok: false, error: { code: "failed", message: "internal error" } });
    assert.ok(!JSON.stringify(reply).includes("secret"));
    assert.ok(logs.has("request handler failed"));
    // Whatever a handler throws, even a bare string, is logged readably.
    b.serve("t.fails.string", () => {
      throw "a bare string";
    });
    await b.flush();
    assert.deepEqual(await a.request("t.fails.string", {}), reply);
    assert.ok(
      logs.lines.some((l) => l.msg === "request handler failed" && l.error === "a bare string"),
    );
  });

  await t.step(
    "serve uses the caller's own invalid and error replies and queue group",
    async () => {
      const opts = {
        schema: z.number(),
        queue: "q",
        invalidReply: (e: EventDecodeError) => ({ bad: e.field }),
        errorReply: (e: unknown) => ({ oops: errorText(e) }),
      };
      b.serve("t.custom", (n: number) => {
        if (n < 0) throw new RangeError("negative");
        return n * 2;
      }, opts);
      b.serve("t.custom", (n: number) => n * 2, opts);
      await b.flush();
      assert.equal(await a.request("t.custom", 21), 42);
      assert.deepEqual(await a.request("t.custom", "x"), { bad: "(root)" });
      // The queue group means one member answers; try until the throwing one got it.
      await waitFor(async () => {
        const reply = await a.request("t.custom", -1);
        return typeof reply === "object" &&
          (reply as { oops?: string }).oops === "RangeError: negative";
      }, { what: "the throwing member to answer" });
    },
  );

  await t.step(
    "a served subject reached by plain publish runs the handler without a reply",
    async () => {
      const got = deferred<number>();
      b.serve("t.noreply", (n: number) => {
        got.resolve(n);
        return n;
      });
      await b.flush();
      a.publish("t.noreply", 7);
      assert.equal(await within(got.promise, 5000, "handler ran"), 7);
    },
  );

  await t.step("a reply that does not match the schema is an invalid-reply error", async () => {
    b.serve("t.wrong", () => ({ unexpected: true }));
    raw.connection.subscribe("t.garbage", {
      callback: (_e, msg) => void msg.respond(new TextEncoder().encode("<html>")),
    });
    await b.flush();
    await raw.flush();
    const failures = a.counters.requestFailures;
    await assert.rejects(
      () => a.request("t.wrong", {}, { schema: z.object({ expected: z.string() }) }),
      (error: unknown) =>
        error instanceof BusRequestError && error.code === "invalid-reply" &&
        error.subject === "t.wrong" && /expected/.test(error.message),
    );
    await assert.rejects(
      () => a.request("t.garbage", {}),
      (error: unknown) =>
        error instanceof BusRequestError && error.code === "invalid-reply" &&
        /not JSON/.test(error.message),
    );
    assert.equal(a.counters.requestFailures - failures, 2);
  });

  await t.step("a request nobody answers in time fails with timeout", async () => {
    b.subscribe("t.silent", () => {}); // receives, never replies
    await b.flush();
    const started = Date.now();
    await assert.rejects(
      () => a.request("t.silent", {}, { timeoutMs: 200 }),
      (error: unknown) =>
        error instanceof BusRequestError && error.name === "BusRequestError" &&
        error.code === "timeout" && error.subject === "t.silent" &&
        error.message === "request to t.silent failed (timeout): no reply in time",
    );
    assert.ok(Date.now() - started >= 190);
  });

  await t.step(
    "a request to a subject nobody serves fails at once with no-responders",
    async () => {
      const started = Date.now();
      await assert.rejects(
        () => a.request("t.nobody", {}, { timeoutMs: 5000 }),
        (error: unknown) => error instanceof BusRequestError && error.code === "no-responders",
      );
      assert.ok(Date.now() - started < 2000, "not a timeout");
    },
  );

  await t.step("a request to a malformed subject fails with failed, naming it", async () => {
    await assert.rejects(
      () => a.request("t. bad subject", {}),
      (error: unknown) =>
        error instanceof BusRequestError && error.code === "failed" &&
        error.subject === "t. bad subject" && /subject/i.test(error.message),
    );
  });

  await t.step(
    "status listeners can stop listening, and a throwing one is only logged",
    async () => {
      const events: string[] = [];
      const stop = b.onStatus((event) => events.push(event.type));
      b.onStatus(() => {
        throw new Error("listener bug");
      });
      stop();
      // A slow consumer on the raw connection is reported through the bus's status events.
      const slow = deferred<{ subject: string; pending: number }>();
      b.onStatus((event) => {
        if (event.type === "slow-consumer") slow.resolve(event);
      });
      const slowSub = b.connection.subscribe("t.slow", { slow: 2 });
      await b.flush();
      for (let n = 0; n < 3; n++) a.publish("t.slow", n);
      const event = await within(slow.promise, 5000, "slow-consumer event");
      assert.equal(event.subject, "t.slow");
      assert.ok(event.pending >= 2);
      slowSub.unsubscribe();
      assert.deepEqual(events, []);
      assert.ok(logs.has("status listener failed"));
    },
  );

  await t.step("counters add up what the bus did", () => {
    assert.ok(a.counters.published > 0);
    assert.ok(b.counters.received > 0);
    assert.ok(a.counters.requests >= a.counters.requestFailures);
    assert.equal(a.counters.disconnects, 0);
    assert.equal(a.counters.permissionViolations, 0);
  });

  await t.step("a closed bus refuses work with BusClosedError and reports closed", async () => {
    const c = await connect("svc-c");
    const events: string[] = [];
    c.onStatus((event) => events.push(event.type));
    const served = c.serve("t.closing", () => new Promise<never>(() => {}));
    await c.close();
    assert.equal(c.status, "closed");
    assert.deepEqual(events, ["closed"]);
    await served.closed;
    assert.throws(() => c.publish("t.x", 1), BusClosedError);
    assert.throws(() => c.subscribe("t.x", () => {}), BusClosedError);
    await assert.rejects(() => c.request("t.x", 1), BusClosedError);
    await c.close(); // idempotent
    await c.drain();
  });

  await t.step("a request in flight when its bus closes fails with closed", async () => {
    const d = await connect("svc-d");
    b.subscribe("t.hang", () => {});
    await b.flush();
    const pending = d.request("t.hang", {}, { timeoutMs: 10_000 });
    await d.flush();
    await d.close();
    await assert.rejects(
      pending,
      (error: unknown) => error instanceof BusRequestError && error.code === "closed",
    );
  });

  await t.step(
    "a serve handler that answers after its bus closed loses only that reply",
    async () => {
      const servingLogs = captureLogs();
      const e = await connect("svc-e", undefined, { logger: servingLogs.logger });
      const gate = deferred<void>();
      const entered = deferred<void>();
      e.serve("t.late", async () => {
        entered.resolve();
        await gate.promise;
        return "late";
      });
      await e.flush();
      const pending = a.request("t.late", {}, { timeoutMs: 300 }).catch((error) => error);
      await within(entered.promise, 5000, "handler entered");
      await e.close();
      gate.resolve();
      assert.equal(((await pending) as BusRequestError).code, "timeout");
      await waitFor(() => servingLogs.has("reply not sent"));
    },
  );

  await t.step("drain delivers what is buffered, then closes", async () => {
    const f = await connect("svc-f");
    const inbox = new Inbox<number>();
    b.subscribe("t.final", (v: number) => inbox.push(v));
    await b.flush();
    for (let n = 0; n < 100; n++) f.publish("t.final", n);
    await f.drain();
    assert.equal(f.status, "closed");
    await waitFor(() => inbox.length === 100, { what: "all 100 after drain" });
  });

  await t.step("EventBus.connect wires the logger and an explicit inbox prefix", async () => {
    const user = await nats.mint("svc-g", {
      publish: { allow: ["t.echo"] },
      subscribe: { allow: ["_INBOX.custom-box.>"] },
    });
    let disposed: EventBus | undefined;
    {
      await using g = await EventBus.connect({
        servers: nats.url,
        name: "svc-g",
        creds: user.creds,
        inboxPrefix: "_INBOX.custom-box",
        logger: logs.logger,
      });
      disposed = g;
      assert.deepEqual(await g.request("t.echo", { x: "boxed" }), {
        echoed: "boxed",
        subject: "t.echo",
      });
      assert.ok(logs.lines.some((l) => l.msg === "connected" && l.bus === "svc-g"));
    }
    assert.equal(disposed.status, "closed", "await using closes the bus");
  });
});
