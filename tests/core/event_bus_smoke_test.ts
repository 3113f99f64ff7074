import assert from "node:assert/strict";
import { z } from "zod";
import { TestNats, waitFor } from "@quicksilver/testing";

Deno.test("a bus publishes, subscribes, requests and survives a throwing handler", async () => {
  await using nats = await TestNats.start();
  const a = await nats.connect("svc-a");
  const b = await nats.connect("svc-b");
  const seen: number[] = [];
  b.subscribe("t.numbers", (v: { n: number }) => {
    if (v.n === 2) throw new Error("boom");
    seen.push(v.n);
  }, { schema: z.object({ n: z.number() }) });
  b.serve("t.echo", (q: { x: string }) => ({ echoed: q.x }));
  await b.flush();
  a.publish("t.numbers", { n: 1 });
  a.publish("t.numbers", { n: 2 });
  a.publish("t.numbers", { bad: true });
  a.publish("t.numbers", { n: 3 });
  await waitFor(() => seen.length === 2);
  assert.deepEqual(seen, [1, 3]);
  assert.equal(b.counters.invalid, 1);
  assert.equal(b.counters.handlerErrors, 1);
  assert.deepEqual(await a.request("t.echo", { x: "hi" }), { echoed: "hi" });
});
