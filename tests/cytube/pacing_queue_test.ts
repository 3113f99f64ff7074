import assert from "node:assert/strict";
import {
  MIN_ANTIFLOOD,
  type PacingDropReason,
  PacingQueue,
  type RateLimit,
} from "../../connectors/cytube/mod.ts";
import { startFakeCytube } from "../fake_cytube/mod.ts";
import { clientFor } from "./_helpers.ts";

// Resolves when `count` messages were sent, or fails after the deadline.
function sentCollector<T>(count: number, timeoutMs = 5000) {
  const sent: T[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`only ${sent.length}/${count} sent after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return {
    sent,
    send: (item: T) => {
      sent.push(item);
      if (sent.length === count) done();
    },
    wait: async () => {
      try {
        await Promise.race([finished, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

const fast: RateLimit = { burst: 5, sustained: 200 };

Deno.test("every enqueued message is sent exactly once, in order", async () => {
  const out = sentCollector<number>(100);
  using queue = new PacingQueue<number>({ send: out.send, limitFor: () => fast });
  for (let i = 0; i < 100; i++) queue.enqueue(i);
  await out.wait();
  assert.deepEqual(out.sent, Array.from({ length: 100 }, (_, i) => i));
  assert.equal(queue.stats.sent, 100);
  assert.equal(queue.length, 0);
});

Deno.test("the burst goes out at once, the rest at the sustained rate with a margin", async () => {
  const times: number[] = [];
  const out = sentCollector<number>(6);
  const limit: RateLimit = { burst: 4, sustained: 20, cooldown: 10 };
  using queue = new PacingQueue<number>({
    send: (i) => {
      times.push(performance.now());
      out.send(i);
    },
    limitFor: () => limit,
  });
  const start = performance.now();
  for (let i = 0; i < 6; i++) queue.enqueue(i);
  // One message of headroom: 3 immediately, then one per 50 ms * 1.1 + 10 ms = 65 ms.
  assert.equal(out.sent.length, 3);
  await out.wait();
  for (let i = 3; i < 6; i++) {
    const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
    assert.ok(gap >= 64, `gap ${i} was ${gap.toFixed(1)} ms`);
  }
  assert.ok((times[5] ?? 0) - start >= 3 * 64);
});

Deno.test("a message costing two throttle calls waits for the burst to reset", async () => {
  const times: number[] = [];
  const out = sentCollector<string>(3);
  // effective burst 3 (4 minus headroom); reset after 100 ms idle + 50 ms margin.
  const limit: RateLimit = { burst: 4, sustained: 1000, cooldown: 0.1 };
  using queue = new PacingQueue<string>({
    send: (m) => {
      times.push(performance.now());
      out.send(m);
    },
    limitFor: () => limit,
    costOf: (m) => (m.startsWith("/me") ? 2 : 1),
    margin: { cooldownMs: 50 },
  });
  queue.enqueue("/me one");
  queue.enqueue("/me two");
  queue.enqueue("plain");
  assert.deepEqual(out.sent, ["/me one"]);
  await out.wait();
  assert.deepEqual(out.sent, ["/me one", "/me two", "plain"]);
  const gap = (times[1] ?? 0) - (times[0] ?? 0);
  assert.ok(gap >= 149, `the second /me went ${gap.toFixed(1)} ms after the first`);
});

Deno.test("a paused queue holds messages; when full it drops the oldest and counts them", () => {
  const sent: number[] = [];
  const dropped: [number, PacingDropReason][] = [];
  using queue = new PacingQueue<number>({
    send: (i) => sent.push(i),
    limitFor: () => MIN_ANTIFLOOD,
    maxLength: 3,
    startPaused: true,
    onDrop: (i, reason) => dropped.push([i, reason]),
  });
  for (let i = 0; i < 5; i++) assert.equal(queue.enqueue(i), true);
  assert.deepEqual(sent, []);
  assert.equal(queue.length, 3);
  assert.deepEqual(dropped, [[0, "overflow"], [1, "overflow"]]);
  assert.equal(queue.stats.droppedOverflow, 2);
  queue.resume();
  assert.deepEqual(sent, [2, 3, 4]);
});

Deno.test("a server cooldown re-sends the oldest unconfirmed message in its place", async () => {
  const out = sentCollector<string>(6);
  using queue = new PacingQueue<string>({
    send: out.send,
    limitFor: () => MIN_ANTIFLOOD,
    expectsConfirmation: () => true,
  });
  queue.enqueue("a");
  queue.enqueue("b");
  queue.enqueue("c");
  assert.equal(queue.confirm((m) => m === "a"), "a");
  // The server dropped "b" (the oldest unconfirmed) and then "c".
  assert.equal(queue.serverCooldown(10), "b");
  assert.equal(queue.serverCooldown(10), "c");
  queue.enqueue("d");
  assert.deepEqual(out.sent, ["a", "b", "c"], "nothing goes out during the back-off");
  await out.wait();
  assert.deepEqual(out.sent, ["a", "b", "c", "b", "c", "d"]);
  assert.equal(queue.stats.resent, 2);
  assert.equal(queue.stats.serverCooldowns, 2);
});

Deno.test("a confirmation settles every older in-flight message too", () => {
  const sent: string[] = [];
  using queue = new PacingQueue<string>({
    send: (m) => sent.push(m),
    limitFor: () => MIN_ANTIFLOOD,
    expectsConfirmation: () => true,
  });
  queue.enqueue("a");
  queue.enqueue("b");
  queue.enqueue("c");
  assert.equal(queue.inFlight, 3);
  queue.confirm((m) => m === "b");
  assert.equal(queue.inFlight, 1);
});

Deno.test("messages in flight go back to the front when the connection drops", () => {
  const sent: string[] = [];
  using queue = new PacingQueue<string>({
    send: (m) => sent.push(m),
    limitFor: () => MIN_ANTIFLOOD,
    expectsConfirmation: () => true,
  });
  queue.enqueue("a");
  queue.enqueue("b");
  queue.pause();
  queue.enqueue("c");
  assert.equal(queue.requeueInFlight(), 2);
  queue.resetLimiter();
  queue.resume();
  assert.deepEqual(sent, ["a", "b", "a", "b", "c"]);
});

Deno.test("a message dropped more than maxRetries times is given up and reported", () => {
  const dropped: PacingDropReason[] = [];
  using queue = new PacingQueue<string>({
    send: () => {},
    limitFor: () => MIN_ANTIFLOOD,
    expectsConfirmation: () => true,
    maxRetries: 0,
    onDrop: (_m, reason) => dropped.push(reason),
  });
  queue.enqueue("a");
  queue.serverCooldown(100);
  assert.deepEqual(dropped, ["retries"]);
  assert.equal(queue.length, 0);
});

Deno.test("close and abort drop waiting messages and leave no timer behind", () => {
  const controller = new AbortController();
  const dropped: PacingDropReason[] = [];
  const queue = new PacingQueue<number>({
    send: () => {},
    limitFor: () => ({ burst: 1, sustained: 0.01 }),
    signal: controller.signal,
    onDrop: (_i, reason) => dropped.push(reason),
  });
  queue.enqueue(1);
  queue.enqueue(2);
  queue.enqueue(3);
  controller.abort();
  assert.equal(queue.closed, true);
  assert.deepEqual(dropped, ["closed", "closed"]);
  assert.equal(queue.enqueue(4), false);
  queue.close();
});

// ---------------------------------------------------------------------------------------------
// Through the fake server, whose limiter is an independent port of CyTube's.

Deno.test("100 chat messages sent at once all arrive in order, none dropped", async () => {
  await using fake = await startFakeCytube();
  await using client = clientFor(fake);
  await client.connect();
  const messages = Array.from({ length: 100 }, (_, i) => `message ${i}`);
  for (const msg of messages) client.chat(msg);
  await fake.waitFor(() => fake.chatAttempts.length >= 100, 20_000, "100 chat lines");
  assert.deepEqual(fake.accepted("chat", "bot"), messages);
  assert.deepEqual(fake.dropped, []);
  assert.equal(client.outboundStats.chat.serverCooldowns, 0);
});

Deno.test("channel antiflood (chat_antiflood, rank < 2) is honoured: nothing dropped", async () => {
  await using fake = await startFakeCytube({
    chatAntiflood: true,
    chatAntifloodParams: { burst: 4, sustained: 2, cooldown: 2 },
  });
  await using client = clientFor(fake);
  await client.connect();
  const messages = Array.from({ length: 7 }, (_, i) => `line ${i}`);
  const start = performance.now();
  for (const msg of messages) client.chat(msg);
  await fake.waitFor(() => fake.chatAttempts.length >= 7, 10_000, "7 chat lines");
  assert.deepEqual(fake.accepted("chat", "bot"), messages);
  assert.deepEqual(fake.dropped, []);
  // 3 in the burst, then 4 more at 2/s: the queue really waited.
  assert.ok(performance.now() - start >= 4 * 500);
});

Deno.test("at rank 2 the channel antiflood does not apply, only MIN_ANTIFLOOD", async () => {
  await using fake = await startFakeCytube({
    chatAntiflood: true,
    accounts: { bot: { password: "pw", rank: 2 } },
  });
  await using client = clientFor(fake, { user: { name: "bot", password: "pw" } });
  await client.connect();
  const messages = Array.from({ length: 22 }, (_, i) => `mod line ${i}`);
  const start = performance.now();
  for (const msg of messages) client.chat(msg);
  await fake.waitFor(() => fake.chatAttempts.length >= 22, 5000, "22 chat lines");
  assert.deepEqual(fake.accepted("chat", "bot"), messages);
  assert.deepEqual(fake.dropped, []);
  assert.ok(performance.now() - start < 2000, "paced at 10/s, not at the antiflood 1/s");
});

Deno.test("/me costs two throttle calls and is paced accordingly", async () => {
  await using fake = await startFakeCytube({
    chatAntiflood: true,
    chatAntifloodParams: { burst: 5, sustained: 2, cooldown: 1 },
  });
  await using client = clientFor(fake);
  await client.connect();
  for (let i = 0; i < 4; i++) client.me(`waves ${i}`);
  await fake.waitFor(() => fake.chatAttempts.length >= 4, 10_000, "4 actions");
  assert.deepEqual(fake.accepted("chat", "bot"), [0, 1, 2, 3].map((i) => `/me waves ${i}`));
  assert.deepEqual(fake.dropped, []);
});

Deno.test("after a server cooldown the client backs off and re-sends what was dropped", async () => {
  // The server enforces an antiflood it does not advertise, so the first burst overshoots.
  await using fake = await startFakeCytube({
    chatAntiflood: true,
    hideAntiflood: true,
    chatAntifloodParams: { burst: 2, sustained: 5, cooldown: 1 },
  });
  await using client = clientFor(fake);
  await client.connect();
  const messages = Array.from({ length: 6 }, (_, i) => `reply ${i}`);
  for (const msg of messages) client.chat(msg);
  await fake.waitFor(
    () => fake.accepted("chat", "bot").length >= 6,
    10_000,
    "all 6 replies accepted",
  );
  assert.deepEqual(fake.accepted("chat", "bot"), messages);
  assert.ok(fake.dropped.length >= 1, "the server did drop some");
  const stats = client.outboundStats.chat;
  assert.equal(stats.resent, fake.dropped.length);
  assert.equal(stats.serverCooldowns, fake.dropped.length);
  assert.equal(stats.droppedRetries, 0);
});

Deno.test("lanes take turns: one lane's burst does not hold another lane's message behind it", () => {
  const sent: string[] = [];
  using queue = new PacingQueue<string>({
    send: (m) => sent.push(m),
    limitFor: () => MIN_ANTIFLOOD,
    laneOf: (m) => m.split(":")[0]!,
    startPaused: true,
  });
  for (let i = 0; i < 6; i++) queue.enqueue(`flood:${i}`);
  queue.enqueue("dice:alice");
  queue.enqueue("quotes:1");
  queue.enqueue("dice:bob");
  queue.enqueue("quotes:2");
  queue.resume();
  assert.deepEqual(sent, [
    "flood:0",
    "dice:alice",
    "quotes:1",
    "flood:1",
    "dice:bob",
    "quotes:2",
    "flood:2",
    "flood:3",
    "flood:4",
    "flood:5",
  ]);
});

Deno.test("a lane that arrives while another floods is served next", async () => {
  const out = sentCollector<string>(12);
  // 2 at once, then one every ~11 ms: the flood is still waiting when the answer arrives.
  using queue = new PacingQueue<string>({
    send: out.send,
    limitFor: () => ({ burst: 3, sustained: 100 }),
    laneOf: (m) => m.split(":")[0]!,
  });
  for (let i = 0; i < 11; i++) queue.enqueue(`flood:${i}`);
  const before = out.sent.length;
  queue.enqueue("dice:answer");
  await out.wait();
  assert.equal(out.sent.indexOf("dice:answer"), before, JSON.stringify(out.sent));
});

Deno.test("when full, the longest lane loses its oldest message, not another lane", () => {
  const dropped: string[] = [];
  using queue = new PacingQueue<string>({
    send: () => {},
    limitFor: () => MIN_ANTIFLOOD,
    laneOf: (m) => m.split(":")[0]!,
    maxLength: 4,
    startPaused: true,
    onDrop: (m) => dropped.push(m),
  });
  queue.enqueue("dice:answer");
  for (let i = 0; i < 6; i++) queue.enqueue(`flood:${i}`);
  assert.deepEqual(dropped, ["flood:0", "flood:1", "flood:2"]);
  assert.equal(queue.length, 4);
});
