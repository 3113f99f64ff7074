/**
 * A durable consumer's handler that runs past the ack wait keeps its message: the consumer tells
 * the server it is still at work (`progressEveryMs`), so the message is not handed out again
 * while it runs (the router's durable mode relies on it for slow plugins, docs/SCALING.md).
 */
import assert from "node:assert/strict";
import { TestNats, waitFor } from "@quicksilver/testing";

Deno.test("a handler slower than the ack wait is not given its message a second time", async () => {
  await using nats = await TestNats.start();
  const bus = await nats.connect("worker");
  await bus.durable.ensureStream({ name: "SLOW", subjects: ["slow.>"], storage: "memory" });
  const started: number[] = [];
  let finished = 0;
  const spec = { stream: "SLOW", durable: "workers", ackWaitMs: 1000, maxInFlight: 8 };
  const handler = async (value: unknown) => {
    started.push((value as { n: number }).n);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    finished++;
  };
  // Two clients of one durable consumer, as two routers are: a redelivery could go to either.
  const first = bus.durable.consume(spec, handler);
  const second = bus.durable.consume(spec, handler);
  await Promise.all([first.ready, second.ready]);
  await bus.durable.publish("slow.one", { n: 1 });
  await waitFor(() => finished === 1, { timeoutMs: 10_000, what: "the slow handler to finish" });
  // Past three ack waits: a message that was not kept would have been handed out again by now.
  assert.deepEqual(started, [1]);
  await Promise.all([first.stop(), second.stop()]);
});
