import assert from "node:assert/strict";
import { ChatRing } from "../../services/web/chat_ring.ts";

const line = (n: number, text = `line ${n}`) => ({ id: `e${n}`, time: n, payload: { text } });

Deno.test("the dashboard's chat keeps the last lines of a channel, oldest first", () => {
  const ring = new ChatRing<ReturnType<typeof line>>(3);
  assert.deepEqual(ring.lines(), []);
  ring.push(line(1));
  ring.push(line(2));
  assert.deepEqual(ring.lines(), [line(1), line(2)]);
  for (let n = 3; n <= 10; n++) ring.push(line(n));
  assert.deepEqual(ring.lines(), [line(8), line(9), line(10)]);
});

Deno.test("a chat line longer than its slot, or in any script, comes back whole", () => {
  const ring = new ChatRing<ReturnType<typeof line>>(2);
  const long = line(1, "ä€😀".repeat(2000));
  ring.push(long);
  ring.push(line(2, "短い"));
  assert.deepEqual(ring.lines(), [long, line(2, "短い")]);
  // Its slot taken by a short line: the long one is forgotten with it.
  ring.push(line(3));
  assert.deepEqual(ring.lines(), [line(2, "短い"), line(3)]);
});

Deno.test("the lines handed out are copies: changing them changes nothing kept", () => {
  const ring = new ChatRing<ReturnType<typeof line>>(2);
  ring.push(line(1));
  const [first] = ring.lines();
  first!.payload.text = "changed";
  assert.deepEqual(ring.lines(), [line(1)]);
});
